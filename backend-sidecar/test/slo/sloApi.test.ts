import { metricsApiFeature } from '../../src/app/features/metricsApi';
import { workflowsFeature } from '../../src/app/features/workflows';
import { planDueSlots, sweepMissedSlots } from '../../src/scheduler/planDueSlots';
import { everySchedule, firstSlotFrom } from '../../src/scheduler/slotSchedule';
import { BURN_RATE_WINDOWS, BURN_RATE_WINDOW_KEYS, budgetExhaustedAt, burnRate, errorBudgetRemaining, sli, type SloCounts } from '../../src/slo/sloMath';
import { sloCountsBetween, sloStatuses, sloWindowCounts, windowEnd } from '../../src/slo/sloStore';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';

jest.setTimeout(180_000);

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

let sidecar: TestSidecar;
const now = Date.now();

/** A deterministic pseudo-random generator, so every run builds the same history. */
function lcg(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const pushWorkflow = (id: string, slo?: { objective: number; window: string }) => ({
  id,
  name: `Workflow ${id}`,
  schedule: { push: { expected: '1h' } },
  ...(slo ? { slo } : {}),
});

/** Missed runs as stored: n slots spread over [slotAt, until) (until null: all at slotAt). */
interface MissedRun {
  workflowId: string;
  slotAt: number;
  n: number;
  until: number | null;
}
const missedRuns: MissedRun[] = [];

function missedSlotTimes(run: MissedRun): number[] {
  if (run.until === null || run.n <= 1) {
    return Array.from({ length: run.n }, () => run.slotAt);
  }
  // The same instants the migration's function spreads them to, in integer microseconds.
  const first = BigInt(run.slotAt) * 1000n;
  const span = BigInt(run.until) * 1000n - first;
  return Array.from({ length: run.n }, (_, k) => Number((first * BigInt(run.n) + BigInt(k) * span) / BigInt(run.n) / 1000n));
}

/** The reference: raw execution rows and every missed slot, counted one by one. */
async function rawCounts(workflowId: string, fromMs: number, toMs: number): Promise<SloCounts> {
  const { rows } = await sidecar.db.pool.query<{ good: number; failed: number }>(
    `SELECT count(*) FILTER (WHERE status IN ('success', 'degraded'))::int AS good, count(*) FILTER (WHERE status = 'failed')::int AS failed
       FROM executions WHERE workflow_id = $1 AND started_at >= $2 AND started_at < $3`,
    [workflowId, new Date(fromMs), new Date(toMs)]
  );
  let missed = 0;
  for (const run of missedRuns.filter((r) => r.workflowId === workflowId)) {
    // Slot instants are whole microseconds; a slot counts in the minute bucket it falls in.
    missed += missedSlotTimes(run).filter((t) => Math.floor(t / MINUTE) * MINUTE >= fromMs && Math.floor(t / MINUTE) * MINUTE < toMs).length;
  }
  return { good: rows[0]!.good, failed: rows[0]!.failed, missed };
}

async function insertExecutions(rows: Array<[string, string, number]>): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    await sidecar.db.pool.query(
      `INSERT INTO executions (workflow_id, trigger, status, started_at, finished_at, duration_ms, attempts, retries)
       SELECT w, 'push', s, t, t + interval '100 milliseconds', 100, 1, 0
         FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS x(w, s, t)`,
      [chunk.map((r) => r[0]), chunk.map((r) => r[1]), chunk.map((r) => new Date(r[2]))]
    );
  }
}

async function insertMissed(run: MissedRun): Promise<void> {
  missedRuns.push(run);
  await sidecar.db.pool.query(
    `INSERT INTO scheduled_runs (workflow_id, slot_at, state, missed_slots, missed_until, finished_at) VALUES ($1, $2, 'missed', $3, $4, now())`,
    [run.workflowId, new Date(run.slotAt), run.n, run.until === null ? null : new Date(run.until)]
  );
}

