import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openGatehouse } from '../src/app/gatehouse.js';
import { ConfigError } from '../src/config/index.js';
import { testConfig } from './support/app.js';
import { runCli } from './support/cli.js';

/*
 * The embedded PGlite database belongs to one process: a second one on the same folder (the CLI while
 * `gatehouse serve` runs) would work on its own copy, and one side's changes would be lost silently.
 */

const folder = () => mkdtempSync(join(tmpdir(), 'gh-lock-'));
const contextIn = (dataDir: string) =>
  openGatehouse(testConfig({ database: { url: undefined }, data_dir: dataDir }));

let sleeper: ChildProcess | undefined;
afterEach(() => {
  sleeper?.kill();
  sleeper = undefined;
});

/** A running process that is not a Gatehouse: its pid stands for "another process holds the lock". */
function anotherProcess(): number {
  sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  return sleeper.pid!;
}

describe('embedded database: one process at a time', () => {
  it('refuses a second open of the same folder, and allows it once the first is closed', async () => {
    const dir = folder();
    const first = await contextIn(dir);
    try {
      const second = contextIn(dir);
      await expect(second).rejects.toBeInstanceOf(ConfigError);
      await expect(second).rejects.toThrow(/in use by process \d+/);
    } finally {
      await first.close();
    }
    expect(existsSync(join(dir, 'pglite.lock'))).toBe(false);
    const again = await contextIn(dir);
    await again.close();
  });

  it('stops the CLI with exit 78 and a clear message while another process holds the folder', async () => {
    const dir = folder();
    const pid = anotherProcess();
    writeFileSync(join(dir, 'pglite.lock'), String(pid));
    const res = await runCli(['clients', 'create', 'svc'], { DATA_DIR: dir, JWT_SECRET: 'y'.repeat(40) });
    expect(res.code).toBe(78);
    expect(res.stderr).toContain(`in use by process ${pid}`);
    expect(res.stderr).toContain('use PostgreSQL');
    expect(res.stdout).not.toContain('client_secret'); // nothing was created, no secret printed
  }, 60_000);

  it('takes over a lock whose process is no longer running', async () => {
    const dir = folder();
    const pid = anotherProcess();
    sleeper!.kill();
    await new Promise((r) => sleeper!.once('exit', r));
    writeFileSync(join(dir, 'pglite.lock'), String(pid));
    const ctx = await contextIn(dir);
    await ctx.close();
  });
});
