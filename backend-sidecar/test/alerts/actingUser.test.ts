import { alertsFeature } from '../../src/app/features/alerts';
import { workflowsFeature } from '../../src/app/features/workflows';
import { startReceiver } from '../support/receiverServer';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';
import { eventually } from '../support/targetServer';

jest.setTimeout(180_000);

/**
 * Grafana's data source proxy sets X-Grafana-User to the signed-in login (and removes a client-sent
 * one); behind it the body's `user` is whatever the browser chose to send. The header wins.
 */
let sidecar: TestSidecar;
const WORKFLOWS = ['ack', 'unack', 'resolve', 'body-only', 'bad-header', 'utf8', 'header-only'];

beforeAll(async () => {
  sidecar = await startTestSidecar({ features: [workflowsFeature, alertsFeature], env: { ALERT_TICK_INTERVAL: '100ms', ALERT_EVAL_INTERVAL: '1h' } });
  for (const id of WORKFLOWS) {
    await expectStatus(await sidecar.api('/api/v1/workflows', { method: 'POST', json: { id, name: `Push ${id}`, schedule: { push: { expected: '1h' } } } }), 201);
  }
  await expectStatus(await sidecar.api('/api/v1/rules', {
    method: 'POST',
    json: { id: 'down', name: 'Down', severity: 'error', scope: { workflowIds: WORKFLOWS }, condition: { type: 'consecutive_failures', count: 1 } },
  }), 201);
  for (const workflowId of WORKFLOWS) {
    await expectStatus(await sidecar.api('/api/v1/executions', { method: 'POST', json: { workflowId, status: 'failed', durationMs: 10, errorType: 'transient', errorMessage: 'HTTP 503' } }), 201);
  }
});

afterAll(async () => {
  await sidecar?.stop();
});

async function expectStatus(response: Response, status: number): Promise<any> {
  const body = await response.json().catch(() => undefined);
  expect({ status: response.status, body }).toMatchObject({ status });
  return body;
}

async function openAlertOf(workflowId: string): Promise<any> {
  return eventually(async () => {
    const { alerts } = (await (await sidecar.api(`/api/v1/alerts?workflowId=${workflowId}&ruleId=down`)).json()) as { alerts: any[] };
    return alerts.find((a) => a.state !== 'resolved');
  });
}

function act(alertId: number, action: string, json: unknown, headers: Record<string, string> = {}) {
  return sidecar.api(`/api/v1/alerts/${alertId}/${action}`, { method: 'POST', json, headers });
}

const eventUsers = (detail: any, type: string) => detail.events.filter((e: any) => e.type === type).map((e: any) => e.user);

describe('the acting user comes from X-Grafana-User when the request carries it', () => {
  it('acknowledge with X-Grafana-User: bob and body user mallory → acknowledgedBy bob, and the history says bob', async () => {
    const alert = await openAlertOf('ack');
    const after = await expectStatus(await act(alert.id, 'acknowledge', { user: 'mallory', comment: 'on it' }, { 'X-Grafana-User': 'bob' }), 200);
    expect(after).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'bob' });
    expect(eventUsers(after, 'acknowledged')).toEqual(['bob']);
    expect(JSON.stringify(after.events)).not.toContain('mallory');
  });

  it('unacknowledge takes the header user, not the body user', async () => {
    const alert = await openAlertOf('unack');
    await expectStatus(await act(alert.id, 'acknowledge', { user: 'alice' }), 200);
    const after = await expectStatus(await act(alert.id, 'unacknowledge', { user: 'mallory' }, { 'X-Grafana-User': 'carol' }), 200);
    expect(after).toMatchObject({ state: 'active', acknowledgedBy: null });
    expect(eventUsers(after, 'acknowledged')).toEqual(['alice']);
    expect(eventUsers(after, 'unacknowledged')).toEqual(['carol']);
  });

  it('resolve takes the header user: resolvedBy and the resolved event name bob', async () => {
    const alert = await openAlertOf('resolve');
    const after = await expectStatus(await act(alert.id, 'resolve', { user: 'mallory', comment: 'fixed' }, { 'X-Grafana-User': '  bob  ' }), 200);
    expect(after).toMatchObject({ state: 'resolved', resolvedBy: 'bob' });
    expect(eventUsers(after, 'resolved')).toEqual(['bob']);
  });

  it('with the header the body may leave user out', async () => {
    const alert = await openAlertOf('header-only');
    const after = await expectStatus(await act(alert.id, 'acknowledge', {}, { 'X-Grafana-User': 'dave' }), 200);
    expect(after.acknowledgedBy).toBe('dave');
  });

  it('reads a UTF-8 login the way Grafana writes it (raw bytes in the header)', async () => {
    const alert = await openAlertOf('utf8');
    const asWireBytes = Buffer.from('jürgen.müller', 'utf8').toString('latin1');
    const after = await expectStatus(await act(alert.id, 'acknowledge', { user: 'mallory' }, { 'X-Grafana-User': asWireBytes }), 200);
    expect(after.acknowledgedBy).toBe('jürgen.müller');
  });
});

