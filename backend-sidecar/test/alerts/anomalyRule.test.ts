import { Registry } from 'prom-client';
import { AlertEngine } from '../../src/alerts/alertEngine';
import { currentWindowReads, loadAnomalySamples } from '../../src/alerts/ruleFacts';
import { windowEnd } from '../../src/slo/sloStore';
import { saveRule } from '../../src/alerts/ruleStore';
import { ruleInputSchema } from '../../src/alerts/ruleSchema';
import { createWorkflowRow } from '../support/alertFixtures';
import { createTestDatabase, silentLogger, type TestDatabase } from '../support/testDatabase';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;

let db: TestDatabase;
let engine: AlertEngine;
const now = Date.now();
/** The hour of the week the current window is compared with: the one its middle falls in. */
const comparedHour = Math.floor((Math.floor(now / MINUTE) * MINUTE + MINUTE - 30 * MINUTE) / HOUR) * HOUR;
const hourOfDay = (t: number) => new Date(t).getUTCHours();

/** A deterministic pseudo-random generator, so every run builds the same history. */
function lcg(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}
const random = lcg(7);

interface Run {
  workflowId: string;
  at: number;
  durationMs: number;
  failed?: boolean;
}

async function insert(runs: Run[]): Promise<void> {
  for (let i = 0; i < runs.length; i += 5000) {
    const chunk = runs.slice(i, i + 5000);
    await db.pool.query(
      `INSERT INTO executions (workflow_id, trigger, status, started_at, finished_at, duration_ms)
       SELECT w, 'push', s, t, t + make_interval(secs => d / 1000.0), d FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[]) AS x(w, s, t, d)`,
      [chunk.map((r) => r.workflowId), chunk.map((r) => (r.failed ? 'failed' : 'success')), chunk.map((r) => new Date(r.at)), chunk.map((r) => r.durationMs)]
    );
  }
}

/**
 * Five weeks of a run every 5 minutes, up to an hour ago: about 200 ms, except in the workflow's
 * nightly batch hours (three hours around `slowHour`), which take about 3 s. Weekend daytime runs
 * are a little slower, so the baseline differs from one hour of the week to another.
 */
function seasonalHistory(workflowId: string, slowHour: number, opts: { weeks?: number } = {}): Run[] {
  const runs: Run[] = [];
  const until = now - HOUR;
  for (let t = until - (opts.weeks ?? 5) * WEEK; t < until; t += 5 * MINUTE) {
    const h = hourOfDay(t);
    const slow = Math.abs(((h - slowHour + 36) % 24) - 12) <= 1;
    const weekend = [0, 6].includes(new Date(t).getUTCDay());
    const base = slow ? 3000 : weekend ? 260 : 200;
    runs.push({ workflowId, at: t, durationMs: Math.round(base * (0.85 + random() * 0.3)) });
  }
  return runs;
}

/** The current window: a run a minute over the last hour at about `durationMs`. */
function currentWindow(workflowId: string, durationMs: number, count = 60): Run[] {
  return Array.from({ length: count }, (_, i) => ({ workflowId, at: now - i * MINUTE - 2_000, durationMs: Math.round(durationMs * (0.9 + random() * 0.2)) }));
}

async function openAlert(ruleId: string, workflowId: string) {
  const { rows } = await db.pool.query(`SELECT * FROM alerts WHERE fingerprint = $1 AND state <> 'resolved'`, [`${ruleId}:${workflowId}`]);
  return rows[0] as { state: string; message: string; value: number } | undefined;
}

const compared = hourOfDay(comparedHour);
const farFromNow = (compared + 12) % 24;

