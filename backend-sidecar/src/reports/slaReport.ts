import type { Pool } from '../db/pool';
import { partsSql, rollupParts, type RollupPart } from '../metricsApi/rollupParts';
import { RUN_KIND, RUN_STATE } from '../model/runState';
import { BUCKET_COUNT, addBuckets, quantileFromBuckets, sumArray } from '../rollups/histogram';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface SlaReportScope {
  workflowIds?: string[];
  labels?: Record<string, string>;
}

export interface SlaReportRequest extends SlaReportScope {
  /** Epoch ms, inclusive (rounded down to the minute). */
  from: number;
  /** Epoch ms, exclusive (rounded down to the minute). */
  to: number;
  nowMs?: number;
}

export interface SlaWorkflowRow {
  workflowId: string;
  name: string;
  executions: number;
  /** success + degraded */
  good: number;
  /** failed + missed */
  bad: number;
  failed: number;
  /** Scheduled slots the scheduler recorded as missed (no replica ran them). */
  missed: number;
  /** good ÷ (good + bad), percent, 3 decimals; null without a single execution or missed slot. */
  uptime: number | null;
  /** The workflow's `slo.objective` (percent), null without an SLO. */
  objective: number | null;
  met: boolean | null;
  /** bad ÷ the bad the objective allows over the period, percent, 2 decimals (over 100: overspent). */
  errorBudgetUsed: number | null;
  p95DurationMs: number | null;
  /** Alerts opened in the period. */
  incidents: number;
  /** Seconds in the period with at least one alert open for the workflow (overlapping alerts count once). */
  alertOpenSeconds: number;
}

export interface SlaSummary {
  workflows: number;
  executions: number;
  good: number;
  bad: number;
  failed: number;
  missed: number;
  uptime: number | null;
  objectivesMet: number;
  objectivesMissed: number;
  p95DurationMs: number | null;
  incidents: number;
  alertOpenSeconds: number;
}

export interface SlaReport {
  from: string;
  to: string;
  generatedAt: string;
  workflows: SlaWorkflowRow[];
  summary: SlaSummary;
}

/** Daily uptime per workflow (UTC days), for the PDF's chart. `uptime` null: nothing ran that day. */
export interface DailyUptime {
  days: string[];
  byWorkflow: Map<string, Array<number | null>>;
}

interface Counts {
  executions: number;
  successes: number;
  degraded: number;
  failures: number;
}

const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;

export function uptimePercent(good: number, bad: number): number | null {
  return good + bad === 0 ? null : round((good * 100) / (good + bad), 3);
}

/**
 * [from, to) as rollup parts: minute rows for the partial hours at either edge, then hours and
 * whole UTC days as metricsApi/rollupParts splits them. Both ends are whole minutes.
 */
export function reportParts(from: number, to: number): RollupPart[] {
  const firstHour = Math.ceil(from / HOUR_MS) * HOUR_MS;
  const lastHour = Math.floor(to / HOUR_MS) * HOUR_MS;
  if (firstHour >= lastHour) {
    return from < to ? [{ table: 'execution_rollups_minute', from: new Date(from), to: new Date(to) }] : [];
  }
  const parts = rollupParts('execution_rollups_hour', new Date(firstHour), new Date(lastHour));
  if (from < firstHour) {
    parts.push({ table: 'execution_rollups_minute', from: new Date(from), to: new Date(firstHour) });
  }
  if (lastHour < to) {
    parts.push({ table: 'execution_rollups_minute', from: new Date(lastHour), to: new Date(to) });
  }
  return parts;
}

/** The minute-aligned bounds a report covers. */
export function reportBounds(from: number, to: number): { from: number; to: number } {
  return { from: Math.floor(from / MINUTE_MS) * MINUTE_MS, to: Math.floor(to / MINUTE_MS) * MINUTE_MS };
}

interface ScopedWorkflow {
  id: string;
  name: string;
  objective: number | null;
}

