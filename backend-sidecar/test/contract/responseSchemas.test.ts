import type { z } from 'zod';
import { escalationPolicyViewSchema, ruleViewSchema } from '../../src/alerts/ruleApiSchemas';
import { PREDEFINED_RULES } from '../../src/alerts/predefinedRules';
import { FEATURES } from '../../src/app/features/index';
import { channelViewSchema } from '../../src/notify/channelApiSchemas';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';

/**
 * The response schemas the OpenAPI document gives rules, escalation policies and channels
 * (alerts/ruleApiSchemas.ts, notify/channelApiSchemas.ts) against what the routes really answer:
 * a rule of every condition type, the predefined rules, policies with and without a reminder, a
 * channel of every type — so the document describes the responses, not a wish.
 */
jest.setTimeout(180_000);

let sidecar: TestSidecar;

const RULES = [
  { id: 'c-threshold', condition: { type: 'threshold', metric: 'duration_p95', operator: '>', value: 2000 } },
  { id: 'c-rate', condition: { type: 'rate', value: 25, window: '1h' } },
  { id: 'c-pattern-window', condition: { type: 'pattern', regex: 'timeout|refused', caseInsensitive: true, window: '30m', minMatches: 2 } },
  { id: 'c-pattern-latest', condition: { type: 'pattern', regex: '^HTTP 5' } },
  { id: 'c-duration-step', condition: { type: 'duration', of: 'step', step: 'login', threshold: '1500ms' } },
  { id: 'c-consecutive', condition: { type: 'consecutive_failures', count: 2 } },
  { id: 'c-custom', condition: { type: 'custom', expression: 'execution.durationMs > 1000' }, cooldown: '90s', flapping: { window: '1h', threshold: 4 }, escalationPolicy: 'with-reminder' },
  { id: 'c-burn-rate', condition: { type: 'burn_rate', pairs: [{ long: '2h', short: '10m', factor: 10 }] } },
  { id: 'c-anomaly', condition: { type: 'anomaly', metric: 'executions', direction: 'both', window: '30m' } },
  { id: 'c-certificate', condition: { type: 'certificate_expiry', days: 30 } },
];

const CHANNELS = [
  { id: 'ch-slack', type: 'slack', config: { url: 'https://hooks.slack.example/T/B/x', channel: '#ops' } },
  { id: 'ch-discord', type: 'discord', config: { url: 'https://discord.example/api/webhooks/1/x' } },
  { id: 'ch-email', type: 'email', config: { host: 'smtp.example.test', user: 'monitor', password: 'secret-password', from: 'monitor@example.test', to: ['oncall@example.test'] } },
  { id: 'ch-sms', type: 'sms', config: { accountSid: 'AC123', authToken: 'secret-token', from: '+15550001111', to: ['+15550002222'] } },
  { id: 'ch-webhook', type: 'webhook', config: { url: 'https://receiver.example/hook', secret: 'webhook-secret', headers: { 'X-Team': 'ops' } } },
  { id: 'ch-alertmanager', type: 'alertmanager', config: { url: 'http://alertmanager.example:9093' } },
];

beforeAll(async () => {
  sidecar = await startTestSidecar({ features: FEATURES, env: { ALERTING: 'false' } });
  const create = async (path: string, json: unknown) => {
    const response = await sidecar.api(path, { method: 'POST', json });
    expect({ path, json, status: response.status, body: response.status === 201 ? undefined : await response.text() }).toEqual({ path, json, status: 201, body: undefined });
  };
  for (const channel of CHANNELS) {
    await create('/api/v1/channels', { name: channel.id, ...channel });
  }
  await create('/api/v1/escalation-policies', { id: 'with-reminder', name: 'With reminder', tiers: [{ after: 0, channels: ['ch-slack'] }, { after: '15m', channels: ['ch-email', 'ch-sms'] }], reminder: { every: '1h', max: 3 } });
  await create('/api/v1/escalation-policies', { id: 'plain', name: 'Plain', tiers: [{ after: '5m', channels: ['ch-webhook'] }] });
  for (const rule of RULES) {
    await create('/api/v1/rules', { name: rule.id, severity: 'warning', ...rule });
  }
});

afterAll(async () => {
  await sidecar?.stop();
});

async function body(path: string): Promise<unknown> {
  const response = await sidecar.api(path);
  expect({ path, status: response.status }).toEqual({ path, status: 200 });
  return response.json();
}

/** Each item's problems against the schema, as `id: path: message`. */
function problems(schema: z.ZodType, items: unknown[]): string[] {
  return items.flatMap((item) => {
    const result = schema.safeParse(item);
    return result.success ? [] : result.error.issues.map((i) => `${(item as { id?: string }).id}: ${i.path.join('.')}: ${i.message}`);
  });
}

describe('responses match their OpenAPI schemas', () => {
  it('rules: every condition type and the predefined rules', async () => {
    const { rules } = (await body('/api/v1/rules')) as { rules: Array<{ id: string; condition: { type: string } }> };
    expect(new Set(rules.map((r) => r.condition.type))).toEqual(new Set(['threshold', 'rate', 'pattern', 'duration', 'consecutive_failures', 'custom', 'burn_rate', 'anomaly', 'certificate_expiry']));
    expect(rules.length).toBe(RULES.length + PREDEFINED_RULES.length);
    expect(problems(ruleViewSchema, rules)).toEqual([]);
    expect(problems(ruleViewSchema, [await body('/api/v1/rules/c-custom')])).toEqual([]);
  });

  it('escalation policies, with and without a reminder', async () => {
    const { policies } = (await body('/api/v1/escalation-policies')) as { policies: unknown[] };
    expect(policies).toHaveLength(2);
    expect(problems(escalationPolicyViewSchema, policies)).toEqual([]);
  });

  it('channels of every type, secrets left out', async () => {
    const { channels } = (await body('/api/v1/channels')) as { channels: unknown[] };
    expect(channels).toHaveLength(CHANNELS.length);
    expect(problems(channelViewSchema, channels)).toEqual([]);
    expect(problems(channelViewSchema, [await body('/api/v1/channels/ch-webhook')])).toEqual([]);
  });

  it('a response with a field the schema does not know fails (the schemas are strict)', async () => {
    const rule = (await body('/api/v1/rules/c-rate')) as Record<string, unknown>;
    expect(problems(ruleViewSchema, [{ ...rule, extra: true }])).toEqual(['c-rate: : Unrecognized key: "extra"']);
    const channel = (await body('/api/v1/channels/ch-email')) as { config: Record<string, unknown> };
    expect(problems(channelViewSchema, [{ ...channel, config: { ...channel.config, password: 'x' } }])).toEqual(['ch-email: config: Unrecognized key: "password"']);
  });
});
