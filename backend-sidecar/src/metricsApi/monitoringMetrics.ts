import type { Pool } from '../db/pool';
import type { HealthReporter } from '../http/health';
import { alertSummary } from './alertSummary';
import { periodWindow, type Period } from './periods';
import { pointsTrend, relativeTrend } from './trend';

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

async function totals(pool: Pool, table: string, from: Date, to: Date): Promise<Totals> {
  const { rows } = await pool.query<Totals>(
    `SELECT coalesce(sum(executions), 0)::int AS executions, coalesce(sum(successes), 0)::int AS successes,
            coalesce(sum(degraded), 0)::int AS degraded, coalesce(sum(failures), 0)::int AS failures,
            coalesce(sum(duration_sum), 0)::bigint AS duration_sum
       FROM ${table} WHERE bucket >= $1 AND bucket < $2`,
    [from, to]
  );
  return rows[0]!;
}

/** GET /api/monitoring/metrics: the original design's summary, read from rollups. */
export async function monitoringMetrics(pool: Pool, health: HealthReporter, opts: { period: Period; details: boolean; nowMs?: number }) {
  const nowMs = opts.nowMs ?? Date.now();
  const window = periodWindow(opts.period, nowMs);
  const end = new Date(nowMs + window.bucketMs);
  const current = await totals(pool, window.table, window.from, end);
  const previous = await totals(pool, window.table, window.previousFrom, window.from);
  const { rows: active } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM workflows WHERE deleted_at IS NULL AND enabled`);
  const { rows: hourly } = await pool.query<{ hour: number; n: number }>(
    `SELECT extract(hour FROM bucket AT TIME ZONE 'UTC')::int AS hour, sum(executions)::int AS n
       FROM ${window.table} WHERE bucket >= $1 AND bucket < $2 GROUP BY 1`,
    [window.from, end]
  );
  const hourlyPattern = Array.from({ length: 24 }, () => 0);
  for (const h of hourly) {
    hourlyPattern[h.hour] = h.n;
  }
  const report = await health.report();
  const alerts = await alertSummary(pool, window.from);

  let workflows: unknown[] | undefined;
  if (opts.details) {
    // Aggregate the rollups first, then look up each workflow's last execution once (a lateral
    // join inside the GROUP BY would run once per rollup row).
    const { rows } = await pool.query<Totals & { workflow_id: string; name: string | null; min: number | null; max: number | null; last_started: Date | null; last_status: string | null }>(
      `SELECT g.*, w.name, le.started_at AS last_started, le.status AS last_status
         FROM (SELECT r.workflow_id, sum(r.executions)::int AS executions, sum(r.successes)::int AS successes,
                      sum(r.degraded)::int AS degraded, sum(r.failures)::int AS failures, sum(r.duration_sum)::bigint AS duration_sum,
                      min(r.duration_min) AS min, max(r.duration_max) AS max
                 FROM ${window.table} r WHERE r.bucket >= $1 AND r.bucket < $2 GROUP BY r.workflow_id) g
         LEFT JOIN workflows w ON w.id = g.workflow_id
         LEFT JOIN LATERAL (SELECT e.started_at, e.status FROM executions e WHERE e.workflow_id = g.workflow_id ORDER BY e.started_at DESC LIMIT 1) le ON true
        ORDER BY g.workflow_id`,
      [window.from, end]
    );
    workflows = rows.map((r) => ({
      workflowId: r.workflow_id,
      name: r.name ?? r.workflow_id,
      executions: r.executions,
      successes: r.successes + r.degraded,
      failures: r.failures,
      successRate: successRate(r),
      minDuration: r.min,
      maxDuration: r.max,
      averageDuration: averageDuration(r),
      lastExecution: r.last_started ? r.last_started.toISOString() : null,
      lastStatus: r.last_status,
    }));
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
        activeWorkflows: active[0]!.n,
      },
      ...(workflows ? { workflows } : {}),
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
        hourlyPattern,
      },
      alerts: { total: alerts.total, bySeverity: alerts.bySeverity, active: alerts.active, recent: alerts.recent },
    },
  };
}
