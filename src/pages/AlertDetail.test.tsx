import React from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { Alert, AlertDetail as AlertDetailData } from '../api/types';
import App from '../components/App/App';
import { testIds } from '../components/testIds';
import { installFakeSidecar } from '../test/fakeSidecar';
import AlertDetail from './AlertDetail';
import Alerts from './Alerts';

const alert = (id: number, state: Alert['state']): AlertDetailData => ({
  id, fingerprint: 'down:checkout', ruleId: 'checkout-down', workflowId: 'checkout', severity: 'critical', state, title: `Checkout down #${id}`,
  message: '3 consecutive failures', value: 3, labels: { team: 'payments' }, count: 3, openedAt: new Date(Date.now() - 120_000).toISOString(),
  lastSeenAt: new Date().toISOString(), acknowledgedBy: state === 'acknowledged' ? 'bob' : null, acknowledgedAt: null,
  acknowledgementExpiresAt: null, resolvedBy: null, resolvedAt: null, tier: 0, flapping: false,
  events: [{ id: 1, at: new Date().toISOString(), type: 'opened', fromState: null, toState: 'active', user: 'system', comment: 'fired after 3 failures' }],
  notifications: [{ id: 5, channelId: 'slack-ops', kind: 'firing', state: 'delivered', attempts: 1, idempotencyKey: 'alert:7:tier:0:slack-ops', lastError: null, createdAt: new Date().toISOString(), deliveredAt: new Date().toISOString() }],
});

const notFound = { status: 404, body: { error: { code: 'not_found', message: 'alert 99 does not exist', details: null } } };

function setup(path: string, opts: { role?: 'Viewer' | 'Editor'; resolve?: { status: number; body: unknown } } = {}) {
  let stored = alert(7, 'active');
  const fake = installFakeSidecar(
    {
      'GET api/v1/alerts/{id}': (req) => (req.path === 'api/v1/alerts/7' ? stored : notFound),
      'POST api/v1/alerts/{id}/resolve': (req) => {
        if (opts.resolve) {
          return opts.resolve;
        }
        stored = { ...stored, state: 'resolved', resolvedBy: (req.data as { user: string }).user, resolvedAt: new Date().toISOString() };
        return stored;
      },
    },
    { role: opts.role ?? 'Editor', login: 'alice' }
  );
  render(
    <MemoryRouter initialEntries={[path]}>
      <Routes>
        <Route path="/alerts/:id" element={<AlertDetail />} />
        <Route path="*" element={<p>elsewhere</p>} />
      </Routes>
    </MemoryRouter>
  );
  return fake;
}