beforeAll(async () => {
  sidecar = await startTestSidecar({ features: [workflowsFeature, metricsApiFeature] });
  for (const [id, slo] of [
    ['mixed', { objective: 99.5, window: '7d' }],
    ['odd-window', { objective: 95, window: '36h' }],
    ['always-passing', { objective: 99.9, window: '30d' }],
    ['always-failing', { objective: 99.5, window: '30d' }],
    ['quiet', { objective: 99, window: '1d' }],
    ['no-slo', undefined],
  ] as const) {
    const response = await sidecar.api('/api/v1/workflows', { method: 'POST', json: pushWorkflow(id, slo) });
    expect(response.status).toBe(201);
  }
  // Ten days of history at random instants (to the millisecond), so every window edge cuts
  // through a minute, an hour and a day; denser over the last hours, where the short windows are.
  const random = lcg(2024);
  const rows: Array<[string, string, number]> = [];
  for (let i = 0; i < 12_000; i += 1) {
    const workflowId = i % 2 === 0 ? 'mixed' : 'odd-window';
    const ago = i % 3 === 0 ? Math.floor(random() * 8 * HOUR) : Math.floor(random() * 10 * DAY);
    const roll = random();
    rows.push([workflowId, roll < 0.9 ? 'success' : roll < 0.95 ? 'degraded' : 'failed', now - ago]);
  }
  for (let i = 0; i < 500; i += 1) {
    rows.push(['always-passing', i % 4 === 0 ? 'degraded' : 'success', now - i * 37 * MINUTE - 1234]);
    rows.push(['always-failing', 'failed', now - i * 41 * MINUTE - 4321]);
  }
  await insertExecutions(rows);
  // Missed slots: a collapsed run of two days of 1-minute slots across day boundaries, one of
  // 7-minute slots crossing an hour, and single swept slots (one recorded by an update).
  await insertMissed({ workflowId: 'mixed', slotAt: now - 5 * DAY - 17 * HOUR - 123_456, n: 2 * 24 * 60, until: now - 5 * DAY - 17 * HOUR - 123_456 + 2 * DAY });
  await insertMissed({ workflowId: 'odd-window', slotAt: now - 3 * HOUR - 29 * MINUTE, n: 9, until: now - 3 * HOUR - 29 * MINUTE + 9 * 7 * MINUTE });
  await insertMissed({ workflowId: 'mixed', slotAt: now - 40 * MINUTE - 5_000, n: 1, until: null });
  await sidecar.db.pool.query(`INSERT INTO scheduled_runs (workflow_id, slot_at, state) VALUES ('odd-window', $1, 'pending')`, [new Date(now - 2 * MINUTE)]);
  expect((await sweepMissedSlots(sidecar.db.pool, { misfireMs: 1_000, supersededMs: 1_000 })).missed).toBe(1);
  missedRuns.push({ workflowId: 'odd-window', slotAt: now - 2 * MINUTE, n: 1, until: null });
});

afterAll(async () => {
  await sidecar?.stop();
});

