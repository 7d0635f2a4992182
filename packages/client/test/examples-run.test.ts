import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs an example exactly as its header says (`node --import tsx examples/<name>`), from the repo root. */
async function runExample(name: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', `examples/${name}`], {
    cwd: root,
    timeout: 60_000,
  });
  return stdout;
}

describe('examples run against a local Gatehouse server', () => {
  it('client-credentials.ts: cached token, introspection, revocation', async () => {
    const stdout = await runExample('client-credentials.ts');
    expect(stdout).toContain('served from cache: true');
    expect(stdout).toContain('active=true before revocation, active=false after');
  });

  it('device-flow.ts: user code approved on the device page, polling ends with tokens', async () => {
    const stdout = await runExample('device-flow.ts');
    expect(stdout).toContain('user approved the code');
    expect(stdout).toContain('device signed in as Alice');
  });
});
