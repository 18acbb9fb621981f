import type { Pool, PoolClient } from '../db/pool';
import { NotFoundError } from '../errors/errors';
import { ALERT_STATE, type AlertState } from '../model/alertStates';
import type { Severity } from './ruleSchema';

/**
 * Reads of `alerts` and `alert_events`, and their API shapes. Writes are transitions and live in
 * alertLifecycle.ts. "Open" is `state <> 'resolved'`, spelled as the partial indexes spell it.
 */
export interface AlertRow {
  id: number;
  fingerprint: string;
  rule_id: string;
  workflow_id: string;
  severity: Severity;
  state: AlertState;
  title: string;
  message: string;
  value: number | null;
  labels: Record<string, string>;
  count: number;
  opened_at: Date;
  last_seen_at: Date;
  acknowledged_by: string | null;
  acknowledged_at: Date | null;
  ack_expires_at: Date | null;
  resolved_by: string | null;
  resolved_at: Date | null;
  policy_id: string | null;
  tier: number;
  reminders: number;
  next_action_at: Date | null;
  flapping: boolean;
  escalation_from: Date | null;
  /** Quorum rules: the locations the condition held in at the last verdict. */
  failing_locations: string[] | null;
}

interface AlertEventRow {
  id: number;
  at: Date;
  type: string;
  from_state: string | null;
  to_state: string | null;
  actor: string;
  comment: string | null;
}

const OPEN = `state <> '${ALERT_STATE.resolved}'`;

export interface AlertFilter {
  states?: string[];
  severities?: string[];
  workflowId?: string;
  ruleId?: string;
  from?: Date;
  to?: Date;
  /** Only alerts with a lower id (the previous page's last). */
  beforeId?: string;
  limit: number;
}

/** Newest first. */
export async function listAlerts(db: Pool | PoolClient, f: AlertFilter): Promise<AlertRow[]> {
  const { rows } = await db.query<AlertRow>(
    `SELECT * FROM alerts
      WHERE ($1::text[] IS NULL OR state = ANY($1)) AND ($2::text[] IS NULL OR severity = ANY($2))
        AND ($3::text IS NULL OR workflow_id = $3) AND ($4::text IS NULL OR rule_id = $4)
        AND ($5::timestamptz IS NULL OR opened_at >= $5) AND ($6::timestamptz IS NULL OR opened_at <= $6)
        AND ($7::bigint IS NULL OR id < $7)
      ORDER BY id DESC LIMIT $8`,
    [f.states ?? null, f.severities ?? null, f.workflowId ?? null, f.ruleId ?? null, f.from ?? null, f.to ?? null, f.beforeId ?? null, f.limit]
  );
  return rows;
}

export async function getAlert(db: Pool | PoolClient, id: number): Promise<AlertRow> {
  const { rows } = await db.query<AlertRow>('SELECT * FROM alerts WHERE id = $1', [id]);
  if (!rows[0]) {
    throw new NotFoundError(`alert ${id} does not exist`);
  }
  return rows[0];
}

/** The alert, locked for the caller's transaction. */
export async function lockAlert(client: PoolClient, id: number): Promise<AlertRow> {
  const { rows } = await client.query<AlertRow>('SELECT * FROM alerts WHERE id = $1 FOR UPDATE', [id]);
  if (!rows[0]) {
    throw new NotFoundError(`alert ${id} does not exist`);
  }
  return rows[0];
}

/** The open alert of this fingerprint (at most one: alerts_open_fingerprint_uniq), locked. */
export async function lockOpenAlert(client: PoolClient, fingerprint: string): Promise<AlertRow | undefined> {
  const { rows } = await client.query<AlertRow>(`SELECT * FROM alerts WHERE fingerprint = $1 AND ${OPEN} FOR UPDATE`, [fingerprint]);
  return rows[0];
}

/** Fingerprints of the open alerts of these workflows ('all': of every workflow). */
export async function openFingerprints(db: Pool | PoolClient, workflowIds: string[] | 'all'): Promise<Set<string>> {
  const { rows } = await db.query<{ fingerprint: string }>(
    `SELECT fingerprint FROM alerts WHERE ${OPEN} AND ($1::text[] IS NULL OR workflow_id = ANY($1))`,
    [workflowIds === 'all' ? null : workflowIds]
  );
  return new Set(rows.map((r) => r.fingerprint));
}

export async function listOpenAlerts(db: Pool | PoolClient): Promise<AlertRow[]> {
  const { rows } = await db.query<AlertRow>(`SELECT * FROM alerts WHERE ${OPEN}`);
  return rows;
}