describe('SLO figures from rollups', () => {
  // "Now" at several instants: each cuts the windows at other minutes, hours and days.
  const instants = [0, 17 * MINUTE + 13_000, 5 * HOUR + 59 * MINUTE + 59_999, DAY + 7 * HOUR + 30_000];

  it.each(instants)('counts every window exactly as the raw rows do (now − %i ms)', async (back) => {
    const to = windowEnd(now - back);
    const windows = [...Object.values(BURN_RATE_WINDOWS), 7 * DAY, 36 * HOUR, 30 * DAY, 61 * MINUTE];
    const counts = await sloWindowCounts(sidecar.db.pool, { windowsMs: windows, toMs: to });
    for (const workflowId of ['mixed', 'odd-window', 'always-passing', 'always-failing']) {
      for (const w of windows) {
        expect({ workflowId, w, counts: counts.get(workflowId)?.get(w) }).toEqual({ workflowId, w, counts: await rawCounts(workflowId, to - w, to) });
      }
    }
  });

  it('gives SLI, budget left and burn rates equal to the same arithmetic on raw rows', async () => {
    for (const back of instants) {
      const at = now - back;
      const to = windowEnd(at);
      const statuses = await sloStatuses(sidecar.db.pool, { nowMs: at });
      const mixed = statuses.find((s) => s.workflowId === 'mixed')!;
      const raw = await rawCounts('mixed', to - 7 * DAY, to);
      expect(raw.missed).toBeGreaterThan(0);
      expect(mixed.sli).toBe(sli(raw));
      expect(mixed.errorBudgetRemaining).toBe(errorBudgetRemaining(raw, 99.5));
      for (const key of BURN_RATE_WINDOW_KEYS) {
        expect(mixed.burnRates[key]).toBe(burnRate(await rawCounts('mixed', to - BURN_RATE_WINDOWS[key], to), 99.5));
      }
      const odd = statuses.find((s) => s.workflowId === 'odd-window')!;
      expect(odd.sli).toBe(sli(await rawCounts('odd-window', to - 36 * HOUR, to)));
      const exhausted = budgetExhaustedAt(mixed.errorBudgetRemaining, mixed.burnRates['6h'], 7 * DAY, at);
      expect(mixed.budgetExhaustedAt).toBe(exhausted === null ? null : new Date(exhausted).toISOString());
    }
  });

  it('counts the slots the scheduler recorded as missed as bad events', async () => {
    const to = windowEnd(now);
    const withMissed = await rawCounts('mixed', to - 7 * DAY, to);
    const [status] = await sloStatuses(sidecar.db.pool, { workflowIds: ['mixed'], nowMs: now });
    expect(withMissed.missed).toBe(2 * 24 * 60 + 1);
    const withoutMissed = sli({ ...withMissed, missed: 0 })!;
    expect(status!.sli).toBeLessThan(withoutMissed);
    expect(status!.sli).toBe((withMissed.good / (withMissed.good + withMissed.failed + withMissed.missed)) * 100);
    // The single swept slot, 40 minutes ago, is in the last hour.
    const hour = await sloWindowCounts(sidecar.db.pool, { windowsMs: [HOUR], toMs: to, workflowIds: ['mixed'] });
    expect(hour.get('mixed')!.get(HOUR)!.missed).toBe(1);
  });

  it('records the slots a down scheduler skipped, spread over the time they were due', async () => {
    const { pool } = sidecar.db;
    await pool.query(
      `INSERT INTO workflows (id, name, source, definition, mode, every_ms, next_slot_at)
       VALUES ('was-down', 'Was down', 'api', '{"slo":{"objective":99,"window":"1d"}}', 'scheduled', 60000, $1)`,
      [new Date(firstSlotFrom(everySchedule('was-down', MINUTE), now - 3 * HOUR))]
    );
    const plan = await planDueSlots(pool, { horizonMs: 0, misfireMs: 10 * MINUTE, nowMs: now });
    expect(plan.missed).toBeGreaterThan(160);
    const to = windowEnd(now);
    const counts = await sloCountsBetween(pool, { fromMs: to - DAY, toMs: to, workflowIds: ['was-down'] });
    expect(counts.get('was-down')).toEqual({ good: 0, failed: 0, missed: plan.missed });
    // Spread one per minute, not heaped on the first slot: the last hour holds its share.
    const anHour = await sloWindowCounts(pool, { windowsMs: [HOUR], toMs: to - 30 * MINUTE, workflowIds: ['was-down'] });
    expect(anHour.get('was-down')!.get(HOUR)!.missed).toBe(60);
    const [status] = await sloStatuses(pool, { workflowIds: ['was-down'], nowMs: now });
    expect(status!.sli).toBe(0);
    expect(status!.burnRates['1h']).toBeCloseTo(100, 9);
  });
});

