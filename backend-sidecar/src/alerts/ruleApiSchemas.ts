import { z } from 'zod';
import '../http/openapiRegistry';
import { isoDateTime } from '../schema/timestamp';
import { durationText, returnedShape } from '../schema/apiView';
import { conditionSchema, escalationPolicyInputSchema, flappingSchema, ruleInputSchema, tierSchema, type ConditionType } from './ruleSchema';

/**
 * Response shapes of the rule and escalation-policy routes, derived from the request schemas in
 * ruleSchema.ts (`ruleForApi` in ruleStore and `policyForApi` in policyStore write durations back as text).
 * The `Record<ConditionType, …>` tables make a new condition type a compile error here until it
 * has its response shape.
 */
const burnRateConditionView = z
  .object({
    type: z.literal('burn_rate'),
    pairs: z.array(z.object({ long: durationText, short: durationText, factor: z.number() }).strict().openapi('BurnRatePair')),
  })
  .strict();

const CONDITION_VIEWS: Record<ConditionType, { component: string; durations: string[]; view?: z.ZodObject<z.ZodRawShape> }> = {
  threshold: { component: 'ThresholdCondition', durations: ['window'] },
  rate: { component: 'RateCondition', durations: ['window'] },
  pattern: { component: 'PatternCondition', durations: ['window'] },
  duration: { component: 'DurationCondition', durations: ['threshold'] },
  consecutive_failures: { component: 'ConsecutiveFailuresCondition', durations: [] },
  custom: { component: 'CustomCondition', durations: ['window'] },
  // Its durations are nested in pairs, which returnedShape does not reach.
  burn_rate: { component: 'BurnRateCondition', durations: [], view: burnRateConditionView },
  anomaly: { component: 'AnomalyCondition', durations: ['window'] },
  certificate_expiry: { component: 'CertificateExpiryCondition', durations: [] },
};

/** Rules and escalation policies are named by their ids. */
export const definitionIdParams = z.object({ id: z.string().min(1).max(200) });

const conditionViews = conditionSchema.options.map((variant) => {
  const view = CONDITION_VIEWS[variant.shape.type.value];
  return (view.view ?? returnedShape(variant as z.ZodObject<z.ZodRawShape>, view.durations)).openapi(view.component);
});

export const conditionViewSchema = z
  .discriminatedUnion('type', conditionViews as unknown as [z.ZodObject<{ type: z.ZodLiteral<string> }>, ...Array<z.ZodObject<{ type: z.ZodLiteral<string> }>>])
  .openapi('Condition');

export const ruleViewSchema = returnedShape(ruleInputSchema, ['cooldown'])
  .extend({
    condition: conditionViewSchema,
    flapping: returnedShape(flappingSchema, ['window']),
    predefined: z.boolean().describe('One of the rules that ship with the sidecar (disable rather than delete)'),
    source: z.enum(['file', 'api', 'builtin']),
    sourceFile: z.string().optional(),
    version: z.number().int(),
    createdAt: isoDateTime,
    updatedAt: isoDateTime,
    disabledReason: z.string().optional().describe('Why the sidecar disabled the rule on start: its stored condition fails the checks of this version'),
  })
  .openapi('Rule');

const reminderSchema = escalationPolicyInputSchema.shape.reminder.unwrap();

export const escalationPolicyViewSchema = returnedShape(escalationPolicyInputSchema)
  .extend({
    tiers: z.array(returnedShape(tierSchema, ['after']).openapi('EscalationTier')),
    reminder: returnedShape(reminderSchema, ['every']).optional(),
    source: z.enum(['file', 'api']),
    sourceFile: z.string().optional(),
  })
  .openapi('EscalationPolicy');
