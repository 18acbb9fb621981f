import type { Pool, PoolClient } from '../db/pool';
import type { AnomalySample } from './anomaly';
import type { SloFacts } from './ruleFacts';

/** Figures over one window of a workflow's executions (rates in percent, like the metrics API). */
export interface WindowStats {
  executions: number;
  successes: number;
  failures: number;
  degraded: number;
  successRate: number | null;
  failureRate: number | null;
  durationAvg: number | null;
  durationMax: number | null;
  durationP95: number | null;
  attempts: number;
  retries: number;
}

export interface RecentExecution {
  id: number;
  status: 'success' | 'degraded' | 'failed';
  trigger: string;
  startedAt: Date;
  durationMs: number;
  attempts: number;
  retries: number;
  errorType?: string;
  errorMessage?: string;
  /** Step timings and errors (only loaded for the latest execution). */
  steps: Array<{ name: string; status: string; durationMs: number; errorMessage?: string }>;
}

/** The newest certificate a workflow's HTTPS attempts recorded (the soonest to expire, when its steps saw several). */
export interface LatestCertificate {
  executionId: number;
  step: string;
  subject: string;
  issuer: string;
  validTo: Date;
}

export interface WorkflowFacts {
  workflow: { id: string; name: string; critical: boolean; labels: Record<string, string> };
  /**
   * Only with `certificates` asked for, and only for a workflow that checks certificates (a step asserts
   * on tls.*, or tlsExpiryAlert: true): its latest certificate, null when none was recorded lately.
   */
  certificate?: LatestCertificate | null;
  /** Keyed by window length in milliseconds. */
  windows: Map<number, WindowStats>;
  /** Newest first, at most `recentLimit`. */
  recent: RecentExecution[];
  /** Burn rates for burn-rate rules (ruleFacts.ts); absent when the workflow declares no SLO. */
  slo?: SloFacts;
  /** Current window and weekly baseline for anomaly rules, by anomalyKey (ruleFacts.ts). */
  anomaly?: Map<string, AnomalySample>;
}

export interface FactsRequest {
  windowsMs: number[];
  recentLimit: number;
  /** Load each workflow's latest certificate (a certificate_expiry rule is enabled). */
  certificates?: boolean;
}

/** How many of a workflow's latest executions are searched for a recorded certificate. */
export const CERTIFICATE_LOOKBACK_EXECUTIONS = 10;

interface Row {
  workflow_id: string;
  location: string | null;
  name: string;
  critical: boolean;
  labels: Record<string, string>;
  windows: Array<{ w: number; n: number; ok: number; failed: number; degraded: number; avg: number | null; max: number | null; p95: number | null; attempts: number; retries: number }>;
  recent: Array<{ id: number; status: RecentExecution['status']; trigger: string; started_at: string; duration_ms: number; attempts: number; retries: number; error_type: string | null; error_message: string | null; steps: RecentExecution['steps'] | null }> | null;
  checks_tls: boolean | null;
  certificate: { execution_id: number; step: string; subject: string; issuer: string; valid_to: string } | null;
}

function toStats(w: Row['windows'][number] | undefined): WindowStats {
  const n = w?.n ?? 0;
  const pct = (x: number) => (n === 0 ? null : Math.round((x * 10_000) / n) / 100);
  return {
    executions: n,
    successes: w?.ok ?? 0,
    failures: w?.failed ?? 0,
    degraded: w?.degraded ?? 0,
    successRate: pct((w?.ok ?? 0) + (w?.degraded ?? 0)),
    failureRate: pct(w?.failed ?? 0),
    durationAvg: w?.avg ?? null,
    durationMax: w?.max ?? null,
    durationP95: w?.p95 ?? null,
    attempts: w?.attempts ?? 0,
    retries: w?.retries ?? 0,
  };
}

/**
 * The facts statement: per-window figures for each distinct window the rules ask for, the latest
 * executions (for consecutive failures, patterns and the latest execution's timings) and, when
 * asked ($4), the latest recorded certificate. Windows read the (workflow_id, started_at) index.
 * `byLocation`: one row per (workflow, location it lists), each over that location's executions
 * only (the (workflow_id, location, started_at) index); workflows without locations are left out.
 */
