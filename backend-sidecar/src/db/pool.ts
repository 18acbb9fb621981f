import pg from 'pg';
import type { Logger } from '../log/logger';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

// BIGINT (int8) and NUMERIC come back as strings by default; our ids and counts fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value: string) => Number(value));

export function createPool(opts: { connectionString: string; max: number; log: Logger; applicationName?: string }): Pool {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max,
    application_name: opts.applicationName ?? 'workflow-monitor-sidecar',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (database restart) must not crash the process; the
  // pool discards it and the next checkout reconnects.
  pool.on('error', (error) => {
    // 57P01: the server is shutting down (Ctrl-C in a terminal reaches the embedded PostgreSQL too).
    if ((error as { code?: string }).code === '57P01') {
      opts.log.info('PostgreSQL is shutting down; an idle connection was closed');
      return;
    }
    opts.log.warn({ err: error }, 'idle PostgreSQL connection lost; the pool will reconnect');
  });
  // pg-pool removes its own listener from a client while it is checked out. A connection cut between two queries
  // of a transaction (or while a caller holds the client across other work) then emits 'error' with no listener,
  // which crashes the process. This listener stays for the client's life: the caller's next query on the dead
  // client rejects, and release() drops it from the pool because it is no longer queryable.
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      opts.log.debug({ err: error }, 'a checked-out PostgreSQL connection was lost; its next query fails and the pool replaces it');
    });
  });
  return pool;
}

/** Runs fn inside a transaction on one client; rolls back on any error. */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
