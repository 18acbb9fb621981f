import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * What this machine says about a process id. Linux answers from /proc; elsewhere `ps` and
 * `kill(pid, 0)` answer what they can (no start time there, so a reused pid cannot be told apart).
 */

function procStat(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

const HAS_PROC = fs.existsSync('/proc/self/stat');

/** Alive and not a zombie (a zombie answers `kill(pid, 0)` until its parent reaps it). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) {
    return false;
  }
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user (the embedded server runs as `postgres` under root).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') {
      return false;
    }
  }
  if (HAS_PROC) {
    const state = procStat(pid)?.[0];
    return state !== undefined && state !== 'Z' && state !== 'X';
  }
  return true;
}

/** When the process started (clock ticks since boot, Linux), to tell a pid reused by another process. */
export function processStartTime(pid: number): string | undefined {
  return HAS_PROC ? procStat(pid)?.[19] : undefined;
}

/**
 * The process's arguments, argv[0] first; undefined when it is gone or cannot be read. Without
 * /proc, `ps` gives them space-joined: one element holding the whole command line.
 */
export function processArguments(pid: number): string[] | undefined {
  if (HAS_PROC) {
    try {
      const raw = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return raw ? raw.replace(/\0$/, '').split('\0') : undefined;
    } catch {
      return undefined;
    }
  }
  try {
    const line = execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return line ? [line] : undefined;
  } catch {
    return undefined;
  }
}

/** Polls until the process is gone; false when it is still there at the deadline. */
export async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() >= deadline) {
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
