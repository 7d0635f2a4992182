import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'gh-secret-'));
const CONFIG = fileURLToPath(new URL('../src/config/index.ts', import.meta.url));

describe('<data_dir>/jwt-secret', () => {
  it('refuses an empty or short existing file instead of replacing it', () => {
    for (const content of ['', '\n', 'short-secret\n']) {
      const dir = tmp();
      const path = join(dir, 'jwt-secret');
      writeFileSync(path, content);
      expect(() => loadConfig({ env: { DATA_DIR: dir } }), JSON.stringify(content)).toThrow(ConfigError);
      expect(() => loadConfig({ env: { DATA_DIR: dir } })).toThrow(path);
      expect(readFileSync(path, 'utf8')).toBe(content);
    }
  });

  it('creates the file with mode 0600 and leaves no temporary file behind', () => {
    const dir = join(tmp(), 'nested', 'data');
    const c = loadConfig({ env: { DATA_DIR: dir } });
    expect(readdirSync(dir)).toEqual(['jwt-secret']);
    expect(statSync(join(dir, 'jwt-secret')).mode & 0o777).toBe(0o600);
    expect(loadConfig({ env: { DATA_DIR: dir } }).security.jwt_secret).toBe(c.security.jwt_secret);
  });

  it('gives processes that start at the same instant one secret', async () => {
    const dir = tmp();
    // Each process waits for the same instant, then loads the configuration (creating the secret).
    const at = Date.now() + 4000;
    const script = `const { loadConfig } = await import(${JSON.stringify(CONFIG)});
while (Date.now() < ${at});
process.stdout.write(loadConfig({ env: { DATA_DIR: ${JSON.stringify(dir)} } }).security.jwt_secret);`;
    const run = () =>
      new Promise<string>((resolve, reject) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', '--input-type=module', '-e', script],
          { timeout: 30_000 },
          (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
        );
      });
    const secrets = await Promise.all(Array.from({ length: 8 }, run));
    const onDisk = readFileSync(join(dir, 'jwt-secret'), 'utf8').trim();
    expect(new Set(secrets)).toEqual(new Set([onDisk]));
    expect(readdirSync(dir)).toEqual(['jwt-secret']);
  }, 60_000);
});
