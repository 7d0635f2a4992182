import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { installResponseBatching } from '../src/web/hooks/response-batching.js';

/** A server whose handlers and response writes are logged in order. */
async function loggingServer(coalesce: boolean) {
  const log: string[] = [];
  const app = Fastify();
  if (coalesce) installResponseBatching(app);
  app.addHook('onRequest', (req, reply, done) => {
    reply.raw.on('finish', () => log.push(`written ${req.url}`));
    done();
  });
  app.get('/:name', async (req) => {
    log.push(`handled ${req.url}`);
    return { name: (req.params as { name: string }).name };
  });
  app.get('/fail', async () => {
    log.push('handled /fail');
    throw Object.assign(new Error('nope'), { statusCode: 400 });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  return { app, log, base: `http://127.0.0.1:${port}` };
}

/** Three requests on three connections that reach the server together: the same turn of its event loop. */
async function threeAtOnce(base: string, log: string[]) {
  // Open the connections first, so that the three requests are not spread over connection set-up.
  const agentWarmUp = await Promise.all(['a', 'b', 'c'].map((n) => fetch(`${base}/${n}`)));
  await Promise.all(agentWarmUp.map((r) => r.text()));
  log.length = 0;
  const responses = await Promise.all(['/a', '/b', '/fail'].map((path) => fetch(base + path)));
  expect(responses.map((r) => r.status)).toEqual([200, 200, 400]);
  expect(await responses[0]?.json()).toEqual({ name: 'a' });
}

/**
 * Whether, within 20 tries of three requests at once, the log once showed `seen`: the three do not always
 * reach the server in the same turn, so each side of the comparison is looked for, not expected every time.
 */
async function seenWithin20(coalesce: boolean, seen: (firstWrite: number, handled: number) => boolean) {
  const s = await loggingServer(coalesce);
  try {
    for (let attempt = 0; attempt < 20; attempt++) {
      await threeAtOnce(s.base, s.log);
      const handled = s.log.filter((e) => e.startsWith('handled')).length;
      if (
        seen(
          s.log.findIndex((e) => e.startsWith('written')),
          handled,
        )
      )
        return true;
    }
    return false;
  } finally {
    await s.app.close();
  }
}

describe('write coalescing', () => {
  it('writes the responses of requests handled in the same turn after all of their handlers ran', async () => {
    // All three handled before the first write: they arrived in one turn, and none was written early.
    // Without coalescing each response is written right after its own handler (the control below).
    expect(await seenWithin20(true, (firstWrite, handled) => handled === 3 && firstWrite === 3)).toBe(true);
  });

  it('(control) without it, a response can be written before the next request of the turn is handled', async () => {
    expect(await seenWithin20(false, (firstWrite) => firstWrite > 0 && firstWrite < 3)).toBe(true);
  });

  it('answers a lone request at once, with the error responses too', async () => {
    const s = await loggingServer(true);
    try {
      const started = performance.now();
      const [ok, fail] = [await fetch(`${s.base}/x`), await fetch(`${s.base}/fail`)];
      expect(ok.status).toBe(200);
      expect(fail.status).toBe(400);
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await s.app.close();
    }
  });
});
