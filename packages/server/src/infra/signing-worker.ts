import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { batchedPerTurn } from './turn-batches.js';

/** Signatures in flight at most; a turn's signatures beyond it wait for room. Divides {@link SEQUENCE}. */
const RING = 4096;
/** Signature sequence numbers count modulo this (they fit an Int32 and never run out). */
const SEQUENCE = 2 ** 30;
/** One ring slot: a status byte (0 signed, 1 failed) and the 64-byte signature, or the error's text. */
const SLOT = 65;

/** How many signatures lie from sequence number `from` up to `to` (sequence numbers wrap at SEQUENCE). */
const ahead = (from: number, to: number) => (to - from + SEQUENCE) % SEQUENCE;

/*
 * The worker's whole program (CommonJS, evaluated: no file to resolve from src/ or dist/, no TypeScript
 * loader needed in the thread). One message = one batch of signing inputs under one key, numbered from
 * `first` in the signature sequence. Signatures do not come back as messages: each goes into its ring slot
 * in the shared memory (RFC 7518 §3.4: R || S, 64 bytes), then the count of signatures done is published
 * with Atomics.store (which makes the slots' bytes visible to the event loop) and Atomics.notify wakes it.
 * The key travels only when it differs from the previous batch's (cloning a KeyObject into every message
 * cost the event loop ≈ 0.5 µs per message); otherwise the worker signs with the one it last received.
 */
const PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads');
const { sign } = require('node:crypto');
const done = new Int32Array(workerData.shared, 0, 1);
const slots = Buffer.from(workerData.shared, 4);
let key;
parentPort.on('message', (message) => {
  if (message.key !== undefined) key = message.key;
  const { first, inputs } = message;
  inputs.forEach((input, i) => {
    const at = ((first + i) % ${RING}) * ${SLOT};
    try {
      sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).copy(slots, at + 1);
      slots[at] = 0;
    } catch (err) {
      slots.fill(0, at, at + ${SLOT});
      slots[at] = 1;
      slots.write(String(err && err.message), at + 1, ${SLOT - 1});
    }
  });
  Atomics.store(done, 0, (first + inputs.length) % ${SEQUENCE});
  Atomics.notify(done, 0);
});
`;

/**
 * Signatures per message at most. Sending the whole turn at once leaves the worker idle while the event loop
 * takes in the turn's requests, and the loop idle while the worker signs them; small batches let the two
 * overlap. Measured (client-credentials grant, 50 connections, standalone harness): with
 * replies as messages, batches of 4 / 8 / 16 / unbounded gave 19.2k / 19.9k / 18.9k / 15.6k requests per
 * second; since the replies come through shared memory a hand-off is cheaper and smaller batches win:
 * 1 / 2 / 3 / 4 / 8 / 16 → 22.3k / 22.7k / 22.4k / 22.1k / 21.6k / 20.8k (means of 3–9 interleaved runs);
 * 4 sends fewer messages than 2 or 3 for the same throughput, within the noise.
 */
const MAX_BATCH = 4;

interface Job {
  key: KeyObject;
  input: string;
  resolve(signature: string): void;
  reject(err: Error): void;
}

/** What the worker receives. */
interface Batch {
  /** Sequence number of the first input's signature (its ring slot is `first % RING`). */
  first: number;
  /** Present when it is not the key of the previous batch sent to this worker. */
  key?: KeyObject;
  inputs: string[];
}

/** One running worker thread and the ring it shares with the event loop. */
interface Thread {
  worker: Worker;
  /** `done[0]`: how many signatures the worker has finished, modulo SEQUENCE. */
  done: Int32Array;
  slots: Buffer;
  /** The key the worker last received (it signs with it until sent another). */
  key: KeyObject | undefined;
  /** Sequence number of the next signature to send. */
  next: number;
  /** `done[0]` as last read by the event loop. */
  seen: number;
  /** Batches sent and not yet settled, oldest first (the worker finishes them in this order). */
  sent: { first: number; jobs: Job[] }[];
  /** Batches waiting for room in the ring, oldest first. */
  queued: Job[][];
  /** Whether an Atomics.waitAsync on `done` is pending. */
  waiting: boolean;
}

/** Signatures sent to the worker and not yet settled (at most RING). */
function inFlight(thread: Thread): number {
  const oldest = thread.sent[0];
  return oldest === undefined ? 0 : ahead(oldest.first, thread.next);
}

/** A signature the worker could not make (a broken key), or a worker that died or was closed meanwhile. */
export class SigningError extends Error {
  override name = 'SigningError';
}

/**
 * ES256 signatures on one dedicated worker thread, in batches: the signatures asked for during one
 * event-loop turn go to the worker together, up to {@link MAX_BATCH} per message, and come back through
 * shared memory: the worker writes them into a ring of slots and wakes the event loop with Atomics.notify,
 * which reads every signature finished since it last looked.
 *
 * Why not the synchronous `crypto.sign`: an ECDSA signature is ~30 µs of CPU that would block every other
 * request. Why not its callback form (libuv's thread pool): each call is its own hand-off — a thread wake-up
 * out and an event-loop wake-up back — which on the client-credentials path cost more CPU than the signature
 * itself; a batch pays for one hand-off. Why shared memory for the way back: a reply message costs the event
 * loop a structured-clone read and a MessagePort event per batch, a wake-up through Atomics.waitAsync only
 * the wake-up. The worker starts on first use (CLI commands never start it) and keeps the
 * process alive only while signatures are pending. If it dies, the signatures in flight fail with
 * {@link SigningError} and the next call starts a new one.
 */
export class SigningWorker {
  #thread: Thread | undefined;
  #closed = false;
  readonly #enqueue = batchedPerTurn<Job>((jobs) => this.#send(jobs), MAX_BATCH);

  /** Signs `input` (a JWS signing input) with the ES256 `key`; resolves to the base64url signature. */
  sign(key: KeyObject, input: string): Promise<string> {
    if (this.#closed) return Promise.reject(new SigningError('signing worker is closed'));
    return new Promise((resolve, reject) => this.#enqueue({ key, input, resolve, reject }));
  }

  /** Stops the worker; pending and later signatures fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const thread = this.#thread;
    this.#thread = undefined;
    if (thread) {
      this.#failAll(thread, new SigningError('signing worker is closed'));
      await thread.worker.terminate();
    }
  }

  #send(jobs: Job[]): void {
    if (this.#closed) {
      for (const job of jobs) job.reject(new SigningError('signing worker is closed'));
      return;
    }
    let thread: Thread;
    try {
      thread = this.#running();
    } catch (cause) {
      // A thread that cannot be started (resource limits): these signatures fail, the server stays up and
      // the next turn tries again.
      const err = new SigningError('signing worker could not be started', { cause });
      for (const job of jobs) job.reject(err);
      return;
    }
    // One batch per key: a rotation can land between two requests of the same turn.
    const byKey = new Map<KeyObject, Job[]>();
    for (const job of jobs) {
      const same = byKey.get(job.key);
      if (same) same.push(job);
      else byKey.set(job.key, [job]);
    }
    thread.queued.push(...byKey.values());
    this.#post(thread);
  }

  /** Sends the queued batches that fit in the ring. */
  #post(thread: Thread): void {
    while (thread.queued.length > 0 && inFlight(thread) + thread.queued[0]!.length <= RING) {
      const jobs = thread.queued.shift()!;
      const key = jobs[0]!.key;
      const message: Batch = { first: thread.next, inputs: jobs.map((j) => j.input) };
      const sendsKey = key !== thread.key;
      if (sendsKey) message.key = key;
      try {
        thread.worker.postMessage(message);
      } catch (cause) {
        const err = new SigningError('signing worker could not be sent the batch', { cause });
        for (const job of jobs) job.reject(err);
        continue;
      }
      // Only once the message is on its way: a failed post must not leave the worker thought to hold it.
      if (sendsKey) thread.key = key;
      if (inFlight(thread) === 0) thread.worker.ref();
      thread.sent.push({ first: thread.next, jobs });
      thread.next = (thread.next + jobs.length) % SEQUENCE;
    }
    this.#wait(thread);
  }

  /** Waits (without blocking the event loop) for the worker to finish more signatures. */
  #wait(thread: Thread): void {
    if (thread.waiting || inFlight(thread) === 0) return;
    const result = Atomics.waitAsync(thread.done, 0, thread.seen);
    if (!result.async) {
      // Already moved on since the last look.
      this.#settle(thread);
      return;
    }
    thread.waiting = true;
    void result.value.then(() => {
      thread.waiting = false;
      this.#settle(thread);
    });
  }

  /** Resolves every batch the worker has finished, then sends what was waiting for room. */
  #settle(thread: Thread): void {
    if (this.#thread !== thread) return; // lost or closed meanwhile: its jobs have failed already
    thread.seen = Atomics.load(thread.done, 0);
    // The worker publishes whole batches only: the finished ones are those that end at or before `seen`.
    while (
      thread.sent.length > 0 &&
      thread.sent[0]!.jobs.length <= ahead(thread.sent[0]!.first, thread.seen)
    ) {
      const { first, jobs } = thread.sent.shift()!;
      jobs.forEach((job, i) => {
        const at = ((first + i) % RING) * SLOT;
        if (thread.slots[at] === 0) job.resolve(thread.slots.toString('base64url', at + 1, at + SLOT));
        else {
          const reason = thread.slots.toString('utf8', at + 1, at + SLOT).replace(/\0+$/, '');
          job.reject(new SigningError(`ES256 signing failed: ${reason}`));
        }
      });
    }
    if (inFlight(thread) === 0) thread.worker.unref();
    this.#post(thread);
  }

  #running(): Thread {
    if (this.#thread) return this.#thread;
    const shared = new SharedArrayBuffer(4 + RING * SLOT);
    // execArgv: [] — the parent's flags (`--import tsx`, `--input-type=module`…) would change how the
    // evaluated CommonJS program loads; it needs none of them.
    const worker = new Worker(PROGRAM, {
      eval: true,
      name: 'gatehouse-signing',
      execArgv: [],
      workerData: { shared },
    });
    worker.unref();
    const thread: Thread = {
      worker,
      done: new Int32Array(shared, 0, 1),
      slots: Buffer.from(shared, 4),
      key: undefined,
      next: 0,
      seen: 0,
      sent: [],
      queued: [],
      waiting: false,
    };
    // An uncaught error ends the worker ('exit' follows): what was in flight is lost.
    worker.on('error', (err) => this.#lost(thread, err));
    worker.on('exit', (code) => this.#lost(thread, new Error(`signing worker exited with code ${code}`)));
    this.#thread = thread;
    return thread;
  }

  #lost(thread: Thread, cause: Error): void {
    if (this.#thread !== thread) return;
    this.#thread = undefined;
    this.#failAll(thread, new SigningError('signing worker stopped', { cause }));
  }

  #failAll(thread: Thread, err: SigningError): void {
    const jobs = [...thread.sent.flatMap((b) => b.jobs), ...thread.queued.flat()];
    thread.sent = [];
    thread.queued = [];
    // Wakes a pending waitAsync, whose settle then finds the thread gone and does nothing.
    Atomics.notify(thread.done, 0);
    for (const job of jobs) job.reject(err);
  }
}
