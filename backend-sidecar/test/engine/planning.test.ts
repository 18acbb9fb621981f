import { planDueSlots, planUntilCaughtUp } from '../../src/scheduler/planDueSlots';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

jest.setTimeout(180_000);

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

beforeEach(async () => {
  await db.pool.query('TRUNCATE workflows, scheduled_runs CASCADE');
});

/** `n` workflows every minute whose next slot is 30 s from now (inside a one-minute horizon). */
async function addWorkflows(n: number): Promise<void> {
  const ids = Array.from({ length: n }, (_, i) => `w${i}`);
  await db.pool.query(
    `INSERT INTO workflows (id, name, source, definition, mode, every_ms, next_slot_at)
     SELECT id, id, 'api', jsonb_build_object('id', id), 'scheduled', 60000, now() + interval '30 seconds' FROM unnest($1::text[]) AS id`,
    [ids]
  );
}

async function plannedWorkflows(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(`SELECT count(DISTINCT workflow_id)::int AS n FROM scheduled_runs WHERE state = 'pending'`);
  return rows[0]!.n;
}

it('one pass plans at most a batch of workflows', async () => {
  await addWorkflows(25);
  const plan = await planDueSlots(db.pool, { horizonMs: 60_000, misfireMs: 30_000, batch: 10 });
  expect(plan.workflows).toBe(10);
  expect(await plannedWorkflows()).toBe(10);
});

it('planning goes on pass after pass until every workflow in the horizon has its slot', async () => {
  await addWorkflows(25);
  const passes: number[] = [];
  const total = await planUntilCaughtUp(db.pool, { horizonMs: 60_000, misfireMs: 30_000, batch: 10 }, (plan) => passes.push(plan.workflows));
  expect(passes).toEqual([10, 10, 5]);
  expect(total.workflows).toBe(25);
  expect(total.missed).toBe(0);
  // Each workflow's slots in the horizon (one or two a minute, by its phase within the period).
  expect(total.planned).toBeGreaterThanOrEqual(25);
  expect(await plannedWorkflows()).toBe(25);
  // Caught up: a second call finds nothing left to plan in the horizon.
  expect((await planUntilCaughtUp(db.pool, { horizonMs: 60_000, misfireMs: 30_000, batch: 10 })).planned).toBe(0);
});

it('stops between passes when asked (shutdown)', async () => {
  await addWorkflows(25);
  const total = await planUntilCaughtUp(db.pool, { horizonMs: 60_000, misfireMs: 30_000, batch: 10, shouldStop: () => true });
  expect(total.workflows).toBe(10);
});
