import { z } from 'zod';
import '../http/openapiRegistry';
import { durationMs } from '../schema/duration';
import { isoDateTime, timestamp } from '../schema/timestamp';
import { actingUserField } from './alertApiSchemas';
import { matchersSchema } from './ruleSchema';

/** Request and response shapes of the silence routes (silenceStore's `silenceForApi` writes the responses). */

export const silenceInput = z.object({
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

export const silenceSchema = z.object({
  id: z.number().int(),
  matchers: z.record(z.string(), z.unknown()),
  startsAt: isoDateTime,
  endsAt: isoDateTime,
  recurrence: z.object({ cron: z.string(), window: z.number(), timezone: z.string().optional() }).optional(),
  activeNow: z.boolean(),
  createdBy: z.string(),
  comment: z.string(),
  createdAt: isoDateTime,
}).openapi('Silence');
