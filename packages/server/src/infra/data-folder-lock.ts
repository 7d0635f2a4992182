import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { ConfigError } from '../error/index.js';

/** Folders this process holds (a second open of one in the same process is refused like another process's). */
const held = new Set<string>();

/** Whether a process with this id is running (EPERM: it is, under another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid recorded in a lock file, or undefined when it is unreadable or garbled (a crash mid-write). */
function holderOf(lockPath: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function inUse(dir: string, lockPath: string, holder: number | undefined): ConfigError {
  return new ConfigError(
    `the embedded database ${dir} is in use by ${holder === undefined ? 'another process' : `process ${holder}`} ` +
      '(a running gatehouse serve?). The embedded database belongs to one process: stop that process first, ' +
      `or use PostgreSQL (database.url) to run several. If no such process is running, delete ${lockPath}.`,
  );
}

/** Creates the lock file holding our pid; false when it exists already. */
function create(lockPath: string): boolean {
  let fd: number;
  try {
    fd = openSync(lockPath, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, String(process.pid));
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Claims the embedded database folder `dir` for this process, or throws a ConfigError naming the holder.
 *
 * Why: PGlite runs PostgreSQL inside this process and writes the folder back as it goes; a second process
 * opening the same folder (the CLI while `gatehouse serve` runs) works on a copy of its own, and whichever
 * writes last silently loses the other's changes — a client created, a key rotated, gone. A lock file next to
 * the folder (`<dir>.lock`, holding the pid) turns that into a clear refusal. A lock left by a process that is
 * no longer running (a crash, a container restarted under the same pid) is taken over.
 *
 * @returns a function that releases the lock (idempotent).
 */
export function lockDataFolder(dir: string): () => void {
  const lockPath = `${dir}.lock`;
  if (held.has(dir)) throw inUse(dir, lockPath, process.pid);
  if (!create(lockPath)) {
    const holder = holderOf(lockPath);
    // Our own pid on a folder we do not hold: a previous process under this pid (a restarted container).
    if (holder !== undefined && holder !== process.pid && isRunning(holder))
      throw inUse(dir, lockPath, holder);
    // Stale: take it over. If another process takes it in between, `wx` fails again and that one is named.
    rmSync(lockPath, { force: true });
    if (!create(lockPath)) throw inUse(dir, lockPath, holderOf(lockPath));
  }
  held.add(dir);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    held.delete(dir);
    if (holderOf(lockPath) === process.pid) rmSync(lockPath, { force: true });
  };
}