function factsSql(byLocation: boolean): string {
  const here = byLocation ? ' AND e.location = loc.name' : '';
  const hereX = byLocation ? ' AND x.location = loc.name' : '';
  return `SELECT w.id AS workflow_id, w.name, w.critical, w.labels, ${byLocation ? 'loc.name' : 'NULL::text'} AS location,
            coalesce((SELECT json_agg(s) FROM (
               SELECT win.ms AS w, count(e.id)::int AS n,
                      count(e.id) FILTER (WHERE e.status = 'success')::int AS ok,
                      count(e.id) FILTER (WHERE e.status = 'failed')::int AS failed,
                      count(e.id) FILTER (WHERE e.status = 'degraded')::int AS degraded,
                      round(avg(e.duration_ms), 2)::float8 AS avg, max(e.duration_ms)::float8 AS max,
                      percentile_cont(0.95) WITHIN GROUP (ORDER BY e.duration_ms)::float8 AS p95,
                      coalesce(sum(e.attempts), 0)::int AS attempts, coalesce(sum(e.retries), 0)::int AS retries
                 FROM unnest($2::int[]) AS win(ms)
                 LEFT JOIN executions e ON e.workflow_id = w.id${here} AND e.started_at > now() - make_interval(secs => win.ms / 1000.0)
                GROUP BY win.ms) s), '[]'::json) AS windows,
            (SELECT json_agg(r ORDER BY r.started_at DESC) FROM (
               SELECT e.id, e.status, e.trigger, e.started_at, e.duration_ms, e.attempts, e.retries, e.error_type, e.error_message,
                      CASE WHEN e.id = (SELECT max(id) FROM executions x WHERE x.workflow_id = w.id${hereX}) THEN
                        (SELECT json_agg(json_build_object('name', st.name, 'status', st.status, 'durationMs', st.duration_ms, 'errorMessage', st.error_message) ORDER BY st.position)
                           FROM execution_steps st WHERE st.execution_id = e.id) END AS steps
                 FROM executions e WHERE e.workflow_id = w.id${here}
                ORDER BY e.started_at DESC LIMIT $3) r) AS recent,
            tls.checks AS checks_tls,
            CASE WHEN tls.checks THEN (
              SELECT json_build_object('execution_id', a.execution_id, 'step', st.name, 'subject', a.tls->>'subject',
                                       'issuer', a.tls->>'issuer', 'valid_to', a.tls->>'validTo')
                FROM (SELECT id FROM executions x WHERE x.workflow_id = w.id${hereX} ORDER BY x.started_at DESC LIMIT ${CERTIFICATE_LOOKBACK_EXECUTIONS}) e
                JOIN step_attempts a ON a.execution_id = e.id AND a.tls IS NOT NULL
                JOIN execution_steps st ON st.execution_id = a.execution_id AND st.position = a.step_position
               ORDER BY a.execution_id DESC, (a.tls->>'validTo')::timestamptz ASC
               LIMIT 1) END AS certificate
       FROM workflows w${byLocation ? ' CROSS JOIN LATERAL unnest(w.locations) AS loc(name)' : ''}
       -- A workflow checks certificates when it says so (tlsExpiryAlert) or, unset, when a step asserts on tls.*.
       CROSS JOIN LATERAL (SELECT $4::boolean AND coalesce(CASE WHEN jsonb_typeof(w.definition->'tlsExpiryAlert') = 'boolean' THEN (w.definition->>'tlsExpiryAlert')::boolean END, EXISTS (
                  SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(w.definition->'steps') = 'array' THEN w.definition->'steps' ELSE '[]' END) step,
                                jsonb_array_elements_text(CASE WHEN jsonb_typeof(step->'assert') = 'array' THEN step->'assert' ELSE '[]' END) assertion
                   WHERE assertion ~ '^\s*tls\.')) AS checks) tls
      WHERE w.deleted_at IS NULL AND ($1::text[] IS NULL OR w.id = ANY($1))`;
}

const FACTS_SQL = factsSql(false);
const LOCATION_FACTS_SQL = factsSql(true);

function toFacts(row: Row, windows: number[]): WorkflowFacts {
  const byWindow = new Map<number, WindowStats>();
  for (const ms of windows) {
    byWindow.set(ms, toStats(row.windows.find((w) => Number(w.w) === ms)));
  }
  return {
    workflow: { id: row.workflow_id, name: row.name, critical: row.critical, labels: row.labels ?? {} },
    ...(row.checks_tls
      ? {
          certificate: row.certificate
            ? { executionId: Number(row.certificate.execution_id), step: row.certificate.step, subject: row.certificate.subject, issuer: row.certificate.issuer, validTo: new Date(row.certificate.valid_to) }
            : null,
        }
      : {}),
    windows: byWindow,
    recent: (row.recent ?? []).map((r) => ({
      id: Number(r.id),
      status: r.status,
      trigger: r.trigger,
      startedAt: new Date(r.started_at),
      durationMs: r.duration_ms,
      attempts: r.attempts,
      retries: r.retries,
      ...(r.error_type ? { errorType: r.error_type } : {}),
      ...(r.error_message ? { errorMessage: r.error_message } : {}),
      steps: (r.steps ?? []).map((s) => ({ name: s.name, status: s.status, durationMs: s.durationMs, ...(s.errorMessage ? { errorMessage: s.errorMessage } : {}) })),
    })),
  };
}

const factsParams = (workflowIds: string[] | 'all', windows: number[], req: FactsRequest) => [
  workflowIds === 'all' ? null : workflowIds,
  windows,
  Math.max(1, req.recentLimit),
  req.certificates === true,
];

/** Everything the rules need about a set of workflows, in one statement (factsSql). */
export async function loadWorkflowFacts(db: Pool | PoolClient, workflowIds: string[] | 'all', req: FactsRequest): Promise<Map<string, WorkflowFacts>> {
  const windows = [...new Set(req.windowsMs)].sort((a, b) => a - b);
  const { rows } = await db.query<Row>(FACTS_SQL, factsParams(workflowIds, windows, req));
  return new Map(rows.map((row) => [row.workflow_id, toFacts(row, windows)]));
}

/**
 * The same facts per location, for the workflows that list locations: workflow id → location →
 * facts over that location's executions only (quorum rules judge each location on its own).
 */
export async function loadLocationFacts(db: Pool | PoolClient, workflowIds: string[] | 'all', req: FactsRequest): Promise<Map<string, Map<string, WorkflowFacts>>> {
  const windows = [...new Set(req.windowsMs)].sort((a, b) => a - b);
  const { rows } = await db.query<Row>(LOCATION_FACTS_SQL, factsParams(workflowIds, windows, req));
  const facts = new Map<string, Map<string, WorkflowFacts>>();
  for (const row of rows) {
    let byLocation = facts.get(row.workflow_id);
    if (!byLocation) {
      byLocation = new Map();
      facts.set(row.workflow_id, byLocation);
    }
    byLocation.set(row.location!, toFacts(row, windows));
  }
  return facts;
}
