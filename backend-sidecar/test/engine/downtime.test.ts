import { workflowsFeature } from '../../src/app/features/workflows';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { startTestSidecar } from '../support/startTestSidecar';
import { metricValue, scrapeMetrics } from '../support/prometheusText';
import { eventually, startTargetServer, type TargetServer } from '../support/targetServer';

jest.setTimeout(180_000);

let db: TestDatabase;
let target: TargetServer;

beforeAll(async () => {
  db = await createTestDatabase();
  target = await startTargetServer();
});

afterAll(async () => {
  await target?.close();
  await db?.drop();
});

const env = { SCHEDULER: 'true', SCHEDULER_POLL_INTERVAL: '50ms', SCHEDULER_MISFIRE: '5s' };

it('after downtime records the missed slots as missed instead of replaying them in a burst', async () => {
  const first = await startTestSidecar({ db, features: [workflowsFeature], env });
  await first.api('/api/v1/workflows', {
    method: 'POST',
    json: { id: 'tick', name: 'Tick', schedule: { every: '1s' }, steps: [{ name: 'ping', request: { url: `${target.url}/tick` } }] },
  });
  await eventually(() => (target.hits.get('/tick') ?? 0) >= 2);
  await first.stop();
  // Ten minutes pass while no sidecar runs: move the schedule back in time instead of waiting.
  await db.pool.query(`UPDATE workflows SET next_slot_at = next_slot_at - interval '10 minutes' WHERE id = 'tick'`);
  await db.pool.query(`UPDATE scheduled_runs SET slot_at = slot_at - interval '10 minutes' WHERE workflow_id = 'tick' AND state = 'pending'`);
  const hitsBefore = target.hits.get('/tick') ?? 0;
  const { rows: clock } = await db.pool.query<{ now: Date }>('SELECT now()');

  const second = await startTestSidecar({ db, features: [workflowsFeature], env });
  try {
    const missed = await eventually(async () => {
      const { rows } = await db.pool.query<{ slots: number }>(`SELECT coalesce(sum(missed_slots), 0)::int AS slots FROM scheduled_runs WHERE workflow_id = 'tick' AND state = 'missed'`);
      return rows[0]!.slots >= 590 ? rows[0]!.slots : undefined;
    });
    expect(missed).toBeLessThanOrEqual(610);
    // The counter counts slots, not rows: every slot this sidecar recorded as missed, collapsed ones included.
    const counted = await eventually(async () => {
      const value = metricValue(await scrapeMetrics(second.url), 'workflow_monitor_scheduler_missed_slots_total');
      const { rows } = await db.pool.query<{ slots: number }>(
        `SELECT coalesce(sum(missed_slots), 0)::int AS slots FROM scheduled_runs WHERE state = 'missed' AND finished_at >= $1`,
        [clock[0]!.now]
      );
      return value !== undefined && value >= 590 && value === rows[0]!.slots ? value : undefined;
    });
    expect(counted).toBeGreaterThanOrEqual(missed);
    await eventually(() => (target.hits.get('/tick') ?? 0) >= hitsBefore + 2);
    // Resumed on schedule: a couple of runs, not six hundred.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((target.hits.get('/tick') ?? 0) - hitsBefore).toBeLessThanOrEqual(6);
    const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM scheduled_runs WHERE workflow_id = 'tick' AND state = 'missed'`);
    // Collapsed: a few rows stand for hundreds of slots.
    expect(rows[0]!.n).toBeLessThanOrEqual(15);
  } finally {
    await second.stop();
  }
});
