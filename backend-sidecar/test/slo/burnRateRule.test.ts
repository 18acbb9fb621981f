import { Registry } from 'prom-client';
import { AlertEngine } from '../../src/alerts/alertEngine';
import { listRules, installPredefinedRules, saveRule } from '../../src/alerts/ruleStore';
import { ruleInputSchema, DEFAULT_BURN_RATE_PAIRS } from '../../src/alerts/ruleSchema';
import { createTestDatabase, silentLogger, type TestDatabase } from '../support/testDatabase';

const MINUTE = 60_000;

let db: TestDatabase;
let engine: AlertEngine;

beforeAll(async () => {
  db = await createTestDatabase();
  await installPredefinedRules(db.pool);
  engine = new AlertEngine({ pool: db.pool, log: silentLogger(), registry: new Registry(), evalIntervalMs: 60_000, tickIntervalMs: 60_000, onQueued: () => undefined });
});

afterAll(async () => {
  await db?.drop();
});

async function createWorkflow(id: string, slo?: { objective: number; window: string }): Promise<void> {
  await db.pool.query(
    `INSERT INTO workflows (id, name, source, definition, mode, push_expected_ms, push_grace_ms) VALUES ($1, $1, 'api', $2, 'push', 3600000, 60000)`,
    [id, JSON.stringify({ id, name: id, schedule: { push: { expected: '1h' } }, ...(slo ? { slo } : {}) })]
  );
}

/**
 * One execution a minute for `minutes` minutes up to now, a second into each minute, so an N-minute
 * window holds exactly N runs; `failedAt(m)` says whether the run m minutes ago failed.
 */
async function history(id: string, minutes: number, failedAt: (minutesAgo: number) => boolean): Promise<void> {
  const thisMinute = Math.floor(Date.now() / MINUTE) * MINUTE;
  const rows = Array.from({ length: minutes }, (_, i) => ({ ago: minutes - 1 - i, at: new Date(thisMinute - (minutes - 1 - i) * MINUTE + 1_000) }));
  await db.pool.query(
    `INSERT INTO executions (workflow_id, trigger, status, started_at, finished_at, duration_ms)
     SELECT $1, 'push', s, t, t + interval '100 milliseconds', 100 FROM unnest($2::text[], $3::timestamptz[]) AS x(s, t)`,
    [id, rows.map((r) => (failedAt(r.ago) ? 'failed' : 'success')), rows.map((r) => r.at)]
  );
}

async function openAlert(ruleId: string, workflowId: string) {
  const { rows } = await db.pool.query(`SELECT * FROM alerts WHERE fingerprint = $1 AND state <> 'resolved'`, [`${ruleId}:${workflowId}`]);
  return rows[0] as { state: string; severity: string; message: string; value: number } | undefined;
}

const BURNING_FAST = 'error-budget-burning-fast';

