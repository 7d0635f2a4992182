import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { missing, testRedisUrl } from '../../../test-support/services.js';
import { startLocalServer } from './support/local-server.js';
import { startProgram } from './support/programs.js';

const namespace = `test:envclose:${randomBytes(6).toString('hex')}:`;

/** Runs the program in its own process; resolves with its output once it exits by itself (or is killed). */
async function runClient(
  url: string,
  kind: 'issuer' | 'endpoint',
): Promise<{ output: string; exited: boolean }> {
  const program = startProgram('env-redis-client.ts', [testRedisUrl!, namespace, url, kind]);
  // A leaked Redis connection keeps the process alive: kill it after a while and report that.
  const timer = setTimeout(() => program.child.kill('SIGKILL'), 15_000);
  const code = await program.exited;
  clearTimeout(timer);
  return { output: program.output().trim(), exited: code === 0 };
}

describe.skipIf(missing('redis'))(
  'createOAuth2ClientFromEnv with Redis storage releases its connection',
  () => {
    afterAll(async () => {
      const redis = new Redis(testRedisUrl!);
      const keys = await redis.keys(`${namespace}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    });

    it('when discovery fails, the connection is closed and the process exits by itself', async () => {
      const server = await startLocalServer((_req, res) => void res.writeHead(404).end());
      try {
        const result = await runClient(server.url, 'issuer');
        expect(result).toEqual({ output: 'rejected discovery_failed', exited: true });
      } finally {
        await server.close();
      }
    });

    it('client.close() closes the connection it opened, and the process exits by itself', async () => {
      const result = await runClient('http://127.0.0.1:9/token', 'endpoint');
      expect(result).toEqual({ output: 'closed', exited: true });
    });
  },
);
