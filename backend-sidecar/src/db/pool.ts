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

const SNAPSHOT_ID = /^[0-9A-F]+(-[0-9A-F]+)+$/i;

/**
 * Runs `fn` with up to `parallel` clients that read one consistent snapshot (REPEATABLE READ, read-only: the
 * first exports its snapshot, the others import it), so one answer can be read by several statements at once,
 * one per core. No parallel workers: the range reads this is for read a few thousand rollup rows, and starting
 * workers costs more than the read. No sequential or bitmap scans either: those reads join short bucket ranges
 * given as arrays (unnest), whose length the planner cannot see — it guesses a ninth of the table per range, and
 * at some table sizes chose to scan the whole minute rollup table (seconds at 10 M executions) over the ranges'
 * index-only scans (milliseconds; migration 0038, test/slo/sloIndexOnly.test.ts). Extra clients are taken only when the pool can hand them out at once —
 * a request holding one connection while waiting for another could starve the pool under load — so `fn` must
 * work with however many it gets (at least one).
 */
export async function snapshotReads<T>(pool: Pool, parallel: number, fn: (readers: PoolClient[]) => Promise<T>): Promise<T> {
  const spare = pool.waitingCount > 0 ? 0 : pool.idleCount + Math.max(0, (pool.options.max ?? 10) - pool.totalCount);
  const wanted = Math.max(1, Math.min(parallel, spare));
  const acquired = await Promise.allSettled(Array.from({ length: wanted }, () => pool.connect()));
  const readers = acquired.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
  const failed = acquired.find((a): a is PromiseRejectedResult => a.status === 'rejected');
  // The transactions only read: the answer does not wait for them to end (COMMIT also removes the exported
  // snapshot's file, which took up to 14 ms on a busy machine). Each client goes back to the pool when its own ends.
  const finish = (command: 'COMMIT' | 'ROLLBACK') => {
    for (const client of readers) {
      client.query(command).then(() => client.release(), (error: Error) => client.release(error));
    }
  };
  if (failed && readers.length === 0) {
    throw failed.reason;
  }
  try {
    const [first, ...others] = readers as [PoolClient, ...PoolClient[]];
    const begin = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';
    const serial = 'SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off';
    if (others.length === 0) {
      await first.query(`${begin}; ${serial}`);
    } else {
      const results = (await first.query(`${begin}; ${serial}; SELECT pg_export_snapshot() AS snapshot`)) as unknown as Array<pg.QueryResult<{ snapshot: string }>>;
      const snapshot = results[results.length - 1]!.rows[0]!.snapshot;
      if (!SNAPSHOT_ID.test(snapshot)) {
        throw new Error(`unexpected snapshot id from pg_export_snapshot(): ${snapshot}`);
      }
      await Promise.all(others.map((client) => client.query(`${begin}; SET TRANSACTION SNAPSHOT '${snapshot}'; ${serial}`)));
    }
    const result = await fn(readers);
    finish('COMMIT');
    return result;
  } catch (error) {
    finish('ROLLBACK');
    throw error;
  }
}
