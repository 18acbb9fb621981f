import { z } from 'zod';
import '../http/openapiRegistry';
import type { Pool } from '../db/pool';
import { NotFoundError, ValidationError } from '../errors/errors';
import { actingUser, GRAFANA_USER_HEADER, grafanaUser, MAX_USER_LENGTH } from '../http/actingUser';
import type { RouteTable } from '../http/route';
import { durationMs } from '../schema/duration';
import { LATEST_TIME_MS, timestamp } from '../schema/timestamp';
import type { AlertEngine } from './alertEngine';
import { ALERT_STATES, type AlertRow } from './alertLifecycle';
import { escalationPolicyViewSchema, ruleViewSchema } from './ruleApiSchemas';
import { deleteRule, getRule, listPolicies, listRules, policyForApi, ruleForApi, savePolicy, saveRule } from './ruleStore';
import { escalationPolicyInputSchema, matchersSchema, ruleInputSchema, SEVERITIES } from './ruleSchema';
import { toSilence } from './silences';
import { assertBodyIdMatchesPath } from '../http/pathId';

const iso = z.string().openapi({ format: 'date-time' });

export const alertSchema = z.object({
  id: z.number().int(),
  fingerprint: z.string(),
  ruleId: z.string(),
  workflowId: z.string(),
  severity: z.enum(SEVERITIES),
  state: z.enum(ALERT_STATES),
  title: z.string(),
  message: z.string(),
  value: z.number().nullable(),
  labels: z.record(z.string(), z.string()),
  count: z.number().int(),
  openedAt: iso,
  lastSeenAt: iso,
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: iso.nullable(),
  acknowledgementExpiresAt: iso.nullable(),
  resolvedBy: z.string().nullable(),
  resolvedAt: iso.nullable(),
  tier: z.number().int().describe('Highest escalation tier notified (0-based; -1 none yet)'),
  flapping: z.boolean(),
}).openapi('Alert');

const alertEventSchema = z.object({
  id: z.number().int(),
  at: iso,
  type: z.string(),
  fromState: z.string().nullable(),
  toState: z.string().nullable(),
  user: z.string(),
  comment: z.string().nullable(),
}).openapi('AlertEvent');

const notificationSchema = z.object({
  id: z.number().int(),
  channelId: z.string(),
  kind: z.string(),
  state: z.enum(['pending', 'delivering', 'delivered', 'failed']),
  attempts: z.number().int(),
  idempotencyKey: z.string(),
  lastError: z.string().nullable(),
  createdAt: iso,
  deliveredAt: iso.nullable(),
}).openapi('AlertNotification');

const alertDetailSchema = alertSchema.extend({ events: z.array(alertEventSchema), notifications: z.array(notificationSchema) }).openapi('AlertDetail');

export function toAlert(r: AlertRow) {
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
  };
}

const listOf = <T extends string>(allowed: readonly T[], name: string) =>
  z.string().optional().transform((value, ctx) => {
    if (!value) {
      return undefined;
    }
    const list = value.split(',');
    const bad = list.find((s) => !(allowed as readonly string[]).includes(s));
    if (bad !== undefined) {
      ctx.addIssue({ code: 'custom', message: `"${bad}" is not a ${name}; allowed: ${allowed.join(', ')}` });
      return z.NEVER;
    }
    return list as T[];
  });

const alertListQuery = z.object({
  state: listOf([...ALERT_STATES, 'open'] as const, 'state'),
  severity: listOf(SEVERITIES, 'severity'),
  workflowId: z.string().min(1).max(200).optional(),
  ruleId: z.string().min(1).max(200).optional(),
  from: timestamp('past').optional(),
  to: timestamp('past').optional(),
  limit: z.coerce.number().int().min(1, 'must be between 1 and 500').max(500, 'must be between 1 and 500').default(50),
  cursor: z.string().regex(/^\d+$/, 'must be the nextCursor of a previous page').optional(),
}).strict();

