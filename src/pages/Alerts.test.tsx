import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { Alert } from '../api/types';
import { testIds } from '../components/testIds';
import { installFakeSidecar } from '../test/fakeSidecar';
import Alerts from './Alerts';

const alert = (id: number, state: Alert['state']): Alert => ({
  id, fingerprint: `down:checkout`, ruleId: 'down', workflowId: 'checkout', severity: 'critical', state, title: `Checkout down #${id}`,
  message: '3 consecutive failures', value: 3, labels: {}, count: 3, openedAt: new Date(Date.now() - 120_000).toISOString(),
  lastSeenAt: new Date().toISOString(), acknowledgedBy: state === 'acknowledged' ? 'bob' : null, acknowledgedAt: null,
  acknowledgementExpiresAt: null, resolvedBy: null, resolvedAt: null, tier: 0, flapping: false,
});

function setup(opts: { role?: 'Viewer' | 'Editor'; ack?: { status: number; body: unknown } } = {}) {
  let alerts = [alert(1, 'active'), alert(2, 'acknowledged')];
  const fake = installFakeSidecar(
    {
      'GET api/v1/alerts': () => ({ alerts, nextCursor: null }),
      'GET api/v1/alerts/{id}': (req) => ({ ...alerts.find((a) => req.path.endsWith(`/${a.id}`)), events: [{ id: 1, at: new Date().toISOString(), type: 'opened', fromState: null, toState: 'active', user: 'system', comment: 'fired' }], notifications: [] }),
      'POST api/v1/alerts/{id}/acknowledge': (req) => {
        if (opts.ack) {
          return opts.ack;
        }
        alerts = alerts.map((a) => (a.id === 1 ? { ...a, state: 'acknowledged', acknowledgedBy: (req.data as { user: string }).user } : a));
        return { ...alerts[0], events: [], notifications: [] };
      },
      'POST api/v1/silences': () => ({ status: 201, body: { id: 7 } }),
    },
    { role: opts.role ?? 'Editor', login: 'alice' }
  );
  render(<MemoryRouter><Alerts /></MemoryRouter>);
  return fake;
}

describe('Alerts page', () => {
  it('lists alerts and offers the actions their state allows', async () => {
    setup();
    const row1 = await screen.findByTestId(testIds.alerts.row(1));
    expect(within(row1).getByText('Checkout down #1')).toBeInTheDocument();
    expect(screen.getByTestId(testIds.alerts.action('acknowledge', 1))).toBeInTheDocument();
    expect(screen.queryByTestId(testIds.alerts.action('unacknowledge', 1))).not.toBeInTheDocument();
    expect(screen.getByTestId(testIds.alerts.action('unacknowledge', 2))).toBeInTheDocument();
  });

  it('acknowledges as the signed-in Grafana user with the comment, through the proxy, and refreshes the list', async () => {
    const fake = setup();
    fireEvent.click(await screen.findByTestId(testIds.alerts.action('acknowledge', 1)));
    fireEvent.change(screen.getByTestId(testIds.alerts.comment), { target: { value: 'looking into it' } });
    fireEvent.click(screen.getByTestId(testIds.alerts.confirm));
    await waitFor(() => expect(fake.requests.some((r) => r.method === 'POST' && r.path === 'api/v1/alerts/1/acknowledge')).toBe(true));
    const post = fake.requests.find((r) => r.path === 'api/v1/alerts/1/acknowledge')!;
    expect(post.url).toBe('/api/datasources/proxy/uid/wm-test/api/v1/alerts/1/acknowledge');
    expect(post.data).toEqual({ user: 'alice', comment: 'looking into it' });
    await waitFor(() => expect(fake.requests.filter((r) => r.method === 'GET' && r.path === 'api/v1/alerts').length).toBeGreaterThanOrEqual(2));
    await waitFor(() => expect(screen.queryByTestId(testIds.alerts.action('acknowledge', 1))).not.toBeInTheDocument());
    expect(fake.toasts.map((t) => t.type)).toContain('alert-success');
  });

  it('silences the workflow with a comment and a duration', async () => {
    const fake = setup();
    fireEvent.click(await screen.findByTestId(testIds.alerts.action('silence', 1)));
    fireEvent.change(screen.getByTestId(testIds.alerts.comment), { target: { value: 'deploying' } });
    fireEvent.click(screen.getByTestId(testIds.alerts.confirm));
    await waitFor(() => expect(fake.requests.some((r) => r.path === 'api/v1/silences')).toBe(true));
    expect(fake.requests.find((r) => r.path === 'api/v1/silences')!.data).toEqual({ matchers: { workflowIds: ['checkout'] }, duration: '1h', createdBy: 'alice', comment: 'deploying' });
  });

  it('shows a 409 (stale state) from the server in a toast', async () => {
    const fake = setup({ ack: { status: 409, body: { error: { code: 'invalid_transition', message: 'cannot acknowledge alert 1: it is acknowledged', details: { currentState: 'acknowledged' } } } } });
    fireEvent.click(await screen.findByTestId(testIds.alerts.action('acknowledge', 1)));
    fireEvent.click(screen.getByTestId(testIds.alerts.confirm));
    await waitFor(() => expect(fake.toasts).toContainEqual({ type: 'alert-error', payload: ['cannot acknowledge alert 1: it is acknowledged'] }));
  });

  it('shows the event history as a timeline', async () => {
    setup();
    fireEvent.click(await screen.findByText('Checkout down #1'));
    const timeline = await screen.findByTestId(testIds.alerts.timeline);
    expect(within(timeline).getByText('fired')).toBeInTheDocument();
  });

  it('a Viewer sees the alerts but no action buttons', async () => {
    setup({ role: 'Viewer' });
    await screen.findByTestId(testIds.alerts.row(1));
    expect(screen.queryByTestId(testIds.alerts.action('acknowledge', 1))).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.alerts.action('resolve', 2))).not.toBeInTheDocument();
  });

  it('shows the error state when the sidecar cannot be reached', async () => {
    installFakeSidecar({ 'GET api/v1/alerts': () => ({ status: 502, body: { message: 'Bad Gateway' } }) });
    render(<MemoryRouter><Alerts /></MemoryRouter>);
    expect(await screen.findByText(/cannot be reached/)).toBeInTheDocument();
  });
});
