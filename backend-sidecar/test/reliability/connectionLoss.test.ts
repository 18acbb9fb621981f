import pg from 'pg';
import { withTransaction } from '../../src/db/pool';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

// A connection cut while the sidecar holds it between two queries (PostgreSQL stopping, a failover, an admin's
// pg_terminate_backend) must fail that unit of work, not crash the process with an unhandled 'error' event.
let db: TestDatabase;
let admin: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase();
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
});

afterAll(async () => {
  await admin.end();
  await db.drop();
});

async function terminate(pid: number): Promise<void> {
  const { rows } = await admin.query<{ done: boolean }>('SELECT pg_terminate_backend($1) AS done', [pid]);
  expect(rows[0]!.done).toBe(true);
}

test('a transaction whose connection is terminated between two queries rejects, and the pool replaces the connection', async () => {
  const outcome = withTransaction(db.pool, async (client) => {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const ended = new Promise((resolve) => client.once('end', resolve));
    // Between queries: no query is active, so the server's FATAL 57P01 arrives as a client 'error' event.
    await terminate(rows[0]!.pid);
    await ended;
    await client.query('SELECT 1');
    return 'committed';
  });
  await expect(outcome).rejects.toThrow(/not queryable|terminat|Connection terminated/i);
  // The dead client left the pool; the next queries get working connections.
  const { rows } = await db.pool.query<{ one: number }>('SELECT 1 AS one');
  expect(rows).toEqual([{ one: 1 }]);
  await withTransaction(db.pool, async (client) => client.query('SELECT 1'));
});

test('a client held outside a transaction survives the same cut, and release drops it', async () => {
  const client = await db.pool.connect();
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const ended = new Promise((resolve) => client.once('end', resolve));
  await terminate(rows[0]!.pid);
  await ended;
  await expect(client.query('SELECT 1')).rejects.toThrow();
  client.release();
  const { rows: after } = await db.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  expect(after[0]!.pid).not.toBe(rows[0]!.pid);
});
