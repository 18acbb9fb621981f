import type { PoolClient } from '../db/pool';
import { ConflictError } from '../errors/errors';
import { ALERT_EVENT_TYPE, ALERT_STATE, OPEN_ALERT_STATES, type AlertEventType, type AlertState } from '../model/alertStates';
import type { NotificationKind, NotificationPayload } from '../notify/notificationMessage';
import { enqueueNotifications, notifiedChannels } from '../notify/notificationStore';
import { alertNames, flapHistory, lockAlert, lockOpenAlert, resolvedSince, type AlertRow } from './alertStore';
import type { Verdict } from './evaluateCondition';
import type { EscalationPolicy } from './policyStore';
import type { Rule } from './ruleSchema';
import { silencedBy, type Silence } from './silences';

/**
 * The alert state machine: every change of an alert's state (open, acknowledge, unacknowledge,
 * acknowledgement expiry, suppress, unsuppress, resolve) and the escalation it drives, each with
 * its `alert_events` row and the notifications it queues, in the caller's transaction. States are
 * interpolated as literals: the open-fingerprint index is `WHERE state <> 'resolved'`, and
 * `ON CONFLICT … WHERE` must repeat that predicate to use it.
 */
const { active, acknowledged, suppressed, resolved } = ALERT_STATE;
const E = ALERT_EVENT_TYPE;

type Policy = Pick<EscalationPolicy, 'tiers' | 'reminderMs' | 'reminderMax'>;

export interface RuleContext {
  rule: Pick<Rule, 'id' | 'name' | 'severity' | 'cooldown' | 'flapping'>;
  policy: Policy;
  workflowName: string;
}

/** What escalating an alert needs to know besides the alert. */
export interface EscalationContext {
  policy: Policy;
  ruleName: string;
  workflowName: string;
  flapWindowMs: number;
}

/** Notifications queued by a change; the caller wakes the delivery worker after commit. */
export interface ChangeOutcome {
  queued: number;
  opened?: number;
  resolved?: number;
}

export const fingerprintOf = (ruleId: string, workflowId: string) => `${ruleId}:${workflowId}`;

async function addEvent(client: PoolClient, alertId: number, type: AlertEventType, from: AlertState | null, to: AlertState | null, actor: string, comment?: string | null): Promise<void> {
  await client.query('INSERT INTO alert_events (alert_id, type, from_state, to_state, actor, comment) VALUES ($1, $2, $3, $4, $5, $6)', [alertId, type, from, to, actor, comment ?? null]);
}

function payloadOf(alert: AlertRow, ctx: { ruleName: string; workflowName: string }, kind: NotificationKind, note?: string): NotificationPayload {
  return {
    kind,
    ...(note ? { note } : {}),
    alert: {
      id: alert.id,
      fingerprint: alert.fingerprint,
      title: alert.title,
      message: alert.message,
      severity: alert.severity,
      state: alert.state,
      workflowId: alert.workflow_id,
      workflowName: ctx.workflowName,
      ruleId: alert.rule_id,
      ruleName: ctx.ruleName,
      ...(alert.value !== null ? { value: alert.value } : {}),
      count: alert.count,
      labels: alert.labels,
      ...(alert.failing_locations ? { failingLocations: alert.failing_locations } : {}),
      openedAt: alert.opened_at.toISOString(),
      ...(alert.resolved_at ? { resolvedAt: alert.resolved_at.toISOString() } : {}),
      ...(alert.acknowledged_by ? { acknowledgedBy: alert.acknowledged_by } : {}),
      tier: alert.tier,
    },
  };
}

async function notify(client: PoolClient, alert: AlertRow, names: { ruleName: string; workflowName: string }, channels: string[], kind: NotificationKind, key: string, note?: string): Promise<number> {
  const { queued, skipped } = await enqueueNotifications(client, { alertId: alert.id, channelIds: channels, kind, keyBase: `alert:${alert.id}:${key}`, payload: payloadOf(alert, names, kind, note) });
  if (skipped.length > 0) {
    await addEvent(client, alert.id, E.notificationSkipped, null, null, 'system', `channel${skipped.length > 1 ? 's' : ''} ${skipped.join(', ')} missing or disabled`);
  }
  return queued.length;
}

function tierChannels(policy: Policy, upTo: number): string[] {
  return [...new Set(policy.tiers.slice(0, upTo + 1).flatMap((t) => t.channels))];
}

/**
 * acknowledged → active, the acknowledgement cleared (it expired, or was taken back). Returns the
 * acknowledgement as it was; the row in memory is updated.
 */