/**
 * The workflows a report covers: those matching the scope that exist now or were deleted within
 * the period (a workflow removed last week still owes last month's report its numbers).
 */
async function scopedWorkflows(pool: Pool, scope: SlaReportScope, from: Date): Promise<ScopedWorkflow[]> {
  const params: unknown[] = [from];
  let filter = '';
  if (scope.workflowIds && scope.workflowIds.length > 0) {
    params.push(scope.workflowIds);
    filter += ` AND id = ANY($${params.length}::text[])`;
  }
  if (scope.labels && Object.keys(scope.labels).length > 0) {
    params.push(JSON.stringify(scope.labels));
    filter += ` AND labels @> $${params.length}::jsonb`;
  }
  const { rows } = await pool.query<{ id: string; name: string; objective: string | null }>(
    `SELECT id, name, definition #>> '{slo,objective}' AS objective FROM workflows
      WHERE (deleted_at IS NULL OR deleted_at >= $1)${filter} ORDER BY id`,
    params
  );
  return rows.map((r) => {
    const objective = r.objective === null ? NaN : Number(r.objective);
    return { id: r.id, name: r.name, objective: Number.isFinite(objective) ? objective : null };
  });
}

type TotalsRow = Counts & { workflow_id: string; duration_min: number | null; duration_max: number | null; duration_buckets: number[] };

async function rollupTotals(pool: Pool, parts: RollupPart[], ids: string[]): Promise<Map<string, TotalsRow>> {
  if (parts.length === 0 || ids.length === 0) {
    return new Map();
  }
  const params: unknown[] = [ids];
  const union = partsSql(parts, 'workflow_id, executions, successes, degraded, failures, duration_min, duration_max, duration_buckets', params);
  // Rows are summed per workflow whatever other keys a rollup table grows (a location, say).
  const { rows } = await pool.query<TotalsRow>(
    `SELECT workflow_id, sum(executions)::int AS executions, sum(successes)::int AS successes, sum(degraded)::int AS degraded,
            sum(failures)::int AS failures, min(duration_min) AS duration_min, max(duration_max) AS duration_max,
            ${sumArray('duration_buckets', BUCKET_COUNT, 'json')} AS duration_buckets
       FROM (${union}) p WHERE workflow_id = ANY($1::text[]) GROUP BY workflow_id`,
    params
  );
  return new Map(rows.map((r) => [r.workflow_id, r]));
}

/**
 * Missed slots per workflow in [from, to): the scheduler collapses a run of missed slots into one
 * row at its first slot with `missed_slots` counting them; the row is attributed to that slot's time.
 */
async function missedSlots(pool: Pool, from: Date, to: Date, ids: string[], byDay: boolean): Promise<Array<{ workflow_id: string; day: Date | null; missed: number }>> {
  if (ids.length === 0 || from >= to) {
    return [];
  }
  const { rows } = await pool.query<{ workflow_id: string; day: Date | null; missed: number }>(
    `SELECT workflow_id, ${byDay ? `date_trunc('day', slot_at, 'UTC')` : 'NULL::timestamptz'} AS day, sum(missed_slots)::int AS missed
       FROM scheduled_runs
      WHERE state = '${RUN_STATE.missed}' AND kind = '${RUN_KIND.scheduled}' AND slot_at >= $1 AND slot_at < $2 AND workflow_id = ANY($3::text[])
      GROUP BY 1, 2`,
    [from, to, ids]
  );
  return rows;
}

