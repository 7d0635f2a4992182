/**
 * A stop signal must end `gatehouse serve` in bounded time even while a client holds a request open by
 * trickling its body (slowloris): before, Fastify had no request timeout and the shutdown waited for every
 * request, so the process never exited until SIGKILL (skipping the context's close).
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from '../src/web/app.js';
import { SECRET, testApp } from './support/app.js';
import { startServe } from './support/cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'gh-shutdown-'));
  dirs.push(dir);
  return startServe({
    env: { DATA_DIR: dir, JWT_SECRET: SECRET, LOG_LEVEL: 'warn', SERVER__SHUTDOWN_DEADLINE_SECS: '2' },
  });
}

describe('stopping the server', () => {
  it('exits within its deadline, non-zero, when a client keeps trickling a request body', async () => {
    const { process: child, port, output, stop } = await startServer();
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    await once(socket, 'connect');
    socket.write(
      'POST /api/oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        'Content-Length: 100\r\n\r\ngrant_type=',
    );
    const trickle = setInterval(() => socket.write('a'), 1000);
    try {
      await new Promise((r) => setTimeout(r, 300)); // the request is in flight
      const stoppedAt = Date.now();
      const outcome = await Promise.race([
        stop('SIGTERM'),
        new Promise<'still running'>((r) => setTimeout(() => r('still running'), 25_000)),
      ]);
      expect(outcome, output()).not.toBe('still running');
      expect(Date.now() - stoppedAt).toBeLessThan(12_000); // 2 s deadline, then closing the database
      expect(child.exitCode).toBe(1);
      expect(output()).toContain('connections closed');
    } finally {
      clearInterval(trickle);
      socket.destroy();
      await stop('SIGKILL');
    }
  }, 120_000);

  it('exits 0 promptly when no request is in flight', async () => {
    const { stop } = await startServer();
    const stoppedAt = Date.now();
    const exitCode = await stop('SIGTERM');
    expect(Date.now() - stoppedAt).toBeLessThan(8_000);
    expect(exitCode).toBe(0);
  }, 120_000);
});

describe('request timeout', () => {
  it('is 30 s for the whole request and 10 s for the headers unless the app is told otherwise', async () => {
    const t = await testApp();
    try {
      expect(REQUEST_TIMEOUT_MS).toBe(30_000);
      expect(t.app.server.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
      // Below the request timeout: Node swaps the two otherwise (see below).
      expect(t.app.server.headersTimeout).toBe(HEADERS_TIMEOUT_MS);
      expect(HEADERS_TIMEOUT_MS).toBeLessThan(REQUEST_TIMEOUT_MS);
    } finally {
      await t.close();
    }
  });

  // Fastify's default request timeout is none; and Node, given a request timeout below its headers timeout
  // (60 s by default), swaps the two: a trickled body then held the connection a minute or more. The same
  // settings as the defaults (30 s, checked every 5 s), a tenth of them, so that the test takes seconds.
  it('answers 408 and closes the connection when a request body is still trickling in after the request timeout', async () => {
    const requestTimeoutMs = 3_000;
    const t = await testApp({}, { requestTimeoutMs, headersTimeoutMs: 1_000, timeoutCheckIntervalMs: 500 });
    try {
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = t.app.server.address() as AddressInfo;
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => {});
      let received = '';
      socket.on('data', (d: Buffer) => {
        received += d.toString();
      });
      await once(socket, 'connect');
      const startedAt = Date.now();
      socket.write(
        'POST /api/oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
          'Content-Length: 100\r\n\r\ngrant_type=',
      );
      const trickle = setInterval(() => socket.write('a'), 100);
      try {
        await once(socket, 'close');
      } finally {
        clearInterval(trickle);
      }
      expect(received).toMatch(/^HTTP\/1\.1 408 /);
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(requestTimeoutMs - 100);
      expect(Date.now() - startedAt).toBeLessThan(requestTimeoutMs + 1_000); // 3 s, checked every 0.5 s
    } finally {
      await t.close();
    }
  });
});
