/**
 * What `gatehouse serve` writes to stdout, read back from a file its stdout is redirected to (as a deployment
 * does): at the default level the start-up lines and no per-request lines; at `debug` a "request completed"
 * line for every request, all of them on disk once a SIGTERM has stopped the process.
 */

import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SECRET } from './support/app.js';
import { startServe } from './support/cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  res?: { statusCode: number };
}

/** Starts the CLI with stdout on a file descriptor of `<dir>/stdout.log`; resolves once it answers. */
async function serve(logLevel?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'gh-request-logging-'));
  dirs.push(dir);
  const logPath = join(dir, 'stdout.log');
  const out = openSync(logPath, 'a');
  const server = await startServe({
    env: { DATA_DIR: dir, JWT_SECRET: SECRET, ...(logLevel ? { LOG_LEVEL: logLevel } : {}) },
    stdout: out,
  }).finally(() => closeSync(out));
  /** The request ids of `n` requests of several kinds (200, 404, 401), answered one after the other. */
  const requests = async (n: number): Promise<string[]> => {
    const ids: string[] = [];
    const paths = ['/.well-known/openid-configuration', '/no/such/route', '/api/oauth/userinfo'];
    for (let i = 0; i < n; i++) {
      const res = await fetch(server.url + paths[i % paths.length]);
      await res.arrayBuffer();
      ids.push(res.headers.get('x-request-id') ?? '');
    }
    return ids;
  };
  /** SIGTERM, then the exit code and every line of the log file. */
  const stop = async (): Promise<{ code: number | null; lines: LogLine[] }> => {
    const code = await server.stop('SIGTERM');
    const text = readFileSync(logPath, 'utf8');
    return {
      code,
      lines: text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as LogLine),
    };
  };
  return { requests, stop };
}

describe('request logs of gatehouse serve', () => {
  it('logs start-up at the default level and no line per request', async () => {
    const server = await serve();
    const ids = await server.requests(30);
    const { code, lines } = await server.stop();
    expect(code).toBe(0);
    expect(lines.some((l) => l.level === 30 && /Server listening at/.test(l.msg))).toBe(true);
    expect(lines.filter((l) => l.reqId !== undefined && ids.includes(l.reqId))).toEqual([]);
    expect(lines.every((l) => l.level >= 30)).toBe(true);
  }, 120_000);

  it('at debug, writes a "request completed" line for every request before the process exits on SIGTERM', async () => {
    const server = await serve('debug');
    const ids = await server.requests(300);
    // Stopped right after the last answer: nothing may be left in a buffer.
    const { code, lines } = await server.stop();
    expect(code).toBe(0);
    const completed = lines.filter((l) => l.msg === 'request completed');
    for (const id of ids) {
      const line = completed.find((l) => l.reqId === id);
      expect(line, `request ${id}`).toBeDefined();
      expect(line?.level).toBe(20);
    }
    expect(new Set(completed.map((l) => l.res?.statusCode))).toEqual(new Set([200, 404, 401]));
    expect(lines.some((l) => /Server listening at/.test(l.msg))).toBe(true);
  }, 120_000);
});
