import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

/** A program of `support/programs/` running in a child Node process. */
export interface RunningProgram {
  child: ChildProcessByStdio<Writable, Readable, null>;
  /** Everything it printed on stdout so far. */
  output(): string;
  /** Resolves once it printed `line` as a whole line. */
  printed(line: string): Promise<void>;
  /** Its exit code (`null` when a signal ended it). */
  exited: Promise<number | null>;
}

/** Starts `support/programs/<name>` (TypeScript, through tsx) with `args`; its stderr goes to the test's. */
export function startProgram(name: string, args: string[]): RunningProgram {
  const path = fileURLToPath(new URL(`programs/${name}`, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', path, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const printed = (line: string) =>
    new Promise<void>((resolve) => {
      const check = () =>
        `\n${output}`.includes(`\n${line}\n`) ? resolve() : child.stdout.once('data', check);
      check();
    });
  return { child, output: () => output, printed, exited };
}
