import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import path from 'node:path';
import type { Logger } from '../log/logger';

export interface PostgresWatchdog {
  pid: number | undefined;
  /** Lets the watchdog go (call after stopping PostgreSQL yourself): it exits at once. */
  release(): void;
}

/** The loader flags (`--import tsx`, `--require …`) the watchdog needs to run the same sources. */
function loaderArguments(execArgv: string[]): string[] {
  const kept: string[] = [];
  const withValue = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if (withValue.has(arg) && i + 1 < execArgv.length) {
      kept.push(arg, execArgv[++i]!);
    } else if ([...withValue].some((flag) => arg.startsWith(`${flag}=`))) {
      kept.push(arg);
    }
  }
  return kept;
}

/**
 * Starts a small detached process that stops the embedded postmaster `postgresPid` when this
 * process is gone — also after SIGKILL or the OOM killer, when no handler of ours runs. It learns
 * of our exit from its stdin pipe (closed by the kernel with our last file descriptor), needs no
 * polling of our pid (which could be reused), and lives in its own session so the terminal's
 * SIGHUP or Ctrl-C does not take it down with us. Neither its pipe nor the child keep our event
 * loop alive.
 */
export function startPostgresWatchdog(postgresPid: number, databaseDir: string, log: Logger): PostgresWatchdog {
  const script = path.join(__dirname, `postgresWatchdogProcess${path.extname(__filename)}`);
  const child = spawn(process.execPath, [...loaderArguments(process.execArgv), script, String(postgresPid), databaseDir], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.on('error', (error) => log.warn({ err: error, postgresPid }, 'the embedded PostgreSQL watchdog did not start; a killed sidecar leaves PostgreSQL running until the next start'));
  child.unref();
  const stdin = child.stdin as unknown as Socket;
  // EPIPE when the watchdog has already exited (PostgreSQL gone): nothing left to watch.
  stdin.on('error', () => undefined);
  stdin.unref();
  return {
    pid: child.pid,
    release() {
      stdin.destroy();
    },
  };
}
