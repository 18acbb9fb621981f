import { alertsFeature } from '../../src/app/features/alerts';
import { workflowsFeature } from '../../src/app/features/workflows';
import { startReceiver, type ReceiverServer } from '../support/receiverServer';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';
import { eventually } from '../support/targetServer';

jest.setTimeout(180_000);

let sidecar: TestSidecar;
let receiver: ReceiverServer;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  receiver = await startReceiver();
  sidecar = await startTestSidecar({
    features: [workflowsFeature, alertsFeature],
    env: { ALERT_TICK_INTERVAL: '100ms', ALERT_EVAL_INTERVAL: '1h', NOTIFY_POLL_INTERVAL: '100ms', NOTIFY_RETRY_INITIAL: '100ms' },
  });
  for (const id of ['pager-a', 'pager-b']) {
    const created = await sidecar.api('/api/v1/channels', { method: 'POST', json: { id, name: id, type: 'webhook', config: { url: `${receiver.url}/${id}`, secret: 'shared-secret-123' } } });
    expect(created.status).toBe(201);
  }
});

afterAll(async () => {
  await sidecar?.stop();
  await receiver?.close();
});

async function post(path: string, json: unknown, expected = 201): Promise<any> {
  const response = await sidecar.api(path, { method: 'POST', json });
  const body = await response.json().catch(() => undefined);
  expect({ path, status: response.status, body }).toMatchObject({ status: expected });
  return body;
}

async function pushWorkflow(id: string): Promise<void> {
  await post('/api/v1/workflows', { id, name: `Push ${id}`, schedule: { push: { expected: '1h' } } });
}

async function push(workflowId: string, status: 'success' | 'failed'): Promise<void> {
  await post('/api/v1/executions', { workflowId, status, durationMs: 50, ...(status === 'failed' ? { errorType: 'transient', errorMessage: 'HTTP 503' } : {}) });
}

async function alertsOf(workflowId: string, ruleId: string): Promise<any[]> {
  const response = await sidecar.api(`/api/v1/alerts?workflowId=${workflowId}&ruleId=${ruleId}`);
  return ((await response.json()) as any).alerts;
}

async function openAlert(workflowId: string, ruleId: string): Promise<any> {
  return eventually(async () => (await alertsOf(workflowId, ruleId)).find((a) => a.state !== 'resolved'));
}

const forAlert = (path: string, alertId: number, kind?: string) => receiver.on(path, (j) => j?.alert?.id === alertId && (!kind || j.kind === kind));

async function rule(id: string, workflowId: string, extra: Record<string, unknown>): Promise<void> {
  await post('/api/v1/rules', { id, name: `Rule ${id}`, severity: 'error', scope: { workflowIds: [workflowId] }, condition: { type: 'consecutive_failures', count: 1 }, ...extra });
}

