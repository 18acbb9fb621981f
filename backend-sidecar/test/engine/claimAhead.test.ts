import { createLogger } from '../../src/log/logger';
import type { ExecutionResult } from '../../src/model/execution';
import { claimDueRuns, type ClaimedRun } from '../../src/scheduler/claimDueRuns';
import { Scheduler } from '../../src/scheduler/scheduler';
import { eventually } from '../support/targetServer';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

/**
 * A claim looks a little ahead (migration 0037): slots due within the claim-ahead distance are claimed
 * now and started at their time on a local timer, so the claim's round trip is not part of a run's
 * lateness. Nothing starts before its slot, and the lease runs from the slot, not from the claim.
 */

jest.setTimeout(180_000);

let db: TestDatabase;
const log = createLogger({ level: 'silent', format: 'json' });

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

beforeEach(async () => {
  await db.pool.query('TRUNCATE workflows, scheduled_runs CASCADE');
  await db.pool.query(`INSERT INTO workflows (id, name, source, definition, mode, every_ms) VALUES ('w1', 'W1', 'api', '{"id":"w1"}', 'scheduled', 3600000)`);
});

/** A pending scheduled slot of w1 due `inMs` from the database's now; returns its time. */
async function pendingSlot(inMs: number): Promise<Date> {
  const { rows } = await db.pool.query<{ slot_at: Date }>(
    `INSERT INTO scheduled_runs (workflow_id, slot_at, state) VALUES ('w1', now() + make_interval(secs => $1 / 1000.0), 'pending') RETURNING slot_at`,
    [inMs]
  );
  return rows[0]!.slot_at;
}

const claim = (aheadMs?: number) => claimDueRuns(db.pool, { workerId: 'r1', limit: 10, leaseMs: 60_000, location: 'default', ...(aheadMs === undefined ? {} : { aheadMs }) });

it('claims a slot due within the claim-ahead distance, and none further out or without it', async () => {
  const slotAt = await pendingSlot(20_000);
  const none = await claim();
  expect(none.runs).toEqual([]);
  expect(none.nextAt?.getTime()).toBe(slotAt.getTime());
  expect((await claim(10_000)).runs).toEqual([]);
  const ahead = await claim(60_000);
  expect(ahead.runs.map((r) => r.slotAt.getTime())).toEqual([slotAt.getTime()]);
  // The lease counts from the slot: a run claimed ahead keeps its whole lease once it starts.
  const { rows } = await db.pool.query<{ lease_from_slot_ms: number }>(`SELECT extract(epoch FROM locked_until - slot_at) * 1000 AS lease_from_slot_ms FROM scheduled_runs`);
  expect(Number(rows[0]!.lease_from_slot_ms)).toBeGreaterThanOrEqual(60_000);
});

it('a negative distance claims only what is due, as 0 does', async () => {
  await pendingSlot(5_000);
  expect((await claim(-60_000)).runs).toEqual([]);
});

it('the scheduler claims a slot ahead of its time and starts it at its time, never before', async () => {
  const slotAt = await pendingSlot(4_000);
  const started: Array<{ run: ClaimedRun; at: number }> = [];
  const scheduler = new Scheduler({
    pool: db.pool,
    log,
    workerId: 'r1',
    concurrency: 5,
    pollIntervalMs: 100,
    leaseMs: 60_000,
    misfireMs: 60_000,
    horizonMs: 1_000,
    claimAheadMs: 60_000,
    execute: async (run) => {
      started.push({ run, at: Date.now() });
      const now = new Date();
      return { workflowId: run.workflowId, status: 'success', trigger: 'schedule', startedAt: now, finishedAt: now, durationMs: 0, steps: [] } satisfies ExecutionResult;
    },
    record: async () => undefined,
  });
  scheduler.start();
  try {
    // Claimed well before its slot (the claim looks 60 s ahead) ...
    const claimed = await eventually(async () => {
      const { rows } = await db.pool.query<{ state: string; claimed_at: Date | null; slot_at: Date }>(`SELECT state, claimed_at, slot_at FROM scheduled_runs`);
      return rows[0]!.state === 'running' ? rows[0]! : undefined;
    });
    expect(claimed.claimed_at!.getTime()).toBeLessThan(claimed.slot_at.getTime());
    // ... and started at it, not before.
    const run = await eventually(async () => started[0]);
    expect(run.at).toBeGreaterThanOrEqual(slotAt.getTime());
    expect(started).toHaveLength(1);
  } finally {
    await scheduler.stop();
  }
});

it('a database clock ahead of the replica holds a claimed run back at most the claim-ahead distance', async () => {
  // The slot is due an hour from now but inside a claim distance of two hours: the replica caps its wait at its
  // claim-ahead distance (here 1 s), so a skewed clock cannot park runs for longer than that.
  await pendingSlot(3_600_000);
  const started: number[] = [];
  const scheduler = new Scheduler({
    pool: db.pool,
    log,
    workerId: 'r1',
    concurrency: 5,
    pollIntervalMs: 100,
    leaseMs: 60_000,
    misfireMs: 60_000,
    horizonMs: 1_000,
    claimAheadMs: 1_000,
    execute: async (run) => {
      started.push(Date.now());
      const now = new Date();
      return { workflowId: run.workflowId, status: 'success', trigger: 'schedule', startedAt: now, finishedAt: now, durationMs: 0, steps: [] } satisfies ExecutionResult;
    },
    record: async () => undefined,
  });
  // Simulate the skew on the database side: the claim sees the slot as within its distance.
  const claimedAt = Date.now();
  const claimed = await claimDueRuns(db.pool, { workerId: 'r1', limit: 1, leaseMs: 60_000, location: 'default', aheadMs: 7_200_000 });
  expect(claimed.runs).toHaveLength(1);
  (scheduler as unknown as { launch(run: ClaimedRun): void }).launch(claimed.runs[0]!);
  try {
    await eventually(async () => started[0]);
    expect(started[0]!).toBeLessThan(claimed.runs[0]!.slotAt.getTime());
    expect(started[0]! - claimedAt).toBeGreaterThanOrEqual(1_000 - 5);
  } finally {
    await scheduler.stop();
  }
});