describe('SLO API', () => {
  it('lists every workflow with an SLO, in the documented shape', async () => {
    const response = await sidecar.api('/api/v1/slos');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { slos: Array<Record<string, unknown>> };
    const ids = body.slos.map((s) => s.workflowId);
    expect(ids).toEqual(expect.arrayContaining(['always-failing', 'always-passing', 'mixed', 'odd-window', 'quiet']));
    expect(ids).not.toContain('no-slo');
    for (const slo of body.slos) {
      expect(Object.keys(slo).sort()).toEqual(['budgetExhaustedAt', 'burnRates', 'errorBudgetRemaining', 'objective', 'sli', 'window', 'workflowId']);
      expect(Object.keys(slo.burnRates as object)).toEqual(['5m', '30m', '1h', '6h', '24h', '72h']);
    }
    expect(body.slos.find((s) => s.workflowId === 'mixed')).toMatchObject({ objective: 99.5, window: '7d' });
  });

  it('gives an always-passing workflow its whole budget and no burn', async () => {
    const body = (await (await sidecar.api('/api/v1/workflows/always-passing/slo')).json()) as Record<string, any>;
    expect(body).toEqual({
      workflowId: 'always-passing',
      objective: 99.9,
      window: '30d',
      sli: 100,
      errorBudgetRemaining: 100,
      burnRates: { '5m': 0, '30m': 0, '1h': 0, '6h': 0, '24h': 0, '72h': 0 },
      budgetExhaustedAt: null,
    });
  });

  it('gives an always-failing workflow a negative budget and a burn rate of 1 / (1 − objective)', async () => {
    const body = (await (await sidecar.api('/api/v1/workflows/always-failing/slo')).json()) as Record<string, any>;
    expect(body.sli).toBe(0);
    expect(body.errorBudgetRemaining).toBeLessThan(0);
    expect(body.errorBudgetRemaining).toBeCloseTo((1 - 1 / (1 - 0.995)) * 100, 6);
    for (const key of ['1h', '6h', '24h', '72h']) {
      expect(body.burnRates[key]).toBeCloseTo(1 / (1 - 0.995), 9);
    }
    // Already overspent: the budget is exhausted now.
    expect(Math.abs(Date.parse(body.budgetExhaustedAt) - Date.now())).toBeLessThan(120_000);
  });

  it('answers a workflow without events with no SLI, a whole budget and no burn', async () => {
    const body = (await (await sidecar.api('/api/v1/workflows/quiet/slo')).json()) as Record<string, any>;
    expect(body).toMatchObject({ sli: null, errorBudgetRemaining: 100, burnRates: { '5m': 0, '72h': 0 }, budgetExhaustedAt: null });
  });

  it('answers 404 for a workflow without an SLO or an unknown one', async () => {
    for (const id of ['no-slo', 'nope']) {
      const response = await sidecar.api(`/api/v1/workflows/${id}/slo`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as any).error.message).toContain(id);
    }
  });

  it('refuses an SLO outside its bounds with 400 naming slo.objective or slo.window and the value', async () => {
    const cases: Array<[unknown, string, string]> = [
      [{ objective: 100, window: '30d' }, 'slo.objective', '100'],
      [{ objective: 49, window: '30d' }, 'slo.objective', '49'],
      [{ objective: 99, window: '91d' }, 'slo.window', '91d'],
      [{ objective: 99, window: '12h' }, 'slo.window', '12h'],
      [{ objective: 99, window: '30m' }, 'slo.window', '30m'],
      [{ objective: '99', window: '30d' }, 'slo.objective', 'number'],
    ];
    for (const [slo, path, value] of cases) {
      const response = await sidecar.api('/api/v1/workflows', { method: 'POST', json: { ...pushWorkflow('bad-slo'), slo } });
      expect(response.status).toBe(400);
      const body = (await response.json()) as any;
      const detail = body.error.details.find((d: any) => d.path.endsWith(path));
      expect(detail).toBeDefined();
      expect(detail.message).toContain(value);
    }
  });
});