/** Alerts opened in [from, to) per workflow, and the time at least one was open, clipped to the period. */
async function alertTimes(pool: Pool, from: Date, to: Date, ids: string[], nowMs: number): Promise<Map<string, { incidents: number; openSeconds: number }>> {
  const out = new Map<string, { incidents: number; openSeconds: number }>();
  if (ids.length === 0) {
    return out;
  }
  const { rows } = await pool.query<{ workflow_id: string; opened_at: Date; resolved_at: Date | null }>(
    `SELECT workflow_id, opened_at, resolved_at FROM alerts
      WHERE workflow_id = ANY($3::text[]) AND opened_at < $2 AND (resolved_at IS NULL OR resolved_at > $1)
      ORDER BY workflow_id, opened_at`,
    [from, to, ids]
  );
  const end = Math.min(to.getTime(), nowMs);
  let current: { id: string; coveredUntil: number; entry: { incidents: number; openSeconds: number } } | undefined;
  let openMs = 0;
  const flush = () => {
    if (current) {
      current.entry.openSeconds = Math.round(openMs / 1000);
    }
  };
  for (const row of rows) {
    if (current?.id !== row.workflow_id) {
      flush();
      const entry = { incidents: 0, openSeconds: 0 };
      out.set(row.workflow_id, entry);
      current = { id: row.workflow_id, coveredUntil: -Infinity, entry };
      openMs = 0;
    }
    const opened = row.opened_at.getTime();
    if (opened >= from.getTime()) {
      current.entry.incidents += 1;
    }
    // Rows come in opening order: the union of the clipped intervals is summed as it grows.
    const start = Math.max(opened, from.getTime(), current.coveredUntil);
    const stop = Math.min(row.resolved_at ? row.resolved_at.getTime() : nowMs, end);
    if (stop > start) {
      openMs += stop - start;
    }
    current.coveredUntil = Math.max(current.coveredUntil, stop);
  }
  flush();
  return out;
}

/**
 * The SLA report for [from, to): per workflow and a summary, from the rollups (never raw
 * executions), the scheduler's missed-slot records and the alerts table. See docs/api-contract.md.
 */
export async function buildSlaReport(pool: Pool, req: SlaReportRequest): Promise<SlaReport> {
  const nowMs = req.nowMs ?? Date.now();
  const { from, to } = reportBounds(req.from, req.to);
  const fromDate = new Date(from);
  const toDate = new Date(to);
  const workflows = await scopedWorkflows(pool, req, fromDate);
  const ids = workflows.map((w) => w.id);
  const [totals, missed, alerts] = await Promise.all([
    rollupTotals(pool, reportParts(from, to), ids),
    missedSlots(pool, fromDate, toDate, ids, false),
    alertTimes(pool, fromDate, toDate, ids, nowMs),
  ]);
  const missedBy = new Map(missed.map((m) => [m.workflow_id, m.missed]));
  const allBuckets = Array.from({ length: BUCKET_COUNT }, () => 0);
  let allMin: number | null = null;
  let allMax: number | null = null;
  const rows = workflows.map((w): SlaWorkflowRow => {
    const t = totals.get(w.id);
    const good = (t?.successes ?? 0) + (t?.degraded ?? 0);
    const failed = t?.failures ?? 0;
    const missedCount = missedBy.get(w.id) ?? 0;
    const bad = failed + missedCount;
    const uptime = uptimePercent(good, bad);
    const allowedBadFraction = w.objective === null ? null : 1 - w.objective / 100;
    let p95: number | null = null;
    if (t) {
      addBuckets(allBuckets, t.duration_buckets);
      allMin = t.duration_min === null ? allMin : Math.min(allMin ?? t.duration_min, t.duration_min);
      allMax = t.duration_max === null ? allMax : Math.max(allMax ?? t.duration_max, t.duration_max);
      const q = quantileFromBuckets(t.duration_buckets, 0.95, t.duration_min ?? 0, t.duration_max ?? undefined);
      p95 = q === null ? null : round(q, 1);
    }
    const alert = alerts.get(w.id);
    return {
      workflowId: w.id,
      name: w.name,
      executions: t?.executions ?? 0,
      good,
      bad,
      failed,
      missed: missedCount,
      uptime,
      objective: w.objective,
      met: w.objective === null || uptime === null ? null : (good * 100) / (good + bad) >= w.objective,
      // Objectives stop at 99.999 %, so the allowed bad fraction is never zero.
      errorBudgetUsed: allowedBadFraction === null || good + bad === 0 ? null : round((bad / ((good + bad) * allowedBadFraction)) * 100, 2),
      p95DurationMs: p95,
      incidents: alert?.incidents ?? 0,
      alertOpenSeconds: alert?.openSeconds ?? 0,
    };
  });
  const sum = (pick: (r: SlaWorkflowRow) => number) => rows.reduce((n, r) => n + pick(r), 0);
  const good = sum((r) => r.good);
  const bad = sum((r) => r.bad);
  const overall = quantileFromBuckets(allBuckets, 0.95, allMin ?? 0, allMax ?? undefined);
  return {
    from: fromDate.toISOString(),
    to: toDate.toISOString(),
    generatedAt: new Date(nowMs).toISOString(),
    workflows: rows,
    summary: {
      workflows: rows.length,
      executions: sum((r) => r.executions),
      good,
      bad,
      failed: sum((r) => r.failed),
      missed: sum((r) => r.missed),
      uptime: uptimePercent(good, bad),
      objectivesMet: rows.filter((r) => r.met === true).length,
      objectivesMissed: rows.filter((r) => r.met === false).length,
      p95DurationMs: overall === null ? null : round(overall, 1),
      incidents: sum((r) => r.incidents),
      alertOpenSeconds: sum((r) => r.alertOpenSeconds),
    },
  };
}

