import { once } from 'node:events';
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from './support/app.js';

/*
 * What a client sees at the HTTP layer, on a real socket: every request gets an answer (CONNECT included,
 * which Node does not hand to the request handler), a body over the limit gets its 413 even when the client
 * writes the whole body before reading anything, and every response says `nosniff`.
 */

let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await testApp();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.app.server.address() as AddressInfo).port;
});
afterAll(async () => t.close());

/**
 * Writes `head` and then `body` on a fresh connection without reading anything until both are written (or the
 * peer has stopped taking them), then reads until the connection closes or `waitMs` passes.
 */
async function exchange(head: string, body: Buffer = Buffer.alloc(0), waitMs = 3_000): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.pause();
  socket.write(head);
  if (body.length > 0) {
    await new Promise<void>((resolve) => {
      socket.write(body, () => resolve());
      setTimeout(resolve, 1_000);
    });
  }
  let received = '';
  socket.on('data', (d: Buffer) => {
    received += d.toString('latin1');
  });
  socket.resume();
  await Promise.race([once(socket, 'close'), new Promise((r) => setTimeout(r, waitMs))]);
  socket.destroy();
  return received;
}

const headerOf = (response: string, name: string) =>
  new RegExp(`^${name}: *(.*?)\\r$`, 'im').exec(response.split('\r\n\r\n')[0] + '\r')?.[1];

describe('CONNECT', () => {
  it('is answered 405 with Allow and a JSON error, then the connection is closed', async () => {
    const res = await exchange('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect(res).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    expect(headerOf(res, 'allow')).toBe('GET, HEAD, POST');
    expect(headerOf(res, 'x-content-type-options')).toBe('nosniff');
    expect(JSON.parse(res.split('\r\n\r\n')[1]!)).toEqual({
      error: 'invalid_request',
      error_description: 'method CONNECT is not allowed here',
    });
  });

  it('other methods Node parses but no route serves get 405 with the Allow of the path', async () => {
    for (const method of ['PROPFIND', 'PURGE', 'TRACE']) {
      const res = await exchange(
        `${method} /api/oauth/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      expect(res, method).toMatch(/^HTTP\/1\.1 405 /);
      expect(headerOf(res, 'allow'), method).toBe('POST');
    }
  });
});

describe('requests Node refuses before any route', () => {
  it('are answered with a JSON error and nosniff: unparsable 400, headers too large 431', async () => {
    for (const [request, status] of [
      ['FOO / HTTP/1.1\r\nHost: x\r\n\r\n', 400],
      [`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ] as const) {
      const res = await exchange(request);
      expect(res).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(headerOf(res, 'x-content-type-options')).toBe('nosniff');
      expect(headerOf(res, 'content-type')).toBe('application/json; charset=utf-8');
      expect(JSON.parse(res.split('\r\n\r\n')[1]!).error).toBe('invalid_request');
    }
  });
});

describe('a body over the limit', () => {
  const head = (length: number) =>
    'POST /api/oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
    `Content-Length: ${length}\r\n\r\n`;

  it('gets its 413 even when the client sends all of it before reading', async () => {
    const body = Buffer.alloc(8 * 1024 * 1024, 'a');
    const res = await exchange(head(body.length), body, 1_000);
    expect(res).toMatch(/^HTTP\/1\.1 413 /);
    expect(JSON.parse(res.split('\r\n\r\n')[1]!).error).toBe('invalid_request');
  });

  it('gets its 413 through fetch, the body sent in full', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/api/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.alloc(16 * 1024 * 1024, 'a'),
    });
    expect(res.status).toBe(413);
  });

  it('leaves the connection usable once the body has been read', async () => {
    const body = Buffer.alloc(256 * 1024, 'a');
    const res = await exchange(
      `${head(body.length)}${body.toString()}GET /api/livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    expect(res).toMatch(/^HTTP\/1\.1 413 /);
    expect(res).toContain('HTTP/1.1 200 OK');
  });
});

describe('X-Content-Type-Options', () => {
  it('is nosniff on every response: success, 404, 405, client error, bad URL, page', async () => {
    for (const [method, url] of [
      ['GET', '/api/healthz'],
      ['GET', '/nothing-here'],
      ['GET', '/api/oauth/token'],
      ['POST', '/api/oauth/token'],
      ['GET', '/api/oauth/%zz'],
      ['GET', '/.well-known/openid-configuration'],
    ] as const) {
      const res = await fetch(`http://127.0.0.1:${port}${url}`, { method });
      expect(res.headers.get('x-content-type-options'), `${method} ${url} (${res.status})`).toBe('nosniff');
    }
  });
});
