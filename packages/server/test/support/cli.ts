import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from './http.js';

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

/** A `gatehouse serve` process that answers `/api/healthz`. */
export interface Serving {
  process: ChildProcess;
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** What it has printed so far: stdout and stderr, or only stderr when stdout goes to a file. */
  output(): string;
  /** Sends `signal` unless it has exited already; resolves once it has, with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ServeOptions {
  /** Its environment besides PATH, SERVER__HOST and SERVER__PORT. */
  env: Record<string, string>;
  /** A fixed port (one to start it on again); a free one by default. */
  port?: number;
  /** A file descriptor its stdout is written to, as a deployment redirects it; collected by default. */
  stdout?: number;
  /** How long it may take to answer `/api/healthz` 200. */
  startupMs?: number;
}

/** Whether `<url>/api/healthz` answers 200 within a second. */
export async function answersHealthz(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/api/healthz`, { signal: AbortSignal.timeout(1_000) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false; // not listening yet
  }
}

/**
 * Starts `gatehouse serve` (the built CLI) on 127.0.0.1; resolves once `/api/healthz` answers 200. A process
 * that exits first, or is not healthy within `startupMs`, is killed and fails with what it printed.
 */
export async function startServe({ env, port, stdout, startupMs = 60_000 }: ServeOptions): Promise<Serving> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const listenOn = port ?? (await freePort());
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: {
      PATH: process.env['PATH'] ?? '',
      ...env,
      SERVER__HOST: '127.0.0.1',
      SERVER__PORT: String(listenOn),
    },
    stdio: ['ignore', stdout ?? 'pipe', 'pipe'],
  });
  let printed = '';
  const collect = (d: Buffer) => {
    printed += d.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  const serving: Serving = {
    process: child,
    port: listenOn,
    url: `http://127.0.0.1:${listenOn}`,
    output: () => printed,
    async stop(signal = 'SIGTERM') {
      if (!hasExited()) child.kill(signal);
      await exited;
      return child.exitCode;
    },
  };
  const deadline = Date.now() + startupMs;
  while (Date.now() < deadline && !hasExited()) {
    if (await answersHealthz(serving.url)) return serving;
    await new Promise((r) => setTimeout(r, 100));
  }
  await serving.stop('SIGKILL');
  throw new Error(`gatehouse serve on port ${listenOn} did not become healthy:\n${printed.slice(-4_000)}`);
}