describe('query API metrics sli, error_budget_remaining and burn_rate', () => {
  async function query(target: Record<string, unknown>, range: { from: number; to: number; intervalMs: number }) {
    const response = await sidecar.api('/api/v1/query', { method: 'POST', json: { ...range, maxDataPoints: 5000, targets: [{ refId: 'A', ...target }] } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as any;
    const frame = body.results.A.frames[0];
    return { step: frame.schema.meta.custom.stepMs as number, fields: frame.schema.fields as any[], values: frame.data.values as any[][] };
  }

  it.each([
    ['sli per hour over the SLO window', { metric: 'sli' }, { back: 2 * DAY, intervalMs: HOUR }, (c: SloCounts) => sli(c), 7 * DAY],
    ['error budget per day', { metric: 'error_budget_remaining' }, { back: 9 * DAY, intervalMs: DAY }, (c: SloCounts) => errorBudgetRemaining(c, 99.5), 7 * DAY],
    ['1h burn rate per 5 minutes', { metric: 'burn_rate' }, { back: 3 * HOUR, intervalMs: 5 * MINUTE }, (c: SloCounts) => burnRate(c, 99.5), HOUR],
    ['30m burn rate per hour', { metric: 'burn_rate', burnRateWindow: '30m' }, { back: DAY, intervalMs: HOUR }, (c: SloCounts) => burnRate(c, 99.5), 30 * MINUTE],
  ] as const)('%s: each point is the window ending with its step, as raw rows give it', async (_name, target, range, compute, windowMs) => {
    const { step, fields, values } = await query({ ...target, workflowIds: ['mixed'] }, { from: now - range.back, to: now, intervalMs: range.intervalMs });
    expect(step).toBe(range.intervalMs);
    expect(fields.map((f) => f.labels?.workflow ?? f.name)).toEqual(['time', 'mixed']);
    const [times, points] = values as [number[], Array<number | null>];
    for (const [i, t] of times.entries()) {
      expect({ t, value: points[i] }).toEqual({ t, value: compute(await rawCounts('mixed', t + step - windowMs, t + step)) });
    }
  });

  it('gives one series per workflow with an SLO, over each one\'s own window', async () => {
    const { fields, values } = await query({ metric: 'sli', groupBy: 'none' }, { from: now - 2 * DAY, to: now, intervalMs: DAY });
    const ids = fields.slice(1).map((f) => f.labels.workflow);
    expect(ids).toEqual(expect.arrayContaining(['mixed', 'odd-window', 'always-passing', 'always-failing', 'quiet']));
    expect(ids).not.toContain('no-slo');
    const odd = values[ids.indexOf('odd-window') + 1]!;
    const times = values[0] as number[];
    for (const [i, t] of times.entries()) {
      expect(odd[i]).toEqual(sli(await rawCounts('odd-window', t + DAY - 36 * HOUR, t + DAY)));
    }
    expect(fields.find((f) => f.labels?.workflow === 'mixed').config.unit).toBe('percent');
  });

  it('refuses groupBy error_type and an unknown burnRateWindow, naming the field', async () => {
    for (const target of [{ metric: 'sli', groupBy: 'error_type' }, { metric: 'burn_rate', burnRateWindow: '2h' }]) {
      const response = await sidecar.api('/api/v1/query', { method: 'POST', json: { from: now - HOUR, to: now, targets: [{ refId: 'A', ...target }] } });
      expect(response.status).toBe(400);
      const body = (await response.json()) as any;
      expect(body.error.details[0].path).toMatch(/targets\[0\]\.(groupBy|burnRateWindow)|targets\.0\.(groupBy|burnRateWindow)/);
    }
  });
});
