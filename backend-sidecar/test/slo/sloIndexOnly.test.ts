import pg from 'pg';
import { snapshotReads } from '../../src/db/pool';
import { sloStatuses } from '../../src/slo/sloStore';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

// GET /api/v1/slos reads every window start to the minute: up to 30 minute rows and 12 hour rows per window
// start and workflow. Those reads must be index-only scans of the bucket indexes (migration 0038), not a heap
// fetch of a wide rollup row each (docs/BENCHMARKS.md, issue 20).
jest.setTimeout(120_000);

const MINUTE = 60_000;
const HOUR = 3_600_000;
const WORKFLOWS = 20;

let db: TestDatabase;
// Some minutes past a whole hour, two hours ago: every window start then needs minute and hour corrections.
const nowMs = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR + 17 * MINUTE;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.pool.query(
    `INSERT INTO workflows (id, name, source, definition, mode, every_ms, labels)
     SELECT 'w' || g, 'Workflow ' || g, 'api', '{"slo": {"objective": 99.5, "window": "30d"}}', 'scheduled', 60000, '{}' FROM generate_series(1, $1) g`,
    [WORKFLOWS]
  );
  // Three days of minute rows and thirty of hour rows, as a busy month leaves them (the sizes make the planner
  // choose as it does at scale: a short bucket range out of many).
  for (const [table, unit, span] of [
    ['execution_rollups_minute', '1 minute', '30 days'],
    ['execution_rollups_hour', '1 hour', '30 days'],
  ] as const) {
    await db.pool.query(
      `INSERT INTO ${table} (workflow_id, bucket, executions, successes, degraded, failures, attempts, retries, duration_sum, duration_min, duration_max, duration_buckets)
       SELECT 'w' || g, b, 3, 2, 0, 1, 3, 0, 300, 100, 100, ARRAY[0,0,0,3,0,0,0,0,0,0,0,0,0]
         FROM generate_series(date_trunc('${unit.split(' ')[1]}', $2::timestamptz) - interval '${span}', $2::timestamptz, interval '${unit}') b, generate_series(1, $1) g`,
      [WORKFLOWS, new Date(nowMs)]
    );
  }
  // Autovacuum would mark the pages all-visible in time; the test does not wait for it. The tests' PostgreSQL
  // commits asynchronously (synchronous_commit=off), and VACUUM marks no page all-visible while the commit
  // that wrote it is not yet flushed: CHECKPOINT flushes it first.
  await db.pool.query('CHECKPOINT');
  await db.pool.query('VACUUM ANALYZE execution_rollups_minute, execution_rollups_hour, execution_rollups_day');
});

afterAll(async () => {
  await db.drop();
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Heap Fetches'?: number;
  Plans?: PlanNode[];
}

function scansOf(node: PlanNode, tables: string[]): PlanNode[] {
  const own = node['Relation Name'] && tables.includes(node['Relation Name']) ? [node] : [];
  return [...own, ...(node.Plans ?? []).flatMap((child) => scansOf(child, tables))];
}

test('the window-start corrections read minute rollups by index only, and no rollup table by a sequential or bitmap scan', async () => {
  const statements: Array<{ text: string; values: unknown[] }> = [];
  // Call through to the real method; keep the SLO statements it is given.
  const original = pg.Client.prototype.query as unknown as (...args: unknown[]) => unknown;
  const capture = jest.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    if (typeof args[0] === 'string' && args[0].includes('UNION ALL')) {
      statements.push({ text: args[0], values: args[1] as unknown[] });
    }
    return original.apply(this, args);
  } as never);
  let statuses;
  try {
    statuses = await sloStatuses(db.pool, { nowMs });
  } finally {
    capture.mockRestore();
  }
  expect(statuses).toHaveLength(WORKFLOWS);
  // Two thirds of the executions are good and none are missed: the reads added up.
  expect(statuses[0]!.sli).toBeCloseTo((2 / 3) * 100, 6);
  expect(statements.length).toBeGreaterThan(0);

  // Explained where sloStatuses runs them: in snapshotReads' transaction, with its planner settings.
  const scans = await snapshotReads(db.pool, 1, async ([reader]) => {
    const found: PlanNode[] = [];
    for (const statement of statements) {
      const { rows } = await reader!.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement.text}`, statement.values);
      found.push(...scansOf(rows[0]!['QUERY PLAN'][0]!.Plan, ['execution_rollups_minute', 'execution_rollups_hour', 'execution_rollups_day']));
    }
    return found;
  });
  const describe = (scan: PlanNode) => ({ table: scan['Relation Name'], node: scan['Node Type'], index: scan['Index Name'], heapFetches: scan['Heap Fetches'] });
  // The minute corrections, most of the rows read: index-only, not one heap fetch.
  const minuteScans = scans.filter((scan) => scan['Relation Name'] === 'execution_rollups_minute').map(describe);
  expect(minuteScans.length).toBeGreaterThan(0);
  for (const scan of minuteScans) {
    expect(scan).toEqual({ table: 'execution_rollups_minute', node: 'Index Only Scan', index: 'execution_rollups_minute_bucket_idx', heapFetches: 0 });
  }
  // The planner sees no range's length (they come from unnest()) and guesses a ninth of the table per range: at
  // this size it chose a bitmap scan of the minute rows and a sequential scan of the hour rows, which at 10 M
  // executions take seconds. snapshotReads turns both off.
  expect(scans.filter((scan) => scan['Relation Name'] === 'execution_rollups_hour').length).toBeGreaterThan(0);
  for (const scan of scans.map(describe)) {
    expect(['Index Only Scan', 'Index Scan']).toContain(scan.node);
  }
});
