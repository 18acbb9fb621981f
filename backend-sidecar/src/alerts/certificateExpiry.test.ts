import { evaluateCondition } from './evaluateCondition';
import { conditionSchema } from './ruleSchema';
import type { WorkflowFacts } from './workflowFacts';

const DAY_MS = 86_400_000;
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const condition = conditionSchema.parse({ type: 'certificate_expiry' });

function facts(certificate: WorkflowFacts['certificate']): WorkflowFacts {
  return { workflow: { id: 'w', name: 'W', critical: false, labels: {} }, windows: new Map(), recent: [], ...(certificate === undefined ? {} : { certificate }) };
}

const expiringIn = (ms: number) => ({ executionId: 1, step: 'home', subject: 'CN=shop.example', issuer: 'CN=R3', validTo: new Date(NOW + ms) });

describe('certificate_expiry: whole days left on the latest recorded certificate', () => {
  it('defaults to 14 days', () => {
    expect(condition).toEqual({ type: 'certificate_expiry', days: 14 });
  });

  it('13.9 days left fires (13 whole days), 14 days left does not', () => {
    expect(evaluateCondition(condition, facts(expiringIn(14 * DAY_MS - 3_600_000)), 'execution', NOW)).toMatchObject({
      state: 'firing',
      value: 13,
      message: expect.stringContaining('certificate CN=shop.example (step "home") expires in 13 days'),
    });
    expect(evaluateCondition(condition, facts(expiringIn(14 * DAY_MS)), 'execution', NOW)).toMatchObject({ state: 'clear', value: 14 });
  });

  it('counts from now, so the timer sees the days run out between executions; an expired one says so', () => {
    expect(evaluateCondition(condition, facts(expiringIn(-2 * DAY_MS)), 'timer', NOW)).toMatchObject({ state: 'firing', value: -2, message: expect.stringContaining('expired 2 days ago') });
  });

  it('no verdict for a workflow that checks no certificate, or one without a recorded certificate', () => {
    expect(evaluateCondition(condition, facts(undefined), 'execution', NOW).state).toBe('unknown');
    expect(evaluateCondition(condition, facts(null), 'execution', NOW)).toMatchObject({ state: 'unknown', message: expect.stringContaining('no certificate recorded') });
  });

  it('refuses days outside 1–365 and fractions, naming the field', () => {
    for (const days of [0, 366, 1.5]) {
      const parsed = conditionSchema.safeParse({ type: 'certificate_expiry', days });
      expect(parsed.success).toBe(false);
      expect(parsed.error!.issues[0]!.path).toEqual(['days']);
    }
  });
});
