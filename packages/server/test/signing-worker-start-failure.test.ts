import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';

// The first Worker constructed fails as `new Worker` does when a thread cannot be created; the rest are real.
vi.mock('node:worker_threads', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:worker_threads')>();
  let failures = 1;
  class FlakyWorker extends real.Worker {
    constructor(...args: ConstructorParameters<typeof real.Worker>) {
      if (failures-- > 0)
        throw Object.assign(new Error('Worker initialization failure'), { code: 'ERR_WORKER_INIT_FAILED' });
      super(...args);
    }
  }
  return { ...real, Worker: FlakyWorker };
});

const { SigningError, SigningWorker } = await import('../src/infra/signing-worker.js');

describe('SigningWorker when its thread cannot be started', () => {
  let signer: InstanceType<typeof SigningWorker> | undefined;
  afterEach(async () => signer?.close());

  it('fails that turn’s signatures with a SigningError (no crash) and starts the worker on the next turn', async () => {
    signer = new SigningWorker();
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const first = await Promise.allSettled([signer.sign(privateKey, 'a.b'), signer.sign(privateKey, 'c.d')]);
    for (const r of first) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(SigningError);
      expect((r as PromiseRejectedResult).reason.message).toBe('signing worker could not be started');
    }
    const signature = await signer.sign(privateKey, 'a.b');
    expect(Buffer.from(signature, 'base64url')).toHaveLength(64);
  });
});