// Both say who acts; X-Grafana-User, when the request carries it, wins over the body (http/actingUser.ts).
const actingUserField = z.string().trim().min(1, 'says who acts (the Grafana user)').max(MAX_USER_LENGTH)
  .describe(`Who acts; required unless the request carries ${GRAFANA_USER_HEADER}, which wins when present`);
const actionBody = z.object({
  user: actingUserField.optional(),
  comment: z.string().max(2000).optional(),
}).strict();
const acknowledgeBody = actionBody.extend({
  // After this the alert returns to active and escalation resumes.
  timeout: durationMs({ min: 1000, max: 7 * 86_400_000 }).optional(),
}).strict();

const silenceInput = z.object({
  matchers: matchersSchema.refine((m) => (m.workflowIds?.length ?? 0) + Object.keys(m.labels ?? {}).length + (m.severities?.length ?? 0) > 0, {
    message: 'needs at least one of workflowIds, labels or severities (a silence never matches everything)',
  }),
  startsAt: timestamp('planned').optional(),
  endsAt: timestamp('planned').optional(),
  duration: durationMs({ min: 60_000, max: 366 * 86_400_000 }).optional(),
  // Maintenance window: each cron occurrence silences for `window`, between startsAt and endsAt.
  recurrence: z.object({
    cron: z.string().min(1).max(200),
    window: durationMs({ min: 60_000, max: 7 * 86_400_000 }),
    timezone: z.string().max(100).optional(),
  }).strict().optional(),
  createdBy: actingUserField.optional(),
  comment: z.string().max(2000).default(''),
}).strict();

const silenceSchema = z.object({
  id: z.number().int(),
  matchers: z.record(z.string(), z.unknown()),
  startsAt: iso,
  endsAt: iso,
  recurrence: z.object({ cron: z.string(), window: z.number(), timezone: z.string().optional() }).optional(),
  activeNow: z.boolean(),
  createdBy: z.string(),
  comment: z.string(),
  createdAt: iso,
}).openapi('Silence');

const idParams = z.object({ id: z.string().min(1).max(200) });
const alertIdParams = z.object({ id: z.coerce.number().int().positive('must be a positive alert id') });

