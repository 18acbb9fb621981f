import type { Alert, EscalationPolicy, Rule, Silence, SlackChannel } from '../api/types';

/**
 * Sidecar response objects for page tests of rules and silences, in the shapes of the OpenAPI
 * document (the fake sidecar checks every answer against it).
 */
const at = '2030-01-01T00:00:00.000Z';

export function ruleFixture(overrides: Partial<Rule> = {}): Rule {
  return {
    id: 'low-success-rate',
    name: 'Low success rate',
    enabled: true,
    severity: 'warning',
    scope: {},
    condition: { type: 'threshold', metric: 'success_rate', operator: '<', value: 80, window: '1h', minSamples: 10 },
    cooldown: '5m',
    flapping: { window: '30m', threshold: 6 },
    channels: [],
    predefined: true,
    source: 'builtin',
    version: 1,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

export function workflowFixture(id: string, name: string, labels: Record<string, string> = {}) {
  return {
    id,
    name,
    source: 'api',
    enabled: true,
    critical: false,
    labels,
    mode: 'scheduled',
    schedule: { every: '1m' },
    definition: {},
    version: 1,
    createdAt: at,
    updatedAt: at,
    lastExecution: null,
    nextRunAt: null,
  };
}

export function channelFixture(id: string, name: string): SlackChannel {
  return {
    id,
    name,
    type: 'slack',
    enabled: true,
    config: {},
    secretsConfigured: ['url'],
    source: 'api',
    createdAt: at,
    updatedAt: at,
  };
}

export function policyFixture(id: string, name: string): EscalationPolicy {
  return {
    id,
    name,
    tiers: [
      { after: '0s', channels: ['ops-slack'] },
      { after: '15m', channels: ['oncall-sms'] },
    ],
    source: 'api',
  };
}

export function alertFixture(id: number, overrides: Partial<Alert> = {}): Alert {
  return {
    id,
    fingerprint: `rule:${overrides.workflowId ?? 'checkout'}`,
    ruleId: 'consecutive-failures',
    workflowId: 'checkout',
    severity: 'error',
    state: 'active',
    title: `Alert #${id}`,
    message: '3 consecutive failures',
    value: 3,
    labels: {},
    count: 1,
    openedAt: at,
    lastSeenAt: at,
    acknowledgedBy: null,
    acknowledgedAt: null,
    acknowledgementExpiresAt: null,
    resolvedBy: null,
    resolvedAt: null,
    tier: 0,
    flapping: false,
    ...overrides,
  };
}

export function silenceFixture(id: number, overrides: Partial<Silence> = {}): Silence {
  return {
    id,
    matchers: { workflowIds: ['checkout'] },
    startsAt: '2020-01-01T00:00:00.000Z',
    endsAt: '2099-01-01T00:00:00.000Z',
    activeNow: true,
    createdBy: 'alice',
    comment: 'deploying',
    createdAt: '2020-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** The sidecar's 400 with field details, as its validation middleware answers. */
export function validationError(details: Array<{ path: string; message: string }>) {
  return {
    status: 400,
    body: {
      error: {
        code: 'validation_failed',
        message: `invalid body: ${details[0]!.path}: ${details[0]!.message}`,
        details,
      },
    },
  };
}
