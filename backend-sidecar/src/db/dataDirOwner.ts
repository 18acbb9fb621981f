import fs from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive, processStartTime } from './localProcesses';

/** `DATA_DIR/sidecar.pid`: which process runs the embedded PostgreSQL of this data directory. */
export const OWNER_FILE = 'sidecar.pid';
const LOCK_DIR = 'sidecar.pid.lock';
/** A claimer that died inside the (millisecond) critical section leaves its lock behind. */
const STALE_LOCK_MS = 10_000;

export class DataDirInUseError extends Error {
  constructor(
    readonly ownerPid: number,
    dataDir: string
  ) {
    super(`another sidecar (pid ${ownerPid}) is using DATA_DIR ${dataDir}; stop it first, or start this one with another DATA_DIR`);
    this.name = 'DataDirInUseError';
  }
}

export interface DataDirClaim {
  /** Removes the owner file if it still names this process. */
  release(): Promise<void>;
}

interface OwnerRecord {
  pid: number;
  /** Process start time (Linux), so a pid reused after a reboot or in a new container is not taken for the owner. */
  startTime: string;
}

function ownRecord(): string {
  return `${process.pid}\n${processStartTime(process.pid) ?? ''}\n`;
}

async function readOwner(file: string): Promise<OwnerRecord | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) {
    return undefined;
  }
  const [pidLine = '', startLine = ''] = text.split('\n');
  const pid = Number(pidLine.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? { pid, startTime: startLine.trim() } : undefined;
}

function isLiveOwner(owner: OwnerRecord): boolean {
  if (owner.pid === process.pid || !isProcessAlive(owner.pid)) {
    return false;
  }
  const startTime = processStartTime(owner.pid);
  return !owner.startTime || startTime === undefined || startTime === owner.startTime;
}

async function withClaimLock<T>(dataDir: string, critical: () => Promise<T>): Promise<T> {
  const lock = path.join(dataDir, LOCK_DIR);
  const deadline = Date.now() + 2 * STALE_LOCK_MS;
  for (;;) {
    try {
      await fs.mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
      const stat = await fs.stat(lock).catch(() => undefined);
      if (stat && Date.now() - stat.mtimeMs > STALE_LOCK_MS) {
        await fs.rmdir(lock).catch(() => undefined);
      } else if (Date.now() > deadline) {
        throw new Error(`could not claim DATA_DIR ${dataDir}: ${lock} stays locked`);
      } else {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }
  try {
    return await critical();
  } finally {
    await fs.rmdir(lock).catch(() => undefined);
  }
}

/**
 * Makes this process the owner of `dataDir`'s embedded PostgreSQL, or throws DataDirInUseError
 * when a live sidecar owns it. An owner that is gone (killed, crashed) is replaced: after a
 * successful claim, any PostgreSQL still running on the directory is an orphan of a dead owner.
 * Reading, checking and writing happen under a lock directory (mkdir is atomic) so two sidecars
 * starting together cannot both take over the same stale claim.
 */
export async function claimDataDir(dataDir: string): Promise<DataDirClaim> {
  const file = path.join(dataDir, OWNER_FILE);
  await withClaimLock(dataDir, async () => {
    const owner = await readOwner(file);
    if (owner && isLiveOwner(owner)) {
      throw new DataDirInUseError(owner.pid, dataDir);
    }
    await fs.writeFile(file, ownRecord(), { mode: 0o644 });
  });
  return {
    async release() {
      const owner = await readOwner(file);
      if (owner?.pid === process.pid) {
        await fs.rm(file, { force: true });
      }
    },
  };
}
