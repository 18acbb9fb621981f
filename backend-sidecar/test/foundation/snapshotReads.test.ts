import { createPool, snapshotReads, type Pool } from '../../src/db/pool';
import { eventually } from '../support/targetServer';
import { createTestDatabase, silentLogger, type TestDatabase } from '../support/testDatabase';

// snapshotReads spreads one answer's statements over several connections (one per core) that must all see
// the same data, and must never make a request wait on the pool for its second connection.
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.pool.query('CREATE TABLE snapshot_probe (n int)');
});

afterAll(async () => {
  await db.drop();
});

test('two readers see one snapshot: a row committed after it began is invisible to both', async () => {
  const seen = await snapshotReads(db.pool, 2, async (readers) => {
    expect(readers).toHaveLength(2);
    const before = await readers[0]!.query('SELECT count(*)::int AS n FROM snapshot_probe');
    await db.pool.query('INSERT INTO snapshot_probe VALUES (1)');
    const [first, second] = await Promise.all(readers.map((reader) => reader.query<{ n: number }>('SELECT count(*)::int AS n FROM snapshot_probe')));
    return [before.rows[0].n, first.rows[0]!.n, second.rows[0]!.n];
  });
  expect(seen).toEqual([0, 0, 0]);
  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM snapshot_probe');
  expect(rows[0].n).toBe(1);
});

test('readers cannot write', async () => {
  await expect(snapshotReads(db.pool, 2, async ([reader]) => reader!.query('INSERT INTO snapshot_probe VALUES (2)'))).rejects.toThrow(/read-only transaction/);
});

describe('a busy pool', () => {
  let small: Pool;
  beforeEach(() => {
    small = createPool({ connectionString: db.url, max: 2, log: silentLogger() });
  });
  afterEach(async () => {
    await small.end();
  });

  test('with one free connection, runs on one reader instead of waiting for a second', async () => {
    const held = await small.connect();
    try {
      const count = await snapshotReads(small, 2, async (readers) => {
        await readers[0]!.query('SELECT 1');
        return readers.length;
      });
      expect(count).toBe(1);
    } finally {
      held.release();
    }
  });

  test('with requests already waiting, takes one connection and waits its turn', async () => {
    const held = [await small.connect(), await small.connect()];
    const queued = small.connect();
    const answer = snapshotReads(small, 2, async (readers) => readers.length);
    held.forEach((client) => client.release());
    (await queued).release();
    await expect(answer).resolves.toBe(1);
  });

  test('gives every connection back, also when the reads fail', async () => {
    await expect(snapshotReads(small, 2, async ([reader]) => reader!.query('SELECT * FROM no_such_table'))).rejects.toThrow(/no_such_table/);
    await snapshotReads(small, 2, async (readers) => Promise.all(readers.map((reader) => reader.query('SELECT 1'))));
    await eventually(() => small.idleCount === small.totalCount && small.waitingCount === 0, 10_000);
    const count = await snapshotReads(small, 2, async (readers) => readers.length);
    expect(count).toBe(2);
  });
});