beforeAll(async () => {
  db = await createTestDatabase();
  engine = new AlertEngine({ pool: db.pool, log: silentLogger(), registry: new Registry(), evalIntervalMs: 60_000, tickIntervalMs: 60_000, onQueued: () => undefined });
  for (const id of ['fast-hour', 'nightly-batch', 'few-runs', 'new-workflow', 'stopped', 'steady']) {
    await createWorkflowRow(db.pool, id);
  }
  await insert([
    // Normally fast at this hour; now three times slower.
    ...seasonalHistory('fast-hour', farFromNow),
    ...currentWindow('fast-hour', 600),
    // Its nightly batch runs at this hour: as slow as every week.
    ...seasonalHistory('nightly-batch', compared),
    ...currentWindow('nightly-batch', 3000),
    // Three times slower too, but only 3 runs in the window (minSamples 5).
    ...seasonalHistory('few-runs', farFromNow),
    ...currentWindow('few-runs', 600, 3),
    // Slower, but with a single week of history (a baseline needs 2 of the 4 weeks).
    ...seasonalHistory('new-workflow', farFromNow, { weeks: 1 }),
    ...currentWindow('new-workflow', 600),
    // Runs every 5 minutes, every week; none in the last hour.
    ...seasonalHistory('stopped', farFromNow),
    // Same as usual.
    ...seasonalHistory('steady', farFromNow),
    ...currentWindow('steady', 200).filter((_, i) => i % 5 === 0),
  ]);
  const rule = (id: string, workflowIds: string[], condition: Record<string, unknown>) =>
    saveRule(db.pool, ruleInputSchema.parse({ id, name: id, severity: 'warning', scope: { workflowIds }, condition: { type: 'anomaly', ...condition } }), { source: 'api', mode: 'upsert' });
  await rule('slower-than-usual', ['fast-hour', 'nightly-batch', 'few-runs', 'new-workflow', 'steady'], { metric: 'duration_p95' });
  await rule('fewer-runs-than-usual', ['stopped', 'steady'], { metric: 'executions' });
  await engine.evaluate('all', 'timer');
});

afterAll(async () => {
  await db?.drop();
});

describe('anomaly rules against the same hour of the week', () => {
  it('fires on a 3× slowdown at a normally fast hour, with the robust z-score in the message', async () => {
    const alert = await openAlert('slower-than-usual', 'fast-hour');
    expect(alert).toMatchObject({ state: 'active' });
    expect(Number(alert!.value)).toBeGreaterThan(3.5);
    expect(alert!.message).toMatch(/p95 duration \d+ ms over the last 1h against a median of \d+ ms .* over 4 weeks: robust z [\d.]+/);
  });

  it('stays silent at the usual nightly slow hour, although it is as slow', async () => {
    expect(await openAlert('slower-than-usual', 'nightly-batch')).toBeUndefined();
  });

  it('holds the minimum-sample guards: too few runs in the window, too few weeks of history', async () => {
    expect(await openAlert('slower-than-usual', 'few-runs')).toBeUndefined();
    expect(await openAlert('slower-than-usual', 'new-workflow')).toBeUndefined();
  });

  it('fires on fewer runs than usual and stays quiet on the usual count', async () => {
    expect(await openAlert('fewer-runs-than-usual', 'stopped')).toMatchObject({ state: 'active' });
    expect(await openAlert('fewer-runs-than-usual', 'steady')).toBeUndefined();
    expect(await openAlert('slower-than-usual', 'steady')).toBeUndefined();
  });

  it('reads the current window exactly, with at most 30 minutes of minute rows', async () => {
    for (const windowMs of [5 * MINUTE, 20 * MINUTE, 45 * MINUTE, HOUR]) {
      const at = Date.now();
      const end = windowEnd(at);
      const minutes = currentWindowReads(end, windowMs)
        .filter((read) => read.table === 'execution_rollups_minute')
        .reduce((sum, read) => sum + (read.toMs - read.fromMs) / MINUTE, 0);
      expect(minutes).toBeLessThanOrEqual(30);
      const samples = await loadAnomalySamples(db.pool, ['fast-hour', 'few-runs'], { window: windowMs, weeks: 4 }, at);
      for (const id of ['fast-hour', 'few-runs']) {
        const { rows } = await db.pool.query<{ n: number; failed: number }>(
          `SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'failed')::int AS failed FROM executions WHERE workflow_id = $1 AND started_at >= $2 AND started_at < $3`,
          [id, new Date(end - windowMs), new Date(end)]
        );
        expect({ id, windowMs, executions: samples.get(id)?.current.executions ?? 0 }).toEqual({ id, windowMs, executions: rows[0]!.n });
      }
    }
  });

  it('refuses weeks outside 2–8 and an unknown metric, naming the field', () => {
    for (const [condition, path] of [
      [{ type: 'anomaly', metric: 'duration_p95', weeks: 9 }, 'weeks'],
      [{ type: 'anomaly', metric: 'duration_p95', weeks: 1 }, 'weeks'],
      [{ type: 'anomaly', metric: 'latency' }, 'metric'],
    ] as const) {
      const parsed = ruleInputSchema.safeParse({ id: 'bad', name: 'Bad', severity: 'info', condition });
      expect(parsed.success).toBe(false);
      expect(parsed.error!.issues[0]!.path).toEqual(['condition', path]);
    }
  });
});
