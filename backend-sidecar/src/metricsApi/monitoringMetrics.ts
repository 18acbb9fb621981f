import { z } from 'zod';
import type { Pool } from '../db/pool';
import type { HealthReporter } from '../http/health';
import { sumArray } from '../rollups/histogram';
import { alertSummary } from './alertSummary';
import { PERIODS, periodWindow, type Period } from './periods';
import { partsSql, rollupParts, type RollupPart } from './rollupParts';
import { pointsTrend, relativeTrend } from './trend';
import { locationListQuerySchema } from '../model/location';

const periodNames = Object.keys(PERIODS) as Period[];

/** GET /api/monitoring/metrics query. */
export const metricsQuerySchema = z
  .object({
    period: z.enum(periodNames as [Period, ...Period[]], { message: `period must be one of ${periodNames.join(', ')}` }).default('24h'),
    details: z.enum(['true', 'false'], { message: 'details must be one of true, false' }).default('false'),
    // Only executions from these locations (comma-separated).
    locations: locationListQuerySchema,
    // `location`: also a breakdown per location (data.locations).
    groupBy: z.enum(['none', 'location'], { message: 'groupBy must be one of none, location' }).default('none'),
  })
  .strict();

interface Totals {
  executions: number;
  successes: number;
  degraded: number;
  failures: number;
  duration_sum: number;
}

/** success + degraded count as successful (the run passed); see docs/metrics.md. */
function successRate(t: Totals): number | null {
  // Integer numerators keep the two-decimal rounding exact (the same as SQL's round(numeric)).
  return t.executions === 0 ? null : Math.round(((t.successes + t.degraded) * 10_000) / t.executions) / 100;
}

function averageDuration(t: Totals): number | null {
  return t.executions === 0 ? null : Math.round((Number(t.duration_sum) * 100) / t.executions) / 100;
}

const SUMS = `sum(executions)::int AS executions, sum(successes)::int AS successes, sum(degraded)::int AS degraded,
              sum(failures)::int AS failures, sum(duration_sum)::bigint AS duration_sum`;
const PART_COLUMNS = 'workflow_id, executions, successes, degraded, failures, duration_sum, duration_min, duration_max';

type WorkflowTotals = Totals & { workflow_id: string; min: number | null; max: number | null };

function addTotals(into: Totals, more: Totals): Totals {
  into.executions += more.executions;
  into.successes += more.successes;
  into.degraded += more.degraded;
  into.failures += more.failures;
  into.duration_sum += Number(more.duration_sum);
  return into;
}

const zero = (): Totals => ({ executions: 0, successes: 0, degraded: 0, failures: 0, duration_sum: 0 });

async function perWorkflow(pool: Pool, parts: RollupPart[], locations?: string[]): Promise<WorkflowTotals[]> {
  const params: unknown[] = [];
  const union = partsSql(parts, PART_COLUMNS, params, locations);
  const { rows } = await pool.query<WorkflowTotals>(
    `SELECT workflow_id, ${SUMS}, min(duration_min) AS min, max(duration_max) AS max FROM (${union}) p GROUP BY workflow_id ORDER BY workflow_id`,
    params
  );
  return rows;
}

async function totals(pool: Pool, parts: RollupPart[], locations?: string[]): Promise<Totals> {
  const params: unknown[] = [];
  const union = partsSql(parts, PART_COLUMNS, params, locations);
  const { rows } = await pool.query<Totals>(`SELECT ${SUMS} FROM (${union}) p`, params);
  const row = rows[0]!;
  return row.executions === null ? zero() : addTotals(zero(), row);
}

type LocationTotals = Totals & { location: string };

/** Totals per location (the rollups' location dimension), by name. */
async function perLocation(pool: Pool, parts: RollupPart[], locations?: string[]): Promise<LocationTotals[]> {
  const params: unknown[] = [];
  const union = partsSql(parts, 'location, executions, successes, degraded, failures, duration_sum', params, locations);
  const { rows } = await pool.query<LocationTotals>(`SELECT location, ${SUMS} FROM (${union}) p GROUP BY location ORDER BY location`, params);
  return rows;
}

