import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { missing, testRedisUrl } from '../../../test-support/services.js';
import { startLocalServer } from './support/local-server.js';

const here = dirname(fileURLToPath(import.meta.url));
const namespace = `test:envclose:${randomBytes(6).toString('hex')}:`;

/** Runs the fixture in its own process; resolves with its output once it exits by itself (or is killed). */
function runFixture(url: string, kind: 'issuer' | 'endpoint'): Promise<{ output: string; exited: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, 'fixtures/env-redis-client.ts'), testRedisUrl!, namespace, url, kind],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    // A leaked Redis connection keeps the process alive: kill it after a while and report that.
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ output: output.trim(), exited: code === 0 });
    });
  });
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
        const result = await runFixture(server.url, 'issuer');
        expect(result).toEqual({ output: 'rejected discovery_failed', exited: true });
      } finally {
        await server.close();
      }
    });

    it('client.close() closes the connection it opened, and the process exits by itself', async () => {
      const result = await runFixture('http://127.0.0.1:9/token', 'endpoint');
      expect(result).toEqual({ output: 'closed', exited: true });
    });
  },
);