describe('alert lifecycle', () => {
  it('fifty consecutive failures open one alert and send one notification per channel plus the asked-for reminder; recovery resolves it with one notice each', async () => {
    await post('/api/v1/escalation-policies', { id: 'both-now', name: 'Both now, one reminder', tiers: [{ after: '0s', channels: ['pager-a', 'pager-b'] }], reminder: { every: '2s', max: 1 } });
    await pushWorkflow('fifty');
    await rule('fifty-down', 'fifty', { escalationPolicy: 'both-now' });
    for (let i = 0; i < 50; i += 1) {
      await push('fifty', 'failed');
    }
    const alert = await openAlert('fifty', 'fifty-down');
    await eventually(async () => (await sidecar.api(`/api/v1/alerts/${alert.id}`).then((r) => r.json()) as any).count === 50 || undefined);
    await eventually(() => forAlert('/pager-a', alert.id, 'reminder').length === 1 && forAlert('/pager-b', alert.id, 'reminder').length === 1);
    await sleep(2500);
    expect(await alertsOf('fifty', 'fifty-down')).toHaveLength(1);
    for (const path of ['/pager-a', '/pager-b']) {
      expect(forAlert(path, alert.id, 'firing')).toHaveLength(1);
      expect(forAlert(path, alert.id, 'reminder')).toHaveLength(1);
    }
    await push('fifty', 'success');
    await eventually(() => forAlert('/pager-a', alert.id, 'resolved').length === 1 && forAlert('/pager-b', alert.id, 'resolved').length === 1);
    await sleep(500);
    const [resolved] = await alertsOf('fifty', 'fifty-down');
    expect(resolved).toMatchObject({ state: 'resolved', resolvedBy: 'system', count: 50 });
    for (const path of ['/pager-a', '/pager-b']) {
      expect(forAlert(path, alert.id).map((r) => r.json.kind).sort()).toEqual(['firing', 'reminder', 'resolved']);
    }
  });

  describe('escalation with two tiers', () => {
    beforeAll(async () => {
      await post('/api/v1/escalation-policies', { id: 'two-tier', name: 'Team, then lead', tiers: [{ after: '0s', channels: ['pager-a'] }, { after: '1500ms', channels: ['pager-b'] }] });
    });

    it('unacknowledged: tier 2 is notified after its delay', async () => {
      await pushWorkflow('esc-1');
      await rule('esc-1-down', 'esc-1', { escalationPolicy: 'two-tier' });
      await push('esc-1', 'failed');
      const alert = await openAlert('esc-1', 'esc-1-down');
      await eventually(() => forAlert('/pager-a', alert.id, 'firing').length === 1);
      expect(forAlert('/pager-b', alert.id)).toHaveLength(0);
      const escalated = await eventually(() => forAlert('/pager-b', alert.id, 'escalation')[0], 60_000);
      const firing = forAlert('/pager-a', alert.id, 'firing')[0]!;
      expect(escalated.at - firing.at).toBeGreaterThanOrEqual(1000);
      const detail = (await (await sidecar.api(`/api/v1/alerts/${alert.id}`)).json()) as any;
      expect(detail.tier).toBe(1);
      expect(detail.events.map((e: any) => e.type)).toEqual(['opened', 'escalated']);
    });

    it('acknowledged before the delay: tier 2 never is', async () => {
      await pushWorkflow('esc-2');
      await rule('esc-2-down', 'esc-2', { escalationPolicy: 'two-tier' });
      await push('esc-2', 'failed');
      const alert = await openAlert('esc-2', 'esc-2-down');
      await post(`/api/v1/alerts/${alert.id}/acknowledge`, { user: 'alice', comment: 'on it' }, 200);
      await sleep(2500);
      expect(forAlert('/pager-b', alert.id)).toHaveLength(0);
      expect(forAlert('/pager-a', alert.id).map((r) => r.json.kind)).toEqual(['firing']);
    });

    it('acknowledgement timeout: back to active, and escalation resumes', async () => {
      await pushWorkflow('esc-3');
      await rule('esc-3-down', 'esc-3', { escalationPolicy: 'two-tier' });
      await push('esc-3', 'failed');
      const alert = await openAlert('esc-3', 'esc-3-down');
      const acked = await post(`/api/v1/alerts/${alert.id}/acknowledge`, { user: 'bob', comment: 'looking', timeout: '2s' }, 200);
      expect(acked).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'bob' });
      const escalated = await eventually(() => forAlert('/pager-b', alert.id)[0], 60_000);
      expect(['escalation', 'acknowledgement_expired']).toContain(escalated.json.kind);
      const detail = (await (await sidecar.api(`/api/v1/alerts/${alert.id}`)).json()) as any;
      expect(detail.state).toBe('active');
      expect(detail.events.map((e: any) => e.type)).toEqual(expect.arrayContaining(['opened', 'acknowledged', 'acknowledgement_expired', 'escalated']));
      expect(forAlert('/pager-a', alert.id, 'acknowledgement_expired')).toHaveLength(1);
    });

    it('a silenced alert sends nothing and shows suppressed; ending the silence activates it', async () => {
      await pushWorkflow('esc-4');
      await rule('esc-4-down', 'esc-4', { escalationPolicy: 'two-tier' });
      const silence = await post('/api/v1/silences', { matchers: { workflowIds: ['esc-4'] }, duration: '10m', createdBy: 'carol', comment: 'deploying' });
      expect(silence.activeNow).toBe(true);
      await push('esc-4', 'failed');
      const alert = await openAlert('esc-4', 'esc-4-down');
      expect(alert.state).toBe('suppressed');
      await sleep(2000);
      expect(forAlert('/pager-a', alert.id)).toHaveLength(0);
      expect(forAlert('/pager-b', alert.id)).toHaveLength(0);
      expect((await sidecar.api(`/api/v1/silences/${silence.id}`, { method: 'DELETE' })).status).toBe(204);
      const active = await eventually(async () => (await alertsOf('esc-4', 'esc-4-down')).find((a) => a.state === 'active'));
      expect(active.id).toBe(alert.id);
      await eventually(() => forAlert('/pager-a', alert.id, 'firing').length === 1);
    });
  });

  it('records every transition with user and comment; an invalid transition is 409 with the current state', async () => {
    await pushWorkflow('hist');
    await rule('hist-down', 'hist', {});
    await push('hist', 'failed');
    const alert = await openAlert('hist', 'hist-down');
    await post(`/api/v1/alerts/${alert.id}/acknowledge`, { user: 'alice', comment: 'looking' }, 200);
    const again = await sidecar.api(`/api/v1/alerts/${alert.id}/acknowledge`, { method: 'POST', json: { user: 'alice' } });
    expect(again.status).toBe(409);
    expect(((await again.json()) as any).error).toMatchObject({ code: 'invalid_transition', details: { currentState: 'acknowledged' } });
    await post(`/api/v1/alerts/${alert.id}/unacknowledge`, { user: 'alice', comment: 'handing over' }, 200);
    await post(`/api/v1/alerts/${alert.id}/acknowledge`, { user: 'bob' }, 200);
    const done = await post(`/api/v1/alerts/${alert.id}/resolve`, { user: 'bob', comment: 'restarted the pod' }, 200);
    expect(done).toMatchObject({ state: 'resolved', resolvedBy: 'bob' });
    const detail = (await (await sidecar.api(`/api/v1/alerts/${alert.id}`)).json()) as any;
    expect(detail.events.map((e: any) => [e.type, e.fromState, e.toState, e.user, e.comment])).toEqual([
      ['opened', null, 'active', 'system', expect.any(String)],
      ['acknowledged', 'active', 'acknowledged', 'alice', 'looking'],
      ['unacknowledged', 'acknowledged', 'active', 'alice', 'handing over'],
      ['acknowledged', 'active', 'acknowledged', 'bob', null],
      ['resolved', 'acknowledged', 'resolved', 'bob', 'restarted the pod'],
    ]);
    for (const action of ['acknowledge', 'unacknowledge', 'resolve']) {
      const response = await sidecar.api(`/api/v1/alerts/${alert.id}/${action}`, { method: 'POST', json: { user: 'bob' } });
      expect(response.status).toBe(409);
      expect(((await response.json()) as any).error.details.currentState).toBe('resolved');
    }
    expect((await sidecar.api('/api/v1/alerts/999999/acknowledge', { method: 'POST', json: { user: 'bob' } })).status).toBe(404);
  });

  it('flapping is notified once, not on every flip', async () => {
    await pushWorkflow('flap');
    await rule('flap-down', 'flap', { channels: ['pager-a'], flapping: { window: '10m', threshold: 3 } });
    for (let i = 0; i < 5; i += 1) {
      await push('flap', 'failed');
      await eventually(async () => (await alertsOf('flap', 'flap-down')).some((a) => a.state === 'active'));
      await push('flap', 'success');
      await eventually(async () => (await alertsOf('flap', 'flap-down')).every((a) => a.state === 'resolved'));
    }
    await sleep(500);
    const kinds = receiver.on('/pager-a', (j) => j?.alert?.workflowId === 'flap').map((r) => r.json.kind);
    expect(kinds.filter((k) => k === 'flapping')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'firing')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'resolved')).toHaveLength(2);
    const alerts = await alertsOf('flap', 'flap-down');
    expect(alerts).toHaveLength(5);
    expect(alerts.filter((a) => a.flapping)).toHaveLength(3);
  });

  it('rejects a custom expression that reaches for constructor, process or require with 400', async () => {
    for (const expression of ['execution["constructor"]', 'process.exit', 'require("fs")', 'execution.constructor.constructor("return 1")()', 'window.__proto__']) {
      const response = await sidecar.api('/api/v1/rules', { method: 'POST', json: { id: 'evil', name: 'Evil', severity: 'info', condition: { type: 'custom', expression } } });
      expect({ expression, status: response.status }).toEqual({ expression, status: 400 });
      expect(JSON.stringify(await response.json())).toContain('condition.expression');
    }
    expect((await sidecar.api('/api/v1/rules/evil')).status).toBe(404);
  });

  it('ships the predefined rules enabled (the six of the original design, the SLO burn-rate page and certificate expiry); they can be edited and disabled but not deleted', async () => {
    const { rules } = (await (await sidecar.api('/api/v1/rules')).json()) as any;
    const predefined = rules.filter((r: any) => r.predefined);
    expect(predefined.map((r: any) => r.id).sort()).toEqual(['certificate-expiry', 'consecutive-failures', 'critical-workflow-failure', 'error-budget-burning-fast', 'health-check-failure', 'high-failure-rate', 'low-success-rate', 'slow-response']);
    expect(predefined.every((r: any) => r.enabled)).toBe(true);
    const low = predefined.find((r: any) => r.id === 'low-success-rate');
    expect(low.condition).toMatchObject({ type: 'threshold', metric: 'success_rate', operator: '<', value: 80, window: '1h' });
    const { createdAt, updatedAt, predefined: _p, source, version, ...editable } = low;
    const put = await sidecar.api('/api/v1/rules/low-success-rate', { method: 'PUT', json: { ...editable, enabled: false, condition: { ...low.condition, value: 90 } } });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ enabled: false, predefined: true, condition: { value: 90 } });
    const del = await sidecar.api('/api/v1/rules/low-success-rate', { method: 'DELETE' });
    expect(del.status).toBe(409);
  });
});
