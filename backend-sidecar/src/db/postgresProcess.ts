import fs from 'node:fs';
import path from 'node:path';
import { isProcessAlive, processArguments, waitUntilGone } from './localProcesses';

/**
 * The embedded PostgreSQL seen from outside: its lock file and its process. Kept free of the
 * logger and the pool because the watchdog process imports it too.
 */

export interface PostmasterPid {
  pid: number;
  /** The data directory the server wrote into its own lock file (absolute). */
  dataDir: string;
}

/**
 * `postmaster.pid` as PostgreSQL writes it (src/include/utils/pidfile.h): line 1 the postmaster's
 * pid, line 2 its data directory, then start time, port, socket directory, listen address, shared
 * memory key and status. Undefined when there is no such file or its first line is no pid.
 */
export function readPostmasterPid(databaseDir: string): PostmasterPid | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const [pidLine = '', dataDirLine = ''] = text.split('\n');
  const pid = Number(pidLine.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? { pid, dataDir: dataDirLine.trim() } : undefined;
}

/** Whether `pid` is a postmaster (the `postgres` binary) started with `-D databaseDir`. */
export function isPostgresOf(pid: number, databaseDir: string): boolean {
  const args = processArguments(pid);
  if (!args) {
    return false;
  }
  const dir = path.resolve(databaseDir);
  if (args.length === 1) {
    // Only a space-joined command line (no /proc): match the flag and the binary by text.
    const line = ` ${args[0]} `;
    return /(^|\/| )postgres /.test(line) && line.includes(` -D ${dir} `);
  }
  const dirFlag = args.indexOf('-D');
  return path.basename(args[0]!) === 'postgres' && dirFlag > 0 && path.resolve(args[dirFlag + 1] ?? '') === dir;
}

/** Whether `pid` runs the `postgres` binary at all (for a lock file naming a pid since reused). */
export function isPostgresBinary(pid: number): boolean {
  const args = processArguments(pid);
  if (!args) {
    return false;
  }
  return args.length === 1 ? /(^|\/)postgres( |$)/.test(args[0]!) : path.basename(args[0]!) === 'postgres';
}

export interface StopTimeouts {
  /** After SIGINT ("fast" shutdown: roll back sessions, checkpoint, exit). */
  fastMs: number;
  /** After SIGQUIT ("immediate": exit now, crash recovery on the next start). */
  immediateMs: number;
  /** After SIGKILL. */
  killMs: number;
}

export const DEFAULT_STOP_TIMEOUTS: StopTimeouts = { fastMs: 20_000, immediateMs: 5_000, killMs: 5_000 };

/**
 * Stops a postmaster by its pid and waits until it is gone, escalating when it does not go:
 * SIGINT → SIGQUIT → SIGKILL. Returns the last signal sent (undefined: it was already gone).
 * Throws when it survives even SIGKILL.
 */
export async function stopPostgresProcess(pid: number, timeouts: StopTimeouts = DEFAULT_STOP_TIMEOUTS): Promise<NodeJS.Signals | undefined> {
  const steps: Array<[NodeJS.Signals, number]> = [
    ['SIGINT', timeouts.fastMs],
    ['SIGQUIT', timeouts.immediateMs],
    ['SIGKILL', timeouts.killMs],
  ];
  let sent: NodeJS.Signals | undefined;
  for (const [signal, waitMs] of steps) {
    if (!isProcessAlive(pid)) {
      return sent;
    }
    try {
      process.kill(pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') {
        return sent;
      }
      throw error;
    }
    sent = signal;
    if (await waitUntilGone(pid, waitMs)) {
      return sent;
    }
  }
  throw new Error(`PostgreSQL (pid ${pid}) did not exit after SIGINT, SIGQUIT and SIGKILL`);
}
