import { z } from 'zod';
import '../http/openapiRegistry';
import { GRAFANA_USER_HEADER, MAX_USER_LENGTH } from '../http/actingUser';
import { ALERT_STATES } from '../model/alertStates';
import { NOTIFICATION_STATES } from '../model/notificationStates';
import { durationMs } from '../schema/duration';
import { isoDateTime, timestamp } from '../schema/timestamp';
import { SEVERITIES } from './ruleSchema';

/** Request and response shapes of the alert routes (alertStore's `alertForApi` writes the responses). */

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
  openedAt: isoDateTime,
  lastSeenAt: isoDateTime,
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: isoDateTime.nullable(),
  acknowledgementExpiresAt: isoDateTime.nullable(),
  resolvedBy: z.string().nullable(),
  resolvedAt: isoDateTime.nullable(),
  tier: z.number().int().describe('Highest escalation tier notified (0-based; -1 none yet)'),
  flapping: z.boolean(),
  failingLocations: z.array(z.string()).optional().describe('Quorum rules: the locations the condition held in at the last verdict'),
}).openapi('Alert');

const alertEventSchema = z.object({
  id: z.number().int(),
  at: isoDateTime,
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
  state: z.enum(NOTIFICATION_STATES),
  attempts: z.number().int(),
  idempotencyKey: z.string(),
  lastError: z.string().nullable(),
  createdAt: isoDateTime,
  deliveredAt: isoDateTime.nullable(),
}).openapi('AlertNotification');

export const alertDetailSchema = alertSchema.extend({ events: z.array(alertEventSchema), notifications: z.array(notificationSchema) }).openapi('AlertDetail');

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

export const alertListQuery = z.object({
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
export const actingUserField = z.string().trim().min(1, 'says who acts (the Grafana user)').max(MAX_USER_LENGTH)
  .describe(`Who acts; required unless the request carries ${GRAFANA_USER_HEADER}, which wins when present`);
export const actionBody = z.object({
  user: actingUserField.optional(),
  comment: z.string().max(2000).optional(),
}).strict();
export const acknowledgeBody = actionBody.extend({
  // After this the alert returns to active and escalation resumes.
  timeout: durationMs({ min: 1000, max: 7 * 86_400_000 }).optional(),
}).strict();

/** Alerts and silences have numeric ids. */
export const alertIdParams = z.object({ id: z.coerce.number().int().positive('must be a positive alert id') });
