import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log/logger';
import { isProcessAlive } from './localProcesses';
import { isPostgresOf, readPostmasterPid, stopPostgresProcess } from './postgresProcess';

/**
 * Clears what a dead owner left in `databaseDir` so PostgreSQL can start there: a postmaster still
 * running on it is stopped (it has no sidecar: the caller holds the data directory's claim), and a
 * `postmaster.pid` naming a process that is gone or is no postmaster of this directory is removed.
 * PostgreSQL ignores a lock file whose pid is dead, but refuses one whose pid was reused by a live
 * process of its own user.
 */
export async function clearOrphanedPostgres(databaseDir: string, log: Logger): Promise<void> {
  const left = readPostmasterPid(databaseDir);
  if (!left) {
    return;
  }
  if (isProcessAlive(left.pid) && isPostgresOf(left.pid, databaseDir)) {
    log.warn({ pid: left.pid, databaseDir }, 'an embedded PostgreSQL left running by a sidecar that is gone holds the data directory; stopping it');
    const signal = await stopPostgresProcess(left.pid);
    log.info({ pid: left.pid, signal }, 'stopped the orphaned embedded PostgreSQL');
  }
  const remaining = readPostmasterPid(databaseDir);
  if (remaining && !(isProcessAlive(remaining.pid) && isPostgresOf(remaining.pid, databaseDir))) {
    await fs.rm(path.join(databaseDir, 'postmaster.pid'), { force: true });
    log.info({ pid: remaining.pid, databaseDir }, 'removed a stale postmaster.pid (no PostgreSQL of this data directory runs with that pid)');
  }
}