describe('burn-rate rules (objective 99.5 %: the allowed bad fraction is 0.5 %)', () => {
  it('installs "Error budget burning fast" (critical) with the paging pairs of the SRE workbook', async () => {
    const rule = (await listRules(db.pool)).find((r) => r.id === BURNING_FAST)!;
    expect(rule).toMatchObject({ name: 'Error budget burning fast', severity: 'critical', enabled: true, predefined: true, scope: {} });
    expect(rule.condition).toEqual({
      type: 'burn_rate',
      pairs: [
        { long: 3_600_000, short: 5 * MINUTE, factor: 14.4 },
        { long: 6 * 3_600_000, short: 30 * MINUTE, factor: 6 },
      ],
    });
  });

  it('pages on a fast burn: the last hour (8 % bad) and the last 5 minutes (all bad) both burn above 14.4', async () => {
    await createWorkflow('fast-burn', { objective: 99.5, window: '30d' });
    await history('fast-burn', 6 * 60, (ago) => ago < 5);
    await engine.evaluate(['fast-burn'], 'timer');
    const alert = await openAlert(BURNING_FAST, 'fast-burn');
    expect(alert).toMatchObject({ state: 'active', severity: 'critical' });
    expect(alert!.message).toContain('over 1h');
    expect(Number(alert!.value)).toBeGreaterThanOrEqual(14.4);
  });

  it('stays quiet on a short blip: the hour burns above 14.4 but the last 5 minutes are clean', async () => {
    await createWorkflow('blip', { objective: 99.5, window: '30d' });
    // 10 failures 40–49 minutes ago: 1h burns 33 (over), 5m burns 0; 6h burns 5.6 (under 6).
    await history('blip', 6 * 60, (ago) => ago >= 40 && ago < 50);
    await engine.evaluate(['blip'], 'timer');
    expect(await openAlert(BURNING_FAST, 'blip')).toBeUndefined();
  });

  it('stays quiet on a slow burn below the factors, which the default pairs still ticket', async () => {
    await createWorkflow('slow-burn', { objective: 99.5, window: '30d' });
    // One failure in 50 everywhere: burn rate 4 over every window, under 14.4 and 6, over 1.
    await history('slow-burn', 3 * 24 * 60, (ago) => ago % 50 === 7);
    await saveRule(db.pool, ruleInputSchema.parse({ id: 'workbook-defaults', name: 'Workbook', severity: 'warning', scope: { workflowIds: ['slow-burn'] }, condition: { type: 'burn_rate' } }), { source: 'api', mode: 'upsert' });
    engine.invalidate();
    await engine.evaluate(['slow-burn'], 'timer');
    expect(await openAlert(BURNING_FAST, 'slow-burn')).toBeUndefined();
    const ticket = await openAlert('workbook-defaults', 'slow-burn');
    expect(ticket).toMatchObject({ state: 'active' });
    expect(ticket!.message).toContain('over 3d');
  });

  it('does not judge a workflow without an SLO, however much it fails', async () => {
    await createWorkflow('no-slo');
    await history('no-slo', 60, () => true);
    await engine.evaluate(['no-slo'], 'timer');
    expect(await openAlert(BURNING_FAST, 'no-slo')).toBeUndefined();
  });

  it('takes settable pairs and fires when both windows of any pair reach its factor', async () => {
    await createWorkflow('custom-pairs', { objective: 99, window: '7d' });
    // 3 of the last 30 runs failed, 1 of the last 5: burn 10 over 30m (a hair under, in floating
    // point) and 20 over 5m.
    await history('custom-pairs', 120, (ago) => ago === 2 || ago === 12 || ago === 22);
    const rule = (factor: number) =>
      ruleInputSchema.parse({ id: `pairs-${factor}`, name: 'Pairs', severity: 'error', scope: { workflowIds: ['custom-pairs'] }, condition: { type: 'burn_rate', pairs: [{ long: '30m', short: '5m', factor }] } });
    await saveRule(db.pool, rule(9.9), { source: 'api', mode: 'upsert' });
    await saveRule(db.pool, rule(10.5), { source: 'api', mode: 'upsert' });
    engine.invalidate();
    await engine.evaluate(['custom-pairs'], 'timer');
    expect(await openAlert('pairs-9.9', 'custom-pairs')).toMatchObject({ state: 'active' });
    expect(await openAlert('pairs-10.5', 'custom-pairs')).toBeUndefined();
  });

  it('resolves when the burning stops in the short windows', async () => {
    await createWorkflow('recovers', { objective: 99.5, window: '30d' });
    await history('recovers', 60, (ago) => ago < 5);
    await engine.evaluate(['recovers'], 'timer');
    expect(await openAlert(BURNING_FAST, 'recovers')).toMatchObject({ state: 'active' });
    // The same failures, 35 minutes earlier: the hour and 6 hours still burn over the factors, but
    // neither short window (5m, 30m) holds any.
    await db.pool.query(`DELETE FROM executions WHERE workflow_id = 'recovers'`);
    await db.pool.query(`DELETE FROM execution_rollups_minute WHERE workflow_id = 'recovers'`);
    await db.pool.query(`DELETE FROM execution_rollups_hour WHERE workflow_id = 'recovers'`);
    await db.pool.query(`DELETE FROM execution_rollups_day WHERE workflow_id = 'recovers'`);
    await history('recovers', 60, (ago) => ago >= 35 && ago < 40);
    await engine.evaluate(['recovers'], 'timer');
    expect(await openAlert(BURNING_FAST, 'recovers')).toBeUndefined();
  });

  it('refuses pairs whose short window is not shorter than the long one, naming the field', () => {
    const parsed = ruleInputSchema.safeParse({ id: 'bad', name: 'Bad', severity: 'info', condition: { type: 'burn_rate', pairs: [{ long: '5m', short: '1h', factor: 2 }] } });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]).toMatchObject({ path: ['condition', 'pairs', 0, 'short'] });
    expect(DEFAULT_BURN_RATE_PAIRS.map((p) => p.factor)).toEqual([14.4, 6, 1]);
  });
});