/** Open alerts no other replica holds, locked for the caller's transaction (the silence sweep). */
export async function lockOpenAlerts(client: PoolClient): Promise<AlertRow[]> {
  const { rows } = await client.query<AlertRow>(`SELECT * FROM alerts WHERE ${OPEN} FOR UPDATE SKIP LOCKED`);
  return rows;
}

/** Open alerts whose next escalation step is due, claimed for the caller's transaction. */
export async function claimDueAlerts(client: PoolClient, limit: number): Promise<AlertRow[]> {
  const { rows } = await client.query<AlertRow>(
    `SELECT * FROM alerts WHERE ${OPEN} AND next_action_at <= now() ORDER BY next_action_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit]
  );
  return rows;
}

/** Whether an alert of this fingerprint was resolved after `since` (a rule's cooldown). */
export async function resolvedSince(db: Pool | PoolClient, fingerprint: string, since: Date): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM alerts WHERE fingerprint = $1 AND resolved_at > $2 LIMIT 1', [fingerprint, since]);
  return Boolean(rowCount);
}

/** Opens and resolves of this fingerprint since `since`, and whether one of them was flapping. */
export async function flapHistory(db: Pool | PoolClient, fingerprint: string, since: Date): Promise<{ changes: number; wasFlapping: boolean }> {
  const { rows } = await db.query<{ changes: number; was_flapping: boolean }>(
    `SELECT (count(*) FILTER (WHERE opened_at > $2) + count(*) FILTER (WHERE resolved_at > $2))::int AS changes,
            coalesce(bool_or(flapping) FILTER (WHERE opened_at > $2), false) AS was_flapping
       FROM alerts WHERE fingerprint = $1 AND (opened_at > $2 OR resolved_at > $2)`,
    [fingerprint, since]
  );
  return { changes: rows[0]?.changes ?? 0, wasFlapping: rows[0]?.was_flapping ?? false };
}

/** Open alerts counted by state and severity (the `workflow_monitor_alerts_open` gauge). */
export async function countOpenAlerts(db: Pool | PoolClient): Promise<Array<{ state: AlertState; severity: Severity; n: number }>> {
  const { rows } = await db.query<{ state: AlertState; severity: Severity; n: number }>(`SELECT state, severity, count(*)::int AS n FROM alerts WHERE ${OPEN} GROUP BY 1, 2`);
  return rows;
}

/** The names notifications show; the ids when the rule or workflow is gone. */
export async function alertNames(db: Pool | PoolClient, alert: Pick<AlertRow, 'rule_id' | 'workflow_id'>): Promise<{ ruleName: string; workflowName: string }> {
  const { rows } = await db.query<{ rule_name: string | null; workflow_name: string | null }>(
    'SELECT (SELECT name FROM alert_rules WHERE id = $1) AS rule_name, (SELECT name FROM workflows WHERE id = $2) AS workflow_name',
    [alert.rule_id, alert.workflow_id]
  );
  return { ruleName: rows[0]?.rule_name ?? alert.rule_id, workflowName: rows[0]?.workflow_name ?? alert.workflow_id };
}

export async function listAlertEvents(db: Pool | PoolClient, alertId: number): Promise<AlertEventRow[]> {
  const { rows } = await db.query<AlertEventRow>('SELECT id, at, type, from_state, to_state, actor, comment FROM alert_events WHERE alert_id = $1 ORDER BY at, id', [alertId]);
  return rows;
}

export function alertForApi(r: AlertRow) {
  const t = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: Number(r.id),
    fingerprint: r.fingerprint,
    ruleId: r.rule_id,
    workflowId: r.workflow_id,
    severity: r.severity,
    state: r.state,
    title: r.title,
    message: r.message,
    value: r.value,
    labels: r.labels,
    count: r.count,
    openedAt: r.opened_at.toISOString(),
    lastSeenAt: r.last_seen_at.toISOString(),
    acknowledgedBy: r.acknowledged_by,
    acknowledgedAt: t(r.acknowledged_at),
    acknowledgementExpiresAt: t(r.ack_expires_at),
    resolvedBy: r.resolved_by,
    resolvedAt: t(r.resolved_at),
    tier: r.tier,
    flapping: r.flapping,
    ...(r.failing_locations ? { failingLocations: r.failing_locations } : {}),
  };
}

export function alertEventForApi(e: AlertEventRow) {
  return { id: Number(e.id), at: e.at.toISOString(), type: e.type, fromState: e.from_state, toState: e.to_state, user: e.actor, comment: e.comment };
}
