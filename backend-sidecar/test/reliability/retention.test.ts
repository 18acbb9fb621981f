import { applyRetention } from '../../src/rollups/retention';
import { createWorkflowRow } from '../support/alertFixtures';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

/** Tables that grow with every run are bounded: finished slots, old notifications, old resolved alerts. */
let db: TestDatabase;
const DAY = 86_400_000;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

it('removes finished slots after a day, delivered notifications with raw data, resolved alerts with rollups — and nothing still in use', async () => {
  const pool = db.pool;
  await createWorkflowRow(pool, 'kept');
  await pool.query(
    `INSERT INTO scheduled_runs (workflow_id, slot_at, state, finished_at) VALUES
       ('kept', now() - interval '3 days', 'done', now() - interval '3 days'),
       ('kept', now() - interval '2 days', 'missed', now() - interval '2 days'),
       ('kept', now() - interval '1 hour', 'done', now() - interval '1 hour'),
       ('kept', now() - interval '3 days 1 second', 'pending', NULL)`
  );
  await pool.query(
    `INSERT INTO alerts (fingerprint, rule_id, workflow_id, severity, state, title, message, opened_at, resolved_at) VALUES
       ('r:kept', 'r', 'kept', 'error', 'resolved', 'old', 'm', now() - interval '500 days', now() - interval '499 days'),
       ('r2:kept', 'r2', 'kept', 'error', 'resolved', 'recent', 'm', now() - interval '5 days', now() - interval '4 days'),
       ('r3:kept', 'r3', 'kept', 'error', 'active', 'still open', 'm', now() - interval '500 days', NULL)`
  );
  await pool.query(
    `INSERT INTO notifications (channel_id, kind, idempotency_key, payload, state, created_at) VALUES
       ('c', 'firing', 'k1', '{}', 'delivered', now() - interval '40 days'),
       ('c', 'firing', 'k2', '{}', 'failed', now() - interval '40 days'),
       ('c', 'firing', 'k3', '{}', 'pending', now() - interval '40 days'),
       ('c', 'firing', 'k4', '{}', 'delivered', now() - interval '1 day')`
  );
  const deleted = await applyRetention(pool, { rawMs: 30 * DAY, rollupsMs: 400 * DAY, batchSize: 1 });
  expect(deleted).toMatchObject({ runs: 2, notifications: 2, alerts: 1 });
  const { rows: runs } = await pool.query(`SELECT state FROM scheduled_runs ORDER BY id`);
  expect(runs.map((r) => r.state)).toEqual(['done', 'pending']);
  const { rows: alerts } = await pool.query(`SELECT title FROM alerts ORDER BY id`);
  expect(alerts.map((a) => a.title)).toEqual(['recent', 'still open']);
  const { rows: notes } = await pool.query(`SELECT idempotency_key FROM notifications ORDER BY id`);
  expect(notes.map((n) => n.idempotency_key)).toEqual(['k3', 'k4']);
});
