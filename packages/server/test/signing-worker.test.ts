import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { compactVerify } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SigningError, SigningWorker } from '../src/infra/signing-worker.js';
import { signEs256JwtInWorker } from '../src/service/tokens/jwt.js';

const es256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

describe('SigningWorker', () => {
  let signer: SigningWorker;
  afterEach(async () => {
    vi.restoreAllMocks();
    await signer?.close();
  });

  it('sends the signatures asked for in one turn to the worker together, 4 per message, each verifiable with jose', async () => {
    signer = new SigningWorker();
    const { privateKey, publicKey } = es256();
    const post = vi.spyOn(Worker.prototype, 'postMessage');
    const jwts = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        signEs256JwtInWorker(signer, { kid: 'k1', alg: 'ES256', privateKey }, 'at+jwt', { n: i }),
      ),
    );
    expect(post.mock.calls.map(([message]) => message.inputs.length)).toEqual([4, 4, 4, 4, 4]);
    for (const [i, jwt] of jwts.entries()) {
      const { payload, protectedHeader } = await compactVerify(jwt, publicKey);
      expect(protectedHeader).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' });
      expect(JSON.parse(Buffer.from(payload).toString())).toEqual({ n: i });
    }
    // A later turn is a new batch on the same worker.
    const later = await signEs256JwtInWorker(signer, { kid: 'k1', alg: 'ES256', privateKey }, 'JWT', {});
    await compactVerify(later, publicKey);
    expect(post).toHaveBeenCalledTimes(6);
  });

  it('signs each input of a turn with its own key when the key changes within the turn (rotation)', async () => {
    signer = new SigningWorker();
    const a = es256();
    const b = es256();
    const [ja, jb] = await Promise.all([
      signEs256JwtInWorker(signer, { kid: 'a', alg: 'ES256', privateKey: a.privateKey }, 'JWT', {}),
      signEs256JwtInWorker(signer, { kid: 'b', alg: 'ES256', privateKey: b.privateKey }, 'JWT', {}),
    ]);
    await compactVerify(ja, a.publicKey);
    await compactVerify(jb, b.publicKey);
    await expect(compactVerify(ja, b.publicKey)).rejects.toThrow();
  });

  it('sends a key to the worker only when it changes, and again to a new worker, signing each batch with its own key', async () => {
    signer = new SigningWorker();
    const a = es256();
    const b = es256();
    const post = vi.spyOn(Worker.prototype, 'postMessage');
    const signWith = async (pair: ReturnType<typeof es256>) => {
      const jwt = await signEs256JwtInWorker(
        signer,
        { kid: 'k', alg: 'ES256', privateKey: pair.privateKey },
        'JWT',
        {},
      );
      await compactVerify(jwt, pair.publicKey); // signed with this key, not with the worker's previous one
    };
    const keySent = () => post.mock.calls.map(([message]) => message.key !== undefined);
    await signWith(a);
    await signWith(a);
    await signWith(b); // rotation
    await signWith(b);
    await signWith(a); // back (a node that has not reloaded yet, say)
    expect(keySent()).toEqual([true, false, true, false, true]);
    await (post.mock.contexts[0] as Worker).terminate();
    await new Promise((resolve) => setImmediate(resolve)); // the exit has been seen
    await signWith(a); // a new worker has no key yet
    expect(keySent().at(-1)).toBe(true);
    expect(post.mock.contexts.at(-1)).not.toBe(post.mock.contexts[0]);
  });

  it('fails only the signatures whose key cannot sign ES256, with a SigningError', async () => {
    signer = new SigningWorker();
    const good = es256();
    const ed = generateKeyPairSync('ed25519'); // sign('sha256', …) refuses an Ed25519 key
    const [ok, bad] = await Promise.allSettled([
      signer.sign(good.privateKey, 'a.b'),
      signer.sign(ed.privateKey, 'a.b'),
    ]);
    expect(ok.status).toBe('fulfilled');
    expect(bad.status).toBe('rejected');
    const reason = (bad as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(SigningError);
    // node:crypto's own reason travels back with it (truncated to the 64 bytes of a ring slot).
    expect(reason.message).toMatch(/^ES256 signing failed: \S.{4,}/);
  });

  it('holds back the signatures that do not fit in the ring until earlier ones are done, then signs them all', async () => {
    signer = new SigningWorker();
    const { privateKey, publicKey } = es256();
    const post = vi.spyOn(Worker.prototype, 'postMessage');
    const key = { kid: 'k', alg: 'ES256', privateKey } as const;
    const all = Promise.all(
      Array.from({ length: 5000 }, (_, i) => signEs256JwtInWorker(signer, key, 'JWT', { i })),
    );
    await new Promise((resolve) => setImmediate(resolve)); // the turn's batches have been posted
    expect(post).toHaveBeenCalledTimes(4096 / 4); // the ring's 4096 slots; 904 signatures wait
    const jwts = await all;
    expect(post).toHaveBeenCalledTimes(5000 / 4);
    // Each signature is its own input's, including those whose slot was used before.
    for (const i of [0, 1, 4095, 4096, 4097, 4999]) {
      const { payload } = await compactVerify(jwts[i]!, publicKey);
      expect(JSON.parse(Buffer.from(payload).toString())).toEqual({ i });
    }
    const [header, payload] = jwts[1]!.split('.');
    await expect(
      compactVerify(`${header}.${payload}.${jwts[0]!.split('.')[2]}`, publicKey),
    ).rejects.toThrow();
  });

  it('fails a batch whose message cannot be posted, and sends the key again with the next one', async () => {
    signer = new SigningWorker();
    const { privateKey, publicKey } = es256();
    const post = vi.spyOn(Worker.prototype, 'postMessage').mockImplementationOnce(() => {
      throw new Error('DataCloneError');
    });
    await expect(signer.sign(privateKey, 'a.b')).rejects.toThrow(
      'signing worker could not be sent the batch',
    );
    post.mockRestore();
    const resent = vi.spyOn(Worker.prototype, 'postMessage');
    const jwt = await signEs256JwtInWorker(signer, { kid: 'k', alg: 'ES256', privateKey }, 'JWT', {});
    await compactVerify(jwt, publicKey);
    expect(resent.mock.calls[0]?.[0].key).toBeDefined();
  });

  it('fails the signatures in flight when the worker dies, and starts a new worker for the next ones', async () => {
    signer = new SigningWorker();
    const { privateKey, publicKey } = es256();
    await signer.sign(privateKey, 'warm.up'); // the worker is running
    const post = vi.spyOn(Worker.prototype, 'postMessage');
    // A batch long enough (hundreds of signatures) to be still in flight when the worker is stopped.
    const inFlight = Promise.all(Array.from({ length: 500 }, () => signer.sign(privateKey, 'a.b')));
    await new Promise((resolve) => setImmediate(resolve)); // the turn's batches have been posted
    expect(post).toHaveBeenCalledTimes(125);
    const worker = post.mock.contexts[0] as Worker;
    await worker.terminate();
    await expect(inFlight).rejects.toBeInstanceOf(SigningError);
    const jwt = await signEs256JwtInWorker(signer, { kid: 'k', alg: 'ES256', privateKey }, 'JWT', {});
    await compactVerify(jwt, publicKey);
    expect(post.mock.contexts.at(-1)).not.toBe(worker);
  });

  it('refuses to sign once closed, failing what was still queued', async () => {
    signer = new SigningWorker();
    const { privateKey } = es256();
    const queued = signer.sign(privateKey, 'a.b');
    await signer.close();
    await expect(queued).rejects.toBeInstanceOf(SigningError);
    await expect(signer.sign(privateKey, 'a.b')).rejects.toThrow('signing worker is closed');
  });

  it('keeps a script alive while a signature is pending and lets it exit afterwards without close()', async () => {
    const script = `
      import { generateKeyPairSync } from 'node:crypto';
      import { SigningWorker } from ${JSON.stringify(fileURLToPath(new URL('../src/infra/signing-worker.ts', import.meta.url)))};
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const signer = new SigningWorker();
      // The second one is asked of a worker that is already running and idle (unreferenced).
      for (const input of ['a.b', 'c.d']) {
        console.log(Buffer.from(await signer.sign(privateKey, input), 'base64url').length);
      }
      // Exactly two full batches: they leave the turn's own flush with nothing to send.
      const batch = await Promise.all(Array.from({ length: 8 }, () => signer.sign(privateKey, 'e.f')));
      console.log(batch.length);
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { timeout: 20_000 },
    );
    expect(stdout.trim().split('\n')).toEqual(['64', '64', '8']); // R || S (RFC 7518 §3.4), and the process ended by itself
  });
});