describe('without the header the body says who acts', () => {
  it('acknowledge and resolve record the body user', async () => {
    const alert = await openAlertOf('body-only');
    expect(await expectStatus(await act(alert.id, 'acknowledge', { user: 'erin' }), 200)).toMatchObject({ acknowledgedBy: 'erin' });
    const resolved = await expectStatus(await act(alert.id, 'resolve', { user: 'frank' }), 200);
    expect(resolved).toMatchObject({ resolvedBy: 'frank' });
    expect(eventUsers(resolved, 'acknowledged')).toEqual(['erin']);
  });

  it('neither header nor body user → 400 naming user, and the alert is unchanged', async () => {
    const alert = await openAlertOf('bad-header');
    const body = await expectStatus(await act(alert.id, 'acknowledge', { comment: 'who am I' }), 400);
    expect(body.error.details).toEqual([{ path: 'user', message: expect.stringContaining('X-Grafana-User') }]);
    const detail = (await (await sidecar.api(`/api/v1/alerts/${alert.id}`)).json()) as any;
    expect(detail.state).toBe('active');
  });
});

describe('an invalid X-Grafana-User is refused with a 400 naming the header', () => {
  it.each([
    ['a control character (tab)', 'bob\tadmin'],
    ['201 characters', 'b'.repeat(201)],
    ['only spaces', '   '],
    ['a line separator (UTF-8 bytes of U+2028)', Buffer.from('bob\u2028admin', 'utf8').toString('latin1')],
    ['a C1 control byte', 'bob\u0085admin'],
  ])('%s', async (_name, value) => {
    const alert = await openAlertOf('bad-header');
    const body = await expectStatus(await act(alert.id, 'acknowledge', { user: 'mallory' }, { 'X-Grafana-User': value }), 400);
    expect(body.error.message).toContain('X-Grafana-User');
    expect(body.error.details[0].path).toBe('header.X-Grafana-User');
    const detail = (await (await sidecar.api(`/api/v1/alerts/${alert.id}`)).json()) as any;
    expect(detail).toMatchObject({ state: 'active', acknowledgedBy: null });
  });
});

describe('silences record who created and who ended them', () => {
  const matchers = { workflowIds: ['nothing-here'] };

  it('create with X-Grafana-User: bob and createdBy mallory → createdBy bob; the list shows bob', async () => {
    const created = await expectStatus(await sidecar.api('/api/v1/silences', { method: 'POST', json: { matchers, duration: '1h', createdBy: 'mallory' }, headers: { 'X-Grafana-User': 'bob' } }), 201);
    expect(created.createdBy).toBe('bob');
    const { silences } = (await (await sidecar.api('/api/v1/silences')).json()) as { silences: any[] };
    expect(silences.find((s) => s.id === created.id).createdBy).toBe('bob');
  });

  it('create without the header takes createdBy; without either → 400 naming createdBy', async () => {
    const created = await expectStatus(await sidecar.api('/api/v1/silences', { method: 'POST', json: { matchers, duration: '1h', createdBy: 'erin' } }), 201);
    expect(created.createdBy).toBe('erin');
    const refused = await expectStatus(await sidecar.api('/api/v1/silences', { method: 'POST', json: { matchers, duration: '1h' } }), 400);
    expect(refused.error.details).toEqual([{ path: 'createdBy', message: expect.stringContaining('X-Grafana-User') }]);
  });

  it('create with an invalid header → 400 naming the header, nothing stored', async () => {
    const before = (await sidecar.db.pool.query('SELECT count(*)::int AS n FROM silences')).rows[0].n;
    const refused = await expectStatus(await sidecar.api('/api/v1/silences', { method: 'POST', json: { matchers, duration: '1h', createdBy: 'erin' }, headers: { 'X-Grafana-User': 'x'.repeat(500) } }), 400);
    expect(refused.error.details[0].path).toBe('header.X-Grafana-User');
    expect((await sidecar.db.pool.query('SELECT count(*)::int AS n FROM silences')).rows[0].n).toBe(before);
  });

  it('delete records the header user as who ended it', async () => {
    const created = await expectStatus(await sidecar.api('/api/v1/silences', { method: 'POST', json: { matchers, duration: '1h', createdBy: 'erin' } }), 201);
    const deleted = await sidecar.api(`/api/v1/silences/${created.id}`, { method: 'DELETE', headers: { 'X-Grafana-User': 'bob' } });
    expect(deleted.status).toBe(204);
    const { rows } = await sidecar.db.pool.query('SELECT deleted_by, deleted_at IS NOT NULL AS ended FROM silences WHERE id = $1', [created.id]);
    expect(rows[0]).toEqual({ deleted_by: 'bob', ended: true });
  });
});

describe('channel test notifications name the header user', () => {
  it('"requested by" is the X-Grafana-User, not the body', async () => {
    const receiver = await startReceiver();
    try {
      await expectStatus(await sidecar.api('/api/v1/channels', { method: 'POST', json: { id: 'hook', name: 'Hook', type: 'webhook', config: { url: `${receiver.url}/hook` } } }), 201);
      const result = await expectStatus(await sidecar.api('/api/v1/channels/hook/test', { method: 'POST', json: { user: 'mallory' }, headers: { 'X-Grafana-User': 'bob' } }), 200);
      expect(result.delivered).toBe(true);
      const [request] = receiver.on('/hook');
      expect(request!.json.note).toBe('Test notification requested by bob.');
    } finally {
      await receiver.close();
    }
  });
});
