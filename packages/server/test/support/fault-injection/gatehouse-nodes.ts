import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { spawnNode } from '../../../../../test-support/processes.js';
import { CLI } from '../cli.js';

/** How long a node may take to answer `/api/healthz` 200 (all three start at once). */
export const STARTUP_MS = 45_000;

/**
 * One `gatehouse serve` process (the built CLI, as users run it) on a fixed port so that it can be killed
 * with SIGKILL and started again where the balancer expects it. An exit the test did not cause is kept,
 * so that a node crashing on its own fails the run.
 */
export class GatehouseNode {
  #child: ChildProcess | undefined;
  #output = () => '';
  #killing = false;
  /** Exits nobody asked for, with the node's last output. */
  readonly crashes: string[] = [];

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  output(): string {
    return this.#output();
  }

  /** Starts the process; resolves once it answers `/api/healthz` 200. */
  async start(): Promise<void> {
    const { child, output } = spawnNode([CLI, 'serve'], {
      env: {
        PATH: process.env['PATH'] ?? '',
        ...this.env,
        SERVER__HOST: '127.0.0.1',
        SERVER__PORT: String(this.port),
      },
    });
    this.#child = child;
    this.#output = output;
    this.#killing = false;
    child.once('exit', (code, signal) => {
      if (!this.#killing) this.crashes.push(`exit ${code ?? signal}:\n${output().slice(-2_000)}`);
    });
    const deadline = Date.now() + STARTUP_MS;
    while (Date.now() < deadline && child.exitCode === null) {
      if (await this.healthy()) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(
      `gatehouse serve on port ${this.port} did not become healthy:\n${output().slice(-4_000)}`,
    );
  }

  /** Whether `/api/healthz` answers 200 within a second. */
  async healthy(): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/api/healthz`, { signal: AbortSignal.timeout(1_000) });
      await res.body?.cancel();
      return res.status === 200;
    } catch {
      return false;
    }
  }

  /** `kill -9`: no drain, no closing of connections; requests it holds get no answer. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.#killing = true;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}
