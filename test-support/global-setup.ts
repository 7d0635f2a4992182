import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type Service, unavailableReason } from './services.js';

/**
 * Builds both packages (incremental: a second or two when nothing changed). Tests that start the `gatehouse`
 * CLI run the built `dist/cli.js`, as users do, rather than the sources through tsx, which costs each
 * process about twice the CPU time to start.
 */
function build(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, [tsc, '-b', 'packages/client', 'packages/server'], {
    cwd: root,
    stdio: 'inherit',
  });
}

/** Builds, then prints, once per run, which tests run against real services and which are skipped and why. */
export default function setup(): void {
  build();
  const services: Service[] = ['postgres', 'redis', 'chromium'];
  const skipped = services.flatMap((s) => {
    const reason = unavailableReason(s);
    return reason ? [`${s} (${reason})`] : [];
  });
  if (skipped.length > 0) {
    console.log(`\n[gatehouse] tests needing these services are SKIPPED: ${skipped.join('; ')}`);
    console.log(
      '[gatehouse] set TEST_DATABASE_URL / TEST_REDIS_URL and install chromium to run them (CI does).\n',
    );
  } else {
    console.log('\n[gatehouse] running against real PostgreSQL, Redis and Chromium.\n');
  }
}