async function clearAcknowledgement(client: PoolClient, alert: AlertRow, type: AlertEventType, actor: string, comment?: string): Promise<Pick<AlertRow, 'acknowledged_by' | 'acknowledged_at'>> {
  const was = { acknowledged_by: alert.acknowledged_by, acknowledged_at: alert.acknowledged_at };
  await client.query(`UPDATE alerts SET state = '${active}', ack_expires_at = NULL, acknowledged_at = NULL, acknowledged_by = NULL WHERE id = $1`, [alert.id]);
  await addEvent(client, alert.id, type, acknowledged, active, actor, comment);
  Object.assign(alert, { state: active, ack_expires_at: null, acknowledged_at: null, acknowledged_by: null });
  return was;
}

/**
 * Moves an alert's escalation forward to `now`: an expired acknowledgement returns it to
 * `active`; tiers whose delay has passed are notified (each once, by idempotency key); reminders
 * go to every tier reached so far. Sets next_action_at to when there will next be something to do.
 */
export async function advanceEscalation(client: PoolClient, alert: AlertRow, ctx: EscalationContext, now: Date): Promise<number> {
  let queued = 0;
  const nm = { ruleName: ctx.ruleName, workflowName: ctx.workflowName };
  if (alert.state === acknowledged) {
    if (alert.ack_expires_at && alert.ack_expires_at <= now) {
      const by = alert.acknowledged_by ?? 'someone';
      const was = await clearAcknowledgement(client, alert, E.acknowledgementExpired, 'system', `acknowledgement by ${by} expired; escalation resumes`);
      // The notice still says who had acknowledged it.
      queued += await notify(client, { ...alert, ...was }, nm, tierChannels(ctx.policy, Math.max(alert.tier, 0)), 'acknowledgement_expired', `ackexp:${was.acknowledged_at?.getTime() ?? 0}`,
        `Acknowledged by ${by} but not resolved in time; escalation resumes.`);
    } else {
      await client.query('UPDATE alerts SET next_action_at = $2 WHERE id = $1', [alert.id, alert.ack_expires_at]);
      return queued;
    }
  }
  if (alert.state !== active) {
    await client.query('UPDATE alerts SET next_action_at = NULL WHERE id = $1', [alert.id]);
    return queued;
  }
  if (alert.flapping) {
    const calmAt = new Date(alert.opened_at.getTime() + ctx.flapWindowMs);
    if (now < calmAt) {
      await client.query('UPDATE alerts SET next_action_at = $2 WHERE id = $1', [alert.id, calmAt]);
      return queued;
    }
    // Still open a whole flapping window later: it is a real failure, page as usual.
    alert.flapping = false;
    await client.query('UPDATE alerts SET flapping = false WHERE id = $1', [alert.id]);
    await addEvent(client, alert.id, E.flappingEnded, null, null, 'system', 'still firing after the flapping window; escalating normally');
  }
  const anchor = (alert.escalation_from ?? alert.opened_at).getTime();
  const tiers = ctx.policy.tiers;
  let tier = alert.tier;
  for (let i = tier + 1; i < tiers.length; i += 1) {
    if (anchor + tiers[i]!.afterMs > now.getTime()) {
      break;
    }
    tier = i;
    alert.tier = i;
    queued += await notify(client, alert, nm, tiers[i]!.channels, i === 0 ? 'firing' : 'escalation', `tier:${i}`, i === 0 ? undefined : `Not acknowledged within ${Math.round(tiers[i]!.afterMs / 1000)} s: escalated to tier ${i + 1}.`);
    if (i > 0) {
      await addEvent(client, alert.id, E.escalated, null, null, 'system', `tier ${i + 1}: ${tiers[i]!.channels.join(', ')}`);
    }
  }
  let reminders = alert.reminders;
  let nextReminder: number | undefined;
  if (ctx.policy.reminderMs && tier >= 0) {
    const due = (n: number) => anchor + ctx.policy.reminderMs! * n;
    const allowed = (n: number) => ctx.policy.reminderMax === undefined || n <= ctx.policy.reminderMax;
    if (allowed(reminders + 1) && due(reminders + 1) <= now.getTime()) {
      // However long we were away, one reminder now; the next one an interval later.
      reminders = Math.max(reminders + 1, Math.floor((now.getTime() - anchor) / ctx.policy.reminderMs));
      if (ctx.policy.reminderMax !== undefined) {
        reminders = Math.min(reminders, ctx.policy.reminderMax);
      }
      queued += await notify(client, alert, nm, tierChannels(ctx.policy, tier), 'reminder', `reminder:${reminders}`, `Still firing (reminder ${reminders}).`);
    }
    if (allowed(reminders + 1)) {
      nextReminder = due(reminders + 1);
    }
  }
  const nextTier = tier + 1 < tiers.length ? anchor + tiers[tier + 1]!.afterMs : undefined;
  const candidates = [nextTier, nextReminder].filter((t): t is number => t !== undefined);
  const next = candidates.length > 0 ? new Date(Math.min(...candidates)) : null;
  await client.query('UPDATE alerts SET tier = $2, reminders = $3, next_action_at = $4 WHERE id = $1', [alert.id, tier, reminders, next]);
  return queued;
}