/** Good and bad per workflow per UTC day of the report, from the same rollups and missed slots. */
export async function dailyUptime(pool: Pool, report: Pick<SlaReport, 'from' | 'to' | 'workflows'>): Promise<DailyUptime> {
  const from = Date.parse(report.from);
  const to = Date.parse(report.to);
  const ids = report.workflows.map((w) => w.workflowId);
  const firstDay = Math.floor(from / DAY_MS) * DAY_MS;
  const dayCount = Math.max(0, Math.ceil((to - firstDay) / DAY_MS));
  const days = Array.from({ length: dayCount }, (_, i) => new Date(firstDay + i * DAY_MS).toISOString().slice(0, 10));
  const byWorkflow = new Map<string, Array<number | null>>();
  if (ids.length === 0 || dayCount === 0) {
    return { days, byWorkflow };
  }
  const parts = reportParts(from, to);
  const params: unknown[] = [ids];
  const union = partsSql(parts, 'workflow_id, bucket, successes, degraded, failures', params);
  const [counts, missed] = await Promise.all([
    parts.length === 0
      ? Promise.resolve({ rows: [] as Array<{ workflow_id: string; day: Date; good: number; failed: number }> })
      : pool.query<{ workflow_id: string; day: Date; good: number; failed: number }>(
          `SELECT workflow_id, date_trunc('day', bucket, 'UTC') AS day, sum(successes + degraded)::int AS good, sum(failures)::int AS failed
             FROM (${union}) p WHERE workflow_id = ANY($1::text[]) GROUP BY 1, 2`,
          params
        ),
    missedSlots(pool, new Date(from), new Date(to), ids, true),
  ]);
  const good = new Map<string, number[]>();
  const bad = new Map<string, number[]>();
  const cell = (map: Map<string, number[]>, id: string) => {
    let row = map.get(id);
    if (!row) {
      row = Array.from({ length: dayCount }, () => 0);
      map.set(id, row);
    }
    return row;
  };
  for (const r of counts.rows) {
    const i = Math.round((r.day.getTime() - firstDay) / DAY_MS);
    cell(good, r.workflow_id)[i]! += r.good;
    cell(bad, r.workflow_id)[i]! += r.failed;
  }
  for (const m of missed) {
    const i = Math.round((m.day!.getTime() - firstDay) / DAY_MS);
    cell(bad, m.workflow_id)[i]! += m.missed;
  }
  for (const id of ids) {
    const g = good.get(id);
    const b = bad.get(id);
    byWorkflow.set(id, days.map((_, i) => uptimePercent(g?.[i] ?? 0, b?.[i] ?? 0)));
  }
  return { days, byWorkflow };
}
