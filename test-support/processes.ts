import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

/** A child process (Node, same binary as the tests) whose stdout and stderr are collected as they arrive. */
export interface RunningProcess {
  child: ChildProcess;
  output: () => string;
}

/** Spawns `node <args>` and collects everything it prints, for readiness checks and log assertions. */
export function spawnNode(args: string[], options: Omit<SpawnOptions, 'stdio'> = {}): RunningProcess {
  const child = spawn(process.execPath, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (d: Buffer) => {
    output += d.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return { child, output: () => output };
}