/**
 * Applies a verdict for one (rule, workflow): opens an alert (or updates the open one) when
 * firing, resolves it when clear. Runs in the caller's transaction.
 */
export async function applyVerdict(
  client: PoolClient,
  opts: {
    ctx: RuleContext;
    workflowId: string;
    labels: Record<string, string>;
    verdict: Verdict;
    /** Quorum rules: the locations the condition holds in (kept on the alert, in its notifications). */
    failingLocations?: string[];
    trigger: 'execution' | 'timer';
    /** Executions this verdict covers (an open alert's count grows by this). */
    repeats: number;
    silences: Silence[];
    now: Date;
  }
): Promise<ChangeOutcome> {
  const { ctx, workflowId, verdict, now } = opts;
  const fingerprint = fingerprintOf(ctx.rule.id, workflowId);
  if (verdict.state === 'unknown') {
    return { queued: 0 };
  }
  const current = await lockOpenAlert(client, fingerprint);
  if (verdict.state === 'clear') {
    if (!current) {
      return { queued: 0 };
    }
    const queued = await resolve(client, current, { actor: 'system', comment: `condition cleared: ${verdict.message}`, names: { ruleName: ctx.rule.name, workflowName: ctx.workflowName }, now });
    return { queued, resolved: current.id };
  }
  if (current) {
    await client.query(
      `UPDATE alerts SET count = count + $2, last_seen_at = $3, message = $4, value = $5, failing_locations = coalesce($6, failing_locations) WHERE id = $1`,
      [current.id, opts.repeats, now, verdict.message, verdict.value ?? null, opts.failingLocations ?? null]
    );
    return { queued: 0 };
  }
  if (ctx.rule.cooldown > 0 && (await resolvedSince(client, fingerprint, new Date(now.getTime() - ctx.rule.cooldown)))) {
    return { queued: 0 };
  }
  const silence = silencedBy(opts.silences, { workflowId, labels: opts.labels, severity: ctx.rule.severity }, now);
  const title = `${ctx.rule.name}: ${ctx.workflowName}`;
  // Flapping: too many opens and resolves of this fingerprint inside the window.
  const history = await flapHistory(client, fingerprint, new Date(now.getTime() - ctx.rule.flapping.window));
  const changes = history.changes + 1;
  const flapping = changes > ctx.rule.flapping.threshold;
  const state: AlertState = silence ? suppressed : active;
  const { rows: inserted } = await client.query<AlertRow>(
    `INSERT INTO alerts (fingerprint, rule_id, workflow_id, severity, state, title, message, value, labels, opened_at, last_seen_at, flapping, escalation_from, count, failing_locations)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, greatest($13, 1), $14)
     ON CONFLICT (fingerprint) WHERE state <> '${resolved}' DO NOTHING
     RETURNING *`,
    [fingerprint, ctx.rule.id, workflowId, ctx.rule.severity, state, title, verdict.message, verdict.value ?? null, JSON.stringify(opts.labels), now, flapping, silence ? null : now, opts.repeats, opts.failingLocations ?? null]
  );
  const alert = inserted[0];
  if (!alert) {
    // Another replica opened it a moment ago.
    return { queued: 0 };
  }
  await addEvent(client, alert.id, E.opened, null, state, 'system', silence ? `${verdict.message} (silenced by silence #${silence.id})` : verdict.message);
  let queued = 0;
  const nm = { ruleName: ctx.rule.name, workflowName: ctx.workflowName };
  if (flapping && !history.wasFlapping && !silence) {
    await addEvent(client, alert.id, E.flapping, null, null, 'system', `${changes} state changes within ${Math.round(ctx.rule.flapping.window / 60_000)} min; further opens and resolves are not notified until it settles`);
    queued += await notify(client, alert, nm, tierChannels(ctx.policy, 0), 'flapping', 'flapping',
      `Flapping: ${changes} state changes within ${Math.round(ctx.rule.flapping.window / 60_000)} minutes. Individual changes are not notified until it settles.`);
  }
  if (!silence) {
    queued += await advanceEscalation(client, alert, { policy: ctx.policy, ...nm, flapWindowMs: ctx.rule.flapping.window }, now);
  }
  return { queued, opened: alert.id };
}

