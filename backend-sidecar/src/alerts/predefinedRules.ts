import { ruleInputSchema, type RuleInput } from './ruleSchema';

/**
 * The six rules of the original design, the SLO burn-rate page and the certificate-expiry rule, installed enabled on
 * first start (and never overwritten afterwards: an operator's edits and disables stick). Rates are percentages.
 */
export const PREDEFINED_RULES: RuleInput[] = [
  {
    id: 'critical-workflow-failure',
    name: 'Critical workflow failure',
    description: 'A workflow marked critical failed: page at once.',
    severity: 'critical',
    scope: { critical: true },
    condition: { type: 'consecutive_failures', count: 1 },
    cooldown: 0,
  },
  {
    id: 'high-failure-rate',
    name: 'High failure rate',
    description: 'More than half of the executions in the last 15 minutes failed (at least 4 executions).',
    severity: 'error',
    condition: { type: 'rate', operator: '>', value: 50, window: '15m', minSamples: 4 },
    cooldown: '5m',
  },
  {
    id: 'slow-response',
    name: 'Slow response time',
    description: 'An execution took longer than 30 seconds.',
    severity: 'warning',
    condition: { type: 'duration', of: 'execution', operator: '>', threshold: '30s' },
    cooldown: '5m',
  },
  {
    id: 'consecutive-failures',
    name: 'Consecutive failures',
    description: 'Three executions in a row failed.',
    severity: 'error',
    condition: { type: 'consecutive_failures', count: 3 },
    cooldown: 0,
  },
  {
    id: 'health-check-failure',
    name: 'Health check failure',
    description: 'A health-check workflow (label type=health) failed.',
    severity: 'critical',
    scope: { labels: { type: 'health' } },
    condition: { type: 'consecutive_failures', count: 1 },
    cooldown: 0,
  },
  {
    id: 'low-success-rate',
    name: 'Low success rate',
    description: 'Fewer than 80 % of the executions in the last hour passed (at least 10 executions).',
    severity: 'warning',
    condition: { type: 'threshold', metric: 'success_rate', operator: '<', value: 80, window: '1h', minSamples: 10 },
    cooldown: '5m',
  },
  {
    id: 'error-budget-burning-fast',
    name: 'Error budget burning fast',
    description:
      'A workflow with an SLO spends its error budget fast: a burn rate of at least 14.4 over both 1h and 5m, or 6 over both 6h and 30m (the paging pairs of the SRE workbook). Workflows without an SLO are not judged.',
    severity: 'critical',
    condition: {
      type: 'burn_rate',
      pairs: [
        { long: '1h', short: '5m', factor: 14.4 },
        { long: '6h', short: '30m', factor: 6 },
      ],
    },
    cooldown: '5m',
  },
  {
    id: 'certificate-expiry',
    name: 'Certificate expires within 14 days',
    description: 'The TLS certificate of a workflow that checks certificates (a step asserts on tls.*, or tlsExpiryAlert: true) expires in fewer than 14 days; resolves once it is renewed.',
    severity: 'warning',
    condition: { type: 'certificate_expiry', days: 14 },
    cooldown: 0,
  },
].map((rule) => ruleInputSchema.parse(rule));