export function registerAlertRoutes(routes: RouteTable, deps: { pool: Pool; engine: AlertEngine; isActive: (s: ReturnType<typeof toSilence>) => boolean; /** MAX_RULES */ maxRules: number }): void {
  const { pool, engine } = deps;

  async function detail(id: number) {
    const { rows } = await pool.query<AlertRow>('SELECT * FROM alerts WHERE id = $1', [id]);
    if (!rows[0]) {
      throw new NotFoundError(`alert ${id} does not exist`);
    }
    const [{ rows: events }, { rows: notes }] = await Promise.all([
      pool.query('SELECT id, at, type, from_state, to_state, actor, comment FROM alert_events WHERE alert_id = $1 ORDER BY at, id', [id]),
      pool.query('SELECT id, channel_id, kind, state, attempts, idempotency_key, last_error, created_at, delivered_at FROM notifications WHERE alert_id = $1 ORDER BY id', [id]),
    ]);
    return {
      ...toAlert(rows[0]),
      events: events.map((e) => ({ id: Number(e.id), at: e.at.toISOString(), type: e.type, fromState: e.from_state, toState: e.to_state, user: e.actor, comment: e.comment })),
      notifications: notes.map((n) => ({
        id: Number(n.id), channelId: n.channel_id, kind: n.kind, state: n.state, attempts: n.attempts, idempotencyKey: n.idempotency_key,
        lastError: n.last_error, createdAt: n.created_at.toISOString(), deliveredAt: n.delivered_at ? n.delivered_at.toISOString() : null,
      })),
    };
  }

  routes.add({
    method: 'get',
    path: '/api/v1/alerts',
    summary: 'List alerts, newest first; filter by state (or "open"), severity, workflow, rule and time',
    tags: ['alerts'],
    query: alertListQuery,
    responses: { 200: { description: 'A page of alerts', schema: z.object({ alerts: z.array(alertSchema), nextCursor: z.string().nullable() }) } },
    handler: async ({ query }) => {
      if (query.from && query.to && query.from > query.to) {
        throw new ValidationError('invalid query: from is after to', [{ path: 'query.from', message: 'must not be after to' }]);
      }
      const states = query.state?.includes('open') ? ['active', 'acknowledged', 'suppressed', ...query.state.filter((s) => s !== 'open')] : query.state;
      const { rows } = await pool.query<AlertRow>(
        `SELECT * FROM alerts
          WHERE ($1::text[] IS NULL OR state = ANY($1)) AND ($2::text[] IS NULL OR severity = ANY($2))
            AND ($3::text IS NULL OR workflow_id = $3) AND ($4::text IS NULL OR rule_id = $4)
            AND ($5::timestamptz IS NULL OR opened_at >= $5) AND ($6::timestamptz IS NULL OR opened_at <= $6)
            AND ($7::bigint IS NULL OR id < $7)
          ORDER BY id DESC LIMIT $8`,
        [states ?? null, query.severity ?? null, query.workflowId ?? null, query.ruleId ?? null, query.from ?? null, query.to ?? null, query.cursor ?? null, query.limit + 1]
      );
      const page = rows.slice(0, query.limit);
      return { body: { alerts: page.map(toAlert), nextCursor: rows.length > query.limit ? String(page[page.length - 1]!.id) : null } };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/v1/alerts/{id}',
    summary: 'One alert with its event history (who, when, from, to, comment) and the notifications sent',
    tags: ['alerts'],
    params: alertIdParams,
    responses: { 200: { description: 'The alert', schema: alertDetailSchema }, 404: { description: 'No such alert' } },
    handler: async ({ params }) => ({ body: await detail(params.id) }),
  });

  for (const [action, body, summary] of [
    ['acknowledge', acknowledgeBody, 'Acknowledge: stops escalation; with `timeout` the alert returns to active when it passes'],
    ['unacknowledge', actionBody, 'Take an acknowledgement back: the alert is active again and escalation resumes'],
    ['resolve', actionBody, 'Resolve by hand; every notified channel gets a resolved notice'],
  ] as const) {
    routes.add({
      method: 'post',
      path: `/api/v1/alerts/{id}/${action}`,
      summary,
      tags: ['alerts'],
      params: alertIdParams,
      body,
      responses: { 200: { description: 'The alert after the change', schema: alertDetailSchema }, 404: { description: 'No such alert' }, 409: { description: 'Not allowed from the current state (details.currentState)' } },
      handler: async ({ params, body: b, req }) => {
        const input = b as z.output<typeof acknowledgeBody>;
        const user = actingUser(req, input.user, 'user');
        await engine.act(params.id, action, { user, comment: input.comment, timeoutMs: input.timeout });
        return { body: await detail(params.id) };
      },
    });
  }

  routes.add({
    method: 'get',
    path: '/api/v1/silences',
    summary: 'Silences and maintenance windows (expired ones with ?expired=true)',
    tags: ['alerts'],
    query: z.object({ expired: z.enum(['true', 'false']).default('false') }).strict(),
    responses: { 200: { description: 'Silences', schema: z.object({ silences: z.array(silenceSchema) }) } },
    handler: async ({ query }) => {
      const { rows } = await pool.query(
        `SELECT * FROM silences WHERE deleted_at IS NULL AND ($1 OR ends_at > now()) ORDER BY starts_at DESC, id DESC LIMIT 1000`,
        [query.expired === 'true']
      );
      return { body: { silences: rows.map((r) => silenceView(toSilence(r), deps.isActive)) } };
    },
  });

  routes.add({
    method: 'post',
    path: '/api/v1/silences',
    summary: 'Silence matching alerts for a time (endsAt or duration), or on a recurring schedule (maintenance window)',
    tags: ['alerts'],
    body: silenceInput,
    responses: { 201: { description: 'Created', schema: silenceSchema } },
    handler: async ({ body, req }) => {
      const createdBy = actingUser(req, body.createdBy, 'createdBy');
      const startsAt = body.startsAt ?? new Date();
      const endsAt = body.endsAt ?? (body.duration !== undefined ? new Date(startsAt.getTime() + body.duration) : undefined);
      if (!endsAt) {
        throw new ValidationError('a silence needs endsAt or duration; silences are always bounded in time', [{ path: 'endsAt', message: 'required unless duration is given' }]);
      }
      if (endsAt.getTime() > LATEST_TIME_MS) {
        throw new ValidationError(`a silence ends by ${new Date(LATEST_TIME_MS).toISOString()}`, [{ path: 'duration', message: `startsAt + duration is ${endsAt.toISOString()}, after ${new Date(LATEST_TIME_MS).toISOString()}` }]);
      }
      if (endsAt <= startsAt) {
        throw new ValidationError('endsAt must be after startsAt', [{ path: 'endsAt', message: `must be after ${startsAt.toISOString()}` }]);
      }
      if (endsAt.getTime() - startsAt.getTime() > 366 * 86_400_000) {
        throw new ValidationError('a silence may last at most 366 days', [{ path: 'endsAt', message: 'at most 366 days after startsAt' }]);
      }
      if (body.recurrence) {
        const { CronExpressionParser } = await import('cron-parser');
        try {
          CronExpressionParser.parse(body.recurrence.cron, { tz: body.recurrence.timezone });
        } catch (error) {
          throw new ValidationError(`recurrence.cron: ${(error as Error).message}`, [{ path: 'recurrence.cron', message: `not a cron expression: ${(error as Error).message}` }]);
        }
      }
      const { rows } = await pool.query(
        `INSERT INTO silences (matchers, starts_at, ends_at, cron, cron_timezone, duration_ms, created_by, comment) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
        [JSON.stringify(body.matchers), startsAt, endsAt, body.recurrence?.cron ?? null, body.recurrence?.timezone ?? null, body.recurrence?.window ?? null, createdBy, body.comment]
      );
      await engine.sweepSilences();
      return { status: 201, body: silenceView(toSilence(rows[0]), deps.isActive) };
    },
  });

  routes.add({
    method: 'delete',
    path: '/api/v1/silences/{id}',
    summary: 'End a silence now (suppressed alerts it covered become active again); X-Grafana-User is recorded as who ended it',
    tags: ['alerts'],
    params: alertIdParams,
    responses: { 204: { description: 'Ended' }, 404: { description: 'No such silence' } },
    handler: async ({ params, req }) => {
      const { rowCount } = await pool.query('UPDATE silences SET deleted_at = now(), deleted_by = $2 WHERE id = $1 AND deleted_at IS NULL', [params.id, grafanaUser(req) ?? null]);
      if (!rowCount) {
        throw new NotFoundError(`silence ${params.id} does not exist`);
      }
      await engine.sweepSilences();
      return { status: 204 };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/v1/rules',
    summary: 'Alert rules, the six predefined ones first',
    tags: ['rules'],
    responses: { 200: { description: 'Rules', schema: z.object({ rules: z.array(ruleViewSchema) }) } },
    handler: async () => ({ body: { rules: (await listRules(pool)).map(ruleForApi) } }),
  });
  routes.add({
    method: 'post',
    path: '/api/v1/rules',
    summary: 'Create a rule (threshold, rate, pattern, duration, consecutive_failures or custom)',
    tags: ['rules'],
    body: ruleInputSchema,
    responses: { 201: { description: 'Created', schema: ruleViewSchema }, 409: { description: 'The id exists, or MAX_RULES rules exist (code limit_reached)' } },
    handler: async ({ body }) => {
      await saveRule(pool, body, { source: 'api', mode: 'create', maxCount: deps.maxRules });
      engine.invalidate();
      return { status: 201, body: ruleForApi((await getRule(pool, body.id))!) };
    },
  });
  routes.add({
    method: 'get',
    path: '/api/v1/rules/{id}',
    summary: 'One rule',
    tags: ['rules'],
    params: idParams,
    responses: { 200: { description: 'The rule', schema: ruleViewSchema }, 404: { description: 'No such rule' } },
    handler: async ({ params }) => {
      const rule = await getRule(pool, params.id);
      if (!rule) {
        throw new NotFoundError(`rule "${params.id}" does not exist`);
      }
      return { body: ruleForApi(rule) };
    },
  });
  routes.add({
    method: 'put',
    path: '/api/v1/rules/{id}',
    summary: 'Create or replace a rule (predefined rules can be edited and disabled this way)',
    tags: ['rules'],
    params: idParams,
    body: ruleInputSchema,
    responses: { 200: { description: 'Replaced', schema: ruleViewSchema }, 201: { description: 'Created', schema: ruleViewSchema }, 409: { description: 'Defined in a file, or creating it would exceed MAX_RULES (code limit_reached)' } },
    handler: async ({ params, body }) => {
      assertBodyIdMatchesPath(body.id, params.id);
      const { created } = await saveRule(pool, body, { source: 'api', mode: 'upsert', maxCount: deps.maxRules });
      engine.invalidate();
      return { status: created ? 201 : 200, body: ruleForApi((await getRule(pool, body.id))!) };
    },
  });
  routes.add({
    method: 'delete',
    path: '/api/v1/rules/{id}',
    summary: 'Delete an API-defined rule (predefined rules are disabled instead)',
    tags: ['rules'],
    params: idParams,
    responses: { 204: { description: 'Deleted' }, 404: { description: 'No such rule' }, 409: { description: 'Predefined or defined in a file' } },
    handler: async ({ params }) => {
      await deleteRule(pool, params.id);
      engine.invalidate();
      return { status: 204 };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/v1/escalation-policies',
    summary: 'Escalation policies: ordered tiers and reminders',
    tags: ['rules'],
    responses: { 200: { description: 'Policies', schema: z.object({ policies: z.array(escalationPolicyViewSchema) }) } },
    handler: async () => ({ body: { policies: (await listPolicies(pool)).map(policyForApi) } }),
  });
  routes.add({
    method: 'post',
    path: '/api/v1/escalation-policies',
    summary: 'Create an escalation policy',
    tags: ['rules'],
    body: escalationPolicyInputSchema,
    responses: { 201: { description: 'Created', schema: escalationPolicyViewSchema }, 409: { description: 'The id exists' } },
    handler: async ({ body }) => {
      await savePolicy(pool, body, { source: 'api', mode: 'create' });
      engine.invalidate();
      return { status: 201, body: policyForApi((await listPolicies(pool)).find((p) => p.id === body.id)!) };
    },
  });
  routes.add({
    method: 'put',
    path: '/api/v1/escalation-policies/{id}',
    summary: 'Create or replace an escalation policy',
    tags: ['rules'],
    params: idParams,
    body: escalationPolicyInputSchema,
    responses: { 200: { description: 'Replaced', schema: escalationPolicyViewSchema }, 201: { description: 'Created', schema: escalationPolicyViewSchema }, 409: { description: 'Defined in a file' } },
    handler: async ({ params, body }) => {
      assertBodyIdMatchesPath(body.id, params.id);
      const { created } = await savePolicy(pool, body, { source: 'api', mode: 'upsert' });
      engine.invalidate();
      return { status: created ? 201 : 200, body: policyForApi((await listPolicies(pool)).find((p) => p.id === body.id)!) };
    },
  });
}

function silenceView(s: ReturnType<typeof toSilence>, isActive: (s: ReturnType<typeof toSilence>) => boolean) {
  return {
    id: s.id,
    matchers: s.matchers,
    startsAt: s.startsAt.toISOString(),
    endsAt: s.endsAt.toISOString(),
    ...(s.cron ? { recurrence: { cron: s.cron, window: s.durationMs ?? 0, ...(s.timezone ? { timezone: s.timezone } : {}) } } : {}),
    activeNow: isActive(s),
    createdBy: s.createdBy,
    comment: s.comment,
    createdAt: s.createdAt.toISOString(),
  };
}