describe('Alert detail page (alerts/:id)', () => {
  it('opens the alert: title, message, severity, state, workflow link, labels, and its history with the notifications sent', async () => {
    const fake = setup('/alerts/7');
    expect(await screen.findByTestId(testIds.alertDetail.title)).toHaveTextContent('Checkout down #7');
    const page = screen.getByTestId(testIds.alertDetail.container);
    expect(page).toHaveTextContent('3 consecutive failures');
    expect(page).toHaveTextContent('critical');
    expect(page).toHaveTextContent('active');
    expect(page).toHaveTextContent('team=payments');
    expect(screen.getByTestId(testIds.alertDetail.workflow)).toHaveAttribute('href', '/a/workflowmonitor-workflowmonitor-app/workflows/checkout');
    const timeline = screen.getByTestId(testIds.alerts.timeline);
    expect(within(timeline).getByText('fired after 3 failures')).toBeInTheDocument();
    expect(within(timeline).getByText('notification firing → slack-ops')).toBeInTheDocument();
    expect(fake.requests.map((r) => `${r.method ?? 'GET'} ${r.path}`)).toEqual(['GET api/v1/alerts/7']);
  });

  it('an Editor resolves it with a comment as the signed-in user, and the page shows it resolved', async () => {
    const fake = setup('/alerts/7');
    fireEvent.click(await screen.findByTestId(testIds.alertDetail.action('resolve')));
    fireEvent.change(screen.getByTestId(testIds.alertDetail.comment), { target: { value: 'fixed the gateway' } });
    fireEvent.click(screen.getByTestId(testIds.alertDetail.confirm));
    await waitFor(() => expect(fake.requests.some((r) => r.method === 'POST' && r.path === 'api/v1/alerts/7/resolve')).toBe(true));
    expect(fake.requests.find((r) => r.path === 'api/v1/alerts/7/resolve')!.data).toEqual({ user: 'alice', comment: 'fixed the gateway' });
    await waitFor(() => expect(screen.getByTestId(testIds.alertDetail.container)).toHaveTextContent(/Resolved.*by alice/));
    expect(screen.queryByTestId(testIds.alertDetail.action('resolve'))).not.toBeInTheDocument();
    expect(fake.toasts).toContainEqual({ type: 'alert-success', payload: ['Resolved alert #7'] });
  });

  it('an Editor is offered what the state allows: acknowledge and resolve, not silence or unacknowledge', async () => {
    setup('/alerts/7');
    await screen.findByTestId(testIds.alertDetail.title);
    expect(screen.getByTestId(testIds.alertDetail.action('acknowledge'))).toBeInTheDocument();
    expect(screen.queryByTestId(testIds.alertDetail.action('unacknowledge'))).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.alertDetail.action('silence'))).not.toBeInTheDocument();
  });

  it('a server refusal (409) lands in a toast', async () => {
    const fake = setup('/alerts/7', { resolve: { status: 409, body: { error: { code: 'invalid_transition', message: 'cannot resolve alert 7: it is resolved', details: null } } } });
    fireEvent.click(await screen.findByTestId(testIds.alertDetail.action('resolve')));
    fireEvent.click(screen.getByTestId(testIds.alertDetail.confirm));
    await waitFor(() => expect(fake.toasts).toContainEqual({ type: 'alert-error', payload: ['cannot resolve alert 7: it is resolved'] }));
  });

  it('a Viewer reads the alert but has no action', async () => {
    setup('/alerts/7', { role: 'Viewer' });
    expect(await screen.findByTestId(testIds.alertDetail.title)).toHaveTextContent('Checkout down #7');
    for (const action of ['acknowledge', 'unacknowledge', 'resolve']) {
      expect(screen.queryByTestId(testIds.alertDetail.action(action))).not.toBeInTheDocument();
    }
  });

  it('an unknown id shows "not found" with a way back to all alerts', async () => {
    setup('/alerts/99');
    const missing = await screen.findByTestId(testIds.alertDetail.notFound);
    expect(missing).toHaveTextContent('Alert "99" not found');
    expect(within(missing).getByText('All alerts')).toHaveAttribute('href', '/a/workflowmonitor-workflowmonitor-app/alerts');
  });

  it.each(['abc', '0', '-1', '1e3', '12345678901234567890'])('a malformed id (%s) shows "not found" without asking the sidecar', async (id) => {
    const fake = setup(`/alerts/${id}`);
    expect(await screen.findByTestId(testIds.alertDetail.notFound)).toBeInTheDocument();
    expect(fake.requests).toHaveLength(0);
  });

  it('the sidecar unreachable is an error with Retry, not "not found"', async () => {
    installFakeSidecar({ 'GET api/v1/alerts/{id}': () => ({ status: 502, body: { message: 'Bad Gateway' } }) });
    render(<MemoryRouter initialEntries={['/alerts/7']}><Routes><Route path="/alerts/:id" element={<AlertDetail />} /></Routes></MemoryRouter>);
    expect(await screen.findByText(/cannot be reached/)).toBeInTheDocument();
    expect(screen.queryByTestId(testIds.alertDetail.notFound)).not.toBeInTheDocument();
  });
});

describe('links to the alert page', () => {
  it('the app routes alerts/:id to the alert (the path notifications link to)', async () => {
    installFakeSidecar({ 'GET api/v1/alerts/{id}': () => alert(7, 'acknowledged') });
    render(
      <MemoryRouter initialEntries={['/alerts/7']}>
        <React.Suspense fallback="loading">
          <App {...({} as AppRootProps)} />
        </React.Suspense>
      </MemoryRouter>
    );
    expect(await screen.findByTestId(testIds.alertDetail.title)).toHaveTextContent('Checkout down #7');
  });

  it('each alert in the Alerts list links to its page', async () => {
    installFakeSidecar({ 'GET api/v1/alerts': () => ({ alerts: [alert(7, 'active'), alert(8, 'acknowledged')].map(({ events: _e, notifications: _n, ...a }) => a), nextCursor: null }) });
    render(<MemoryRouter><Alerts /></MemoryRouter>);
    expect(await screen.findByTestId(testIds.alerts.open(7))).toHaveAttribute('href', '/a/workflowmonitor-workflowmonitor-app/alerts/7');
    expect(screen.getByTestId(testIds.alerts.open(8))).toHaveAttribute('href', '/a/workflowmonitor-workflowmonitor-app/alerts/8');
  });
});
