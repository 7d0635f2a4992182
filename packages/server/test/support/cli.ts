import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI, as users run it (the test run builds it first: test-support/global-setup.ts). */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** Runs `gatehouse <args>` with only PATH and `env` in its environment. */
export function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'silent', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
