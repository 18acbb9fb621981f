import type { Pool } from '../db/pool';

export interface AlertSummary {
  total: number;
  active: number;
  critical: number;
  bySeverity: { info: number; warning: number; error: number; critical: number };
  recent: Array<Record<string, unknown>>;
}

const EMPTY: AlertSummary = { total: 0, active: 0, critical: 0, bySeverity: { info: 0, warning: 0, error: 0, critical: 0 }, recent: [] };

/** Alert figures for the metrics summary (the `alerts` table exists from migration 0010 on). */
export async function alertSummary(pool: Pool, from: Date): Promise<AlertSummary> {
  const { rows } = await pool.query<{ severity: string; state: string; n: number }>(
    `SELECT severity, state, count(*)::int AS n FROM alerts WHERE opened_at >= $1 OR state <> 'resolved' GROUP BY 1, 2`,
    [from]
  );
  const summary: AlertSummary = { ...EMPTY, bySeverity: { ...EMPTY.bySeverity }, recent: [] };
  for (const r of rows) {
    summary.total += r.n;
    if (r.severity in summary.bySeverity) {
      summary.bySeverity[r.severity as keyof AlertSummary['bySeverity']] += r.n;
    }
    if (r.state === 'active' || r.state === 'acknowledged') {
      summary.active += r.n;
      if (r.severity === 'critical') {
        summary.critical += r.n;
      }
    }
  }
  const { rows: recent } = await pool.query(
    `SELECT id, workflow_id AS "workflowId", severity, state, title, opened_at AS "openedAt" FROM alerts ORDER BY opened_at DESC LIMIT 5`
  );
  summary.recent = recent;
  return summary;
}
