import { answersHealthz, type Serving, startServe } from '../cli.js';

/** How long a node may take to answer `/api/healthz` 200 (all three start at once). */
export const STARTUP_MS = 45_000;

/**
 * One `gatehouse serve` process (the built CLI, as users run it) on a fixed port so that it can be killed
 * with SIGKILL and started again where the balancer expects it. An exit the test did not cause is kept,
 * so that a node crashing on its own fails the run.
 */
export class GatehouseNode {
  #serving: Serving | undefined;
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
    return this.#serving?.output() ?? '';
  }

  /** Starts the process; resolves once it answers `/api/healthz` 200 (a start that fails throws). */
  async start(): Promise<void> {
    this.#killing = false;
    const serving = await startServe({ env: this.env, port: this.port, startupMs: STARTUP_MS });
    this.#serving = serving;
    const crashed = (code: number | null, signal: NodeJS.Signals | null) => {
      if (!this.#killing) this.crashes.push(`exit ${code ?? signal}:\n${serving.output().slice(-2_000)}`);
    };
    const child = serving.process;
    if (child.exitCode !== null || child.signalCode !== null) crashed(child.exitCode, child.signalCode);
    else child.once('exit', crashed);
  }

  /** Whether `/api/healthz` answers 200 within a second. */
  healthy(): Promise<boolean> {
    return answersHealthz(this.url);
  }

  /** `kill -9`: no drain, no closing of connections; requests it holds get no answer. */
  async kill(): Promise<void> {
    if (!this.#serving) return;
    this.#killing = true;
    await this.#serving.stop('SIGKILL');
  }
}
