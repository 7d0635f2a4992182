import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('examples/client-credentials.ts', () => {
  it('runs against a local Gatehouse server: cached token, introspection, revocation', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'examples/client-credentials.ts'],
      { cwd: root, timeout: 60_000 },
    );
    expect(stdout).toContain('served from cache: true');
    expect(stdout).toContain('active=true before revocation, active=false after');
  });
});
