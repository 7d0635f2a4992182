import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { perTurn } from './per-turn.js';

/*
 * The worker's whole program (CommonJS, evaluated: no file to resolve from src/ or dist/, no TypeScript
 * loader needed in the thread). One message = one batch of signing inputs under one key; one reply = their
 * base64url ES256 signatures (RFC 7518 §3.4: R || S, 64 bytes), or an error message per input that failed.
 * The key travels only when it differs from the previous batch's (cloning a KeyObject into every message
 * cost the event loop ≈ 0.5 µs per message); otherwise the worker signs with the one it last received.
 */
const PROGRAM = `
const { parentPort } = require('node:worker_threads');
const { sign } = require('node:crypto');
let key;
parentPort.on('message', (message) => {
  if (message.key !== undefined) key = message.key;
  const { batch, inputs } = message;
  const results = inputs.map((input) => {
    try {
      return { signature: sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url') };
    } catch (err) {
      return { error: String(err && err.message) };
    }
  });
  parentPort.postMessage({ batch, results });
});
`;

/**
 * Signatures per message at most. Sending the whole turn at once leaves the worker idle while the event loop
 * takes in the turn's requests, and the loop idle while the worker signs them; batches of 8 (~250 µs of
 * signing, about what the loop spends on the next 8 requests) let the two overlap. Measured (bench/README.md,
 * client-credentials grant, 50 connections): batches of 4 / 8 / 16 / unbounded → 19.2k / 19.9k / 18.9k /
 * 15.6k requests per second.
 */
const MAX_BATCH = 8;

interface Job {
  key: KeyObject;
  input: string;
  resolve(signature: string): void;
  reject(err: Error): void;
}

interface Batch {
  batch: number;
  /** Present when it is not the key of the previous batch sent to this worker. */
  key?: KeyObject;
  inputs: string[];
}

interface Reply {
  batch: number;
  results: ({ signature: string } | { error: string })[];
}

/** A signature the worker could not make (a broken key), or a worker that died or was closed meanwhile. */
export class SigningError extends Error {
  override name = 'SigningError';
}

/**
 * ES256 signatures on one dedicated worker thread, in batches: the signatures asked for during one
 * event-loop turn go to the worker together, up to {@link MAX_BATCH} per message, and come back the same way.
 *
 * Why not the synchronous `crypto.sign`: an ECDSA signature is ~30 µs of CPU that would block every other
 * request. Why not its callback form (libuv's thread pool): each call is its own hand-off — a thread wake-up
 * out and an event-loop wake-up back — which on the client-credentials path cost more CPU than the signature
 * itself; a batch pays for one hand-off (bench/README.md). The worker starts on first use (CLI commands never
 * start it) and keeps the process alive only while signatures are pending. If it dies, the signatures in
 * flight fail with {@link SigningError} and the next call starts a new one.
 */
export class SigningWorker {
  #worker: Worker | undefined;
  /** The key the running worker last received (it signs with it until sent another). */
  #workerKey: KeyObject | undefined;
  readonly #inFlight = new Map<number, Job[]>();
  #nextBatch = 0;
  #closed = false;
  readonly #enqueue = perTurn<Job>((jobs) => this.#send(jobs), MAX_BATCH);

  /** Signs `input` (a JWS signing input) with the ES256 `key`; resolves to the base64url signature. */
  sign(key: KeyObject, input: string): Promise<string> {
    if (this.#closed) return Promise.reject(new SigningError('signing worker is closed'));
    return new Promise((resolve, reject) => this.#enqueue({ key, input, resolve, reject }));
  }

  /** Stops the worker; pending and later signatures fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    this.#failAll(new SigningError('signing worker is closed'));
    if (worker) await worker.terminate();
  }

  #send(jobs: Job[]): void {
    if (this.#closed) {
      for (const job of jobs) job.reject(new SigningError('signing worker is closed'));
      return;
    }
    // One message per key: a rotation can land between two requests of the same turn.
    const byKey = new Map<KeyObject, Job[]>();
    for (const job of jobs) {
      const same = byKey.get(job.key);
      if (same) same.push(job);
      else byKey.set(job.key, [job]);
    }
    let worker: Worker;
    try {
      worker = this.#running();
    } catch (cause) {
      // A thread that cannot be started (resource limits): these signatures fail, the server stays up and
      // the next turn tries again.
      const err = new SigningError('signing worker could not be started', { cause });
      for (const job of jobs) job.reject(err);
      return;
    }
    if (this.#inFlight.size === 0) worker.ref();
    for (const [key, batchJobs] of byKey) {
      const batch = this.#nextBatch++;
      this.#inFlight.set(batch, batchJobs);
      const message: Batch = { batch, inputs: batchJobs.map((j) => j.input) };
      const sendsKey = key !== this.#workerKey;
      if (sendsKey) message.key = key;
      worker.postMessage(message);
      // Only once the message is on its way: a failed post must not leave the worker thought to hold it.
      if (sendsKey) this.#workerKey = key;
    }
  }

  #running(): Worker {
    if (this.#worker) return this.#worker;
    // execArgv: [] — the parent's flags (`--import tsx`, `--input-type=module`…) would change how the
    // evaluated CommonJS program loads; it needs none of them.
    const worker = new Worker(PROGRAM, { eval: true, name: 'gatehouse-signing', execArgv: [] });
    this.#workerKey = undefined;
    worker.unref();
    worker.on('message', (reply: Reply) => this.#settle(reply));
    // An uncaught error ends the worker ('exit' follows): what was in flight is lost.
    worker.on('error', (err) => this.#lost(worker, err));
    worker.on('exit', (code) => this.#lost(worker, new Error(`signing worker exited with code ${code}`)));
    this.#worker = worker;
    return worker;
  }

  #settle({ batch, results }: Reply): void {
    const jobs = this.#inFlight.get(batch);
    if (!jobs) return;
    this.#inFlight.delete(batch);
    if (this.#inFlight.size === 0) this.#worker?.unref();
    jobs.forEach((job, i) => {
      const result = results[i];
      if (result && 'signature' in result) job.resolve(result.signature);
      else job.reject(new SigningError(`ES256 signing failed: ${result?.error ?? 'no result'}`));
    });
  }

  #lost(worker: Worker, cause: Error): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    this.#failAll(new SigningError('signing worker stopped', { cause }));
  }

  #failAll(err: SigningError): void {
    const jobs = [...this.#inFlight.values()].flat();
    this.#inFlight.clear();
    for (const job of jobs) job.reject(err);
  }
}