/** Executions per UTC hour of day: day rows carry 24 counts, hour and minute rows their own hour. */
async function hourlyPattern(pool: Pool, parts: RollupPart[], locations?: string[]): Promise<number[]> {
  const pattern = Array.from({ length: 24 }, () => 0);
  const only = locations ? ' AND location = ANY($3::text[])' : '';
  await Promise.all(
    parts.map(async (part) => {
      const bounds: unknown[] = locations ? [part.from, part.to, locations] : [part.from, part.to];
      if (part.table === 'execution_rollups_day') {
        const { rows } = await pool.query<{ h: number[] }>(
          `SELECT ${sumArray('hour_executions', 24)} AS h
             FROM execution_rollups_day WHERE bucket >= $1 AND bucket < $2${only}`,
          bounds
        );
        rows[0]!.h.forEach((n, i) => (pattern[i] = pattern[i]! + n));
        return;
      }
      const { rows } = await pool.query<{ hour: number; n: number }>(
        `SELECT extract(hour FROM bucket AT TIME ZONE 'UTC')::int AS hour, sum(executions)::int AS n
           FROM ${part.table} WHERE bucket >= $1 AND bucket < $2${only} GROUP BY 1`,
        bounds
      );
      for (const h of rows) {
        pattern[h.hour] = pattern[h.hour]! + h.n;
      }
    })
  );
  return pattern;
}

/** Each workflow's latest execution: one index probe per workflow. */
async function lastExecutions(pool: Pool, ids: string[]): Promise<Map<string, { name: string | null; last_started: Date | null; last_status: string | null }>> {
  const { rows } = await pool.query<{ id: string; name: string | null; last_started: Date | null; last_status: string | null }>(
    `SELECT i.id, w.name, le.started_at AS last_started, le.status AS last_status
       FROM unnest($1::text[]) AS i(id)
       LEFT JOIN workflows w ON w.id = i.id
       LEFT JOIN LATERAL (SELECT e.started_at, e.status FROM executions e WHERE e.workflow_id = i.id ORDER BY e.started_at DESC LIMIT 1) le ON true`,
    [ids]
  );
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * GET /api/monitoring/metrics: the original design's summary, read from rollups — whole days from
 * the day rollup, the edges from the hour (or, for 1h, minute) rollup; the independent reads run
 * side by side on the pool.
 */
export async function monitoringMetrics(
  pool: Pool,
  health: HealthReporter,
  opts: { period: Period; details: boolean; locations?: string[]; groupBy?: 'none' | 'location'; nowMs?: number }
) {
  const nowMs = opts.nowMs ?? Date.now();
  const window = periodWindow(opts.period, nowMs);
  const end = new Date(nowMs + window.bucketMs);
  const currentParts = rollupParts(window.table, window.from, end);
  const { locations } = opts;
  const [byWorkflow, previous, active, pattern, report, alerts, byLocation] = await Promise.all([
    perWorkflow(pool, currentParts, locations),
    totals(pool, rollupParts(window.table, window.previousFrom, window.from), locations),
    pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM workflows WHERE deleted_at IS NULL AND enabled`),
    hourlyPattern(pool, currentParts, locations),
    health.report(),
    alertSummary(pool, window.from),
    opts.groupBy === 'location' ? perLocation(pool, currentParts, locations) : Promise.resolve(undefined),
  ]);
  const current = byWorkflow.reduce(addTotals, zero());

  let workflows: unknown[] | undefined;
  if (opts.details) {
    const last = await lastExecutions(pool, byWorkflow.map((r) => r.workflow_id));
    workflows = byWorkflow.map((r) => {
      const l = last.get(r.workflow_id);
      return {
        workflowId: r.workflow_id,
        name: l?.name ?? r.workflow_id,
        executions: r.executions,
        successes: r.successes + r.degraded,
        failures: r.failures,
        successRate: successRate(r),
        minDuration: r.min,
        maxDuration: r.max,
        averageDuration: averageDuration(r),
        lastExecution: l?.last_started ? l.last_started.toISOString() : null,
        lastStatus: l?.last_status ?? null,
      };
    });
  }

  return {
    success: true,
    data: {
      period: opts.period,
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      summary: {
        totalExecutions: current.executions,
        successCount: current.successes + current.degraded,
        failureCount: current.failures,
        successRate: successRate(current),
        averageDuration: averageDuration(current),
        activeWorkflows: active.rows[0]!.n,
      },
      ...(workflows ? { workflows } : {}),
      ...(byLocation
        ? {
            locations: byLocation.map((l) => ({
              location: l.location,
              executions: l.executions,
              successes: l.successes + l.degraded,
              failures: l.failures,
              successRate: successRate(l),
              averageDuration: averageDuration(l),
            })),
          }
        : {}),
      system: {
        health: report.status,
        lastHealthCheck: report.timestamp,
        uptime: report.uptimeSeconds,
        activeAlerts: alerts.active,
        criticalAlerts: alerts.critical,
      },
      trends: {
        executionTrend: relativeTrend(current.executions, previous.executions, true),
        successRateTrend: pointsTrend(successRate(current), successRate(previous)),
        performanceTrend: relativeTrend(averageDuration(current) ?? 0, averageDuration(previous) ?? 0, false),
        hourlyPattern: pattern,
      },
      alerts: { total: alerts.total, bySeverity: alerts.bySeverity, active: alerts.active, recent: alerts.recent },
    },
  };
}