/** Resolves an open alert and sends a resolved notice to every channel that heard about it. */
export async function resolve(client: PoolClient, alert: AlertRow, opts: { actor: string; comment?: string; names?: { ruleName: string; workflowName: string }; now: Date }): Promise<number> {
  const { rows } = await client.query<AlertRow>(
    `UPDATE alerts SET state = '${resolved}', resolved_at = $2, resolved_by = $3, next_action_at = NULL WHERE id = $1 AND state <> '${resolved}' RETURNING *`,
    [alert.id, opts.now, opts.actor]
  );
  const after = rows[0];
  if (!after) {
    return 0;
  }
  await addEvent(client, alert.id, E.resolved, alert.state, resolved, opts.actor, opts.comment);
  if (alert.flapping) {
    return 0;
  }
  const channels = await notifiedChannels(client, alert.id);
  return notify(client, after, opts.names ?? (await alertNames(client, alert)), channels, 'resolved', 'resolved',
    opts.actor === 'system' ? 'The condition cleared.' : `Resolved by ${opts.actor}${opts.comment ? `: ${opts.comment}` : ''}.`);
}

function invalid(alert: AlertRow, action: string, allowed: AlertState[]): ConflictError {
  return new ConflictError(
    `cannot ${action} alert ${alert.id}: it is ${alert.state} (${action} needs ${allowed.join(' or ')})`,
    { currentState: alert.state, allowedFrom: allowed },
    'invalid_transition'
  );
}

export type Transition = 'acknowledge' | 'unacknowledge' | 'resolve';

/** A person's action on an alert (from the API); invalid from the current state → 409. */
export async function transition(
  client: PoolClient,
  id: number,
  action: Transition,
  opts: { user: string; comment?: string; timeoutMs?: number; policyOf: (alert: AlertRow) => Promise<EscalationContext>; now: Date }
): Promise<number> {
  const alert = await lockAlert(client, id);
  const { user, comment, now } = opts;
  switch (action) {
    case 'acknowledge': {
      if (alert.state !== active) {
        throw invalid(alert, 'acknowledge', [active]);
      }
      const expires = opts.timeoutMs ? new Date(now.getTime() + opts.timeoutMs) : null;
      await client.query(
        `UPDATE alerts SET state = '${acknowledged}', acknowledged_by = $2, acknowledged_at = $3, ack_expires_at = $4, next_action_at = $4 WHERE id = $1`,
        [id, user, now, expires]
      );
      await addEvent(client, id, E.acknowledged, active, acknowledged, user, [comment, expires ? `(until ${expires.toISOString()})` : undefined].filter(Boolean).join(' ') || null);
      return 0;
    }
    case 'unacknowledge': {
      if (alert.state !== acknowledged) {
        throw invalid(alert, 'unacknowledge', [acknowledged]);
      }
      await clearAcknowledgement(client, alert, E.unacknowledged, user, comment);
      return advanceEscalation(client, alert, await opts.policyOf(alert), now);
    }
    case 'resolve': {
      if (alert.state === resolved) {
        throw invalid(alert, 'resolve', [...OPEN_ALERT_STATES]);
      }
      return resolve(client, alert, { actor: user, comment, now });
    }
  }
}

/** An open alert a live silence matches: suppressed, escalation paused until it ends. */
export async function suppress(client: PoolClient, alert: AlertRow, silence: Silence): Promise<void> {
  await client.query(`UPDATE alerts SET state = '${suppressed}', next_action_at = NULL WHERE id = $1`, [alert.id]);
  await addEvent(client, alert.id, E.suppressed, alert.state, suppressed, 'system', `silence #${silence.id} by ${silence.createdBy}${silence.comment ? `: ${silence.comment}` : ''}`);
  Object.assign(alert, { state: suppressed, next_action_at: null });
}

/**
 * A suppressed alert no silence matches any more: back to acknowledged when it had been
 * acknowledged, else active; tier delays count from now when it opened under the silence.
 */
export async function unsuppress(client: PoolClient, alert: AlertRow, ctx: EscalationContext, now: Date): Promise<number> {
  const back = alert.acknowledged_at ? acknowledged : active;
  await client.query(`UPDATE alerts SET state = $2, escalation_from = coalesce(escalation_from, $3) WHERE id = $1`, [alert.id, back, now]);
  await addEvent(client, alert.id, E.unsuppressed, suppressed, back, 'system', 'no silence matches any more');
  alert.state = back;
  alert.escalation_from ??= now;
  return advanceEscalation(client, alert, ctx, now);
}
