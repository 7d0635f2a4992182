// Runs every benchmark under bench/<area>/*.bench.mjs one after the other (they compete for the same
// two cores, so never in parallel). Each benchmark runs ours and the peer in the same run and prints ratios.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
const benches = readdirSync(here)
  .filter((area) => statSync(join(here, area)).isDirectory() && (!only || area === only))
  .flatMap((area) =>
    readdirSync(join(here, area))
      .filter((f) => f.endsWith('.bench.mjs'))
      .map((f) => join(area, f)),
  );

if (benches.length === 0) {
  console.log('No benchmarks found under bench/<area>/*.bench.mjs.');
  process.exit(0);
}
let failed = 0;
for (const bench of benches) {
  console.log(`\n=== ${bench}`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(here, bench)], { stdio: 'inherit' });
  if (res.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
