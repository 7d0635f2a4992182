import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { installWriteCoalescing } from '../src/web/middleware/write-coalescing.js';

/** A server whose handlers and response writes are logged in order. */
async function loggingServer(coalesce: boolean) {
  const log: string[] = [];
  const app = Fastify();
  if (coalesce) installWriteCoalescing(app);
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
  return Promise.all(['/a', '/b', '/fail'].map((path) => fetch(base + path)));
}

describe('write coalescing', () => {
  it('writes the responses of requests handled in the same turn after all of their handlers ran', async () => {
    const s = await loggingServer(true);
    try {
      // Without coalescing each response would be written right after its own handler (checked below).
      let together = false;
      for (let attempt = 0; attempt < 20 && !together; attempt++) {
        const responses = await threeAtOnce(s.base, s.log);
        expect(responses.map((r) => r.status)).toEqual([200, 200, 400]);
        expect(await responses[0]?.json()).toEqual({ name: 'a' });
        const handled = s.log.filter((e) => e.startsWith('handled')).length;
        const firstWrite = s.log.findIndex((e) => e.startsWith('written'));
        // The three requests did arrive in one turn when all three were handled before the first write.
        together = handled === 3 && firstWrite === 3;
      }
      expect(together).toBe(true);
    } finally {
      await s.app.close();
    }
  });

  it('(control) without it, a response can be written before the next request of the turn is handled', async () => {
    const s = await loggingServer(false);
    try {
      let interleaved = false;
      for (let attempt = 0; attempt < 20 && !interleaved; attempt++) {
        await threeAtOnce(s.base, s.log);
        const firstWrite = s.log.findIndex((e) => e.startsWith('written'));
        interleaved = firstWrite > 0 && firstWrite < 3;
      }
      expect(interleaved).toBe(true);
    } finally {
      await s.app.close();
    }
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
