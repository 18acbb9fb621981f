import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { configure, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { Channel, EscalationPolicy, EscalationPolicyInput, Rule } from '../api/types';
import { testIds } from '../components/testIds';
import { PLUGIN_BASE_URL } from '../constants';
import { installFakeSidecar, type Handlers } from '../test/fakeSidecar';
import EscalationPolicies from './EscalationPolicies';

// Several test runs share two cores: waits bound a hang, they do not time the page.
configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(120_000);

const T = testIds.escalationPolicies;
const STAMP = { createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z' };

const channels: Channel[] = [
  {
    id: 'ops-slack',
    name: 'Ops Slack',
    type: 'slack',
    enabled: true,
    config: {},
    secretsConfigured: ['url'],
    source: 'api',
    ...STAMP,
  },
  {
    id: 'oncall-mail',
    name: 'On-call mail',
    type: 'email',
    enabled: true,
    config: { host: 'smtp.example.com', port: 587, secure: false, from: 'a@example.com', to: ['b@example.com'] },
    secretsConfigured: [],
    source: 'api',
    ...STAMP,
  },
  {
    id: 'oncall-sms',
    name: 'On-call SMS',
    type: 'sms',
    enabled: true,
    config: { baseUrl: 'https://api.twilio.com', accountSid: 'AC1', from: '+15551234567', to: ['+15557654321'] },
    secretsConfigured: ['authToken'],
    source: 'api',
    ...STAMP,
  },
];

const rule = (id: string, name: string, extra: Partial<Rule>): Rule => ({
  id,
  name,
  enabled: true,
  severity: 'critical',
  scope: {},
  condition: { type: 'consecutive_failures', count: 3 },
  cooldown: '0s',
  flapping: { window: '30m', threshold: 6 },
  channels: [],
  predefined: false,
  source: 'api',
  version: 1,
  ...STAMP,
  ...extra,
});

const rules: Rule[] = [
  rule('checkout-down', 'Checkout down', { escalationPolicy: 'payments' }),
  rule('login-slow', 'Login slow', { escalationPolicy: 'payments', severity: 'warning' }),
  rule('search-errors', 'Search errors', { escalationPolicy: 'other' }),
  rule('own-channels', 'Own channels', { channels: ['ops-slack'] }),
  rule('falls-back', 'Falls back', {}),
];

const payments: EscalationPolicy = {
  id: 'payments',
  name: 'Payments on-call',
  tiers: [
    { after: '0s', channels: ['ops-slack'] },
    { after: '15m', channels: ['oncall-mail', 'oncall-sms'] },
  ],
  reminder: { every: '30m', max: 4 },
  source: 'api',
};
const fileDefault: EscalationPolicy = {
  id: 'default',
  name: 'Demo on-call',
  tiers: [{ after: '0s', channels: ['ops-slack'] }],
  source: 'file',
  sourceFile: 'alerting/channels.yaml',
};

/** The policy routes as the sidecar answers them: the stored policy back, 201 on create. */
function policySidecar(initial: EscalationPolicy[], extra: Handlers = {}, opts: { role?: 'Viewer' | 'Editor' } = {}) {
  const stored = new Map(initial.map((p) => [p.id, p]));
  const save = (input: EscalationPolicyInput, status: number) => {
    const policy: EscalationPolicy = { ...input, source: 'api' };
    stored.set(input.id, policy);
    return { status, body: policy };
  };
  const fake = installFakeSidecar(
    {
      'GET api/v1/escalation-policies': () => ({ policies: [...stored.values()] }),
      'POST api/v1/escalation-policies': (req) => save(req.data as EscalationPolicyInput, 201),
      'PUT api/v1/escalation-policies/{id}': (req) => save(req.data as EscalationPolicyInput, 200),
      'GET api/v1/channels': () => ({ channels }),
      'GET api/v1/rules': () => ({ rules }),
      ...extra,
    },
    opts
  );
  return { ...fake, last: (method: string) => [...fake.requests].reverse().find((r) => r.method === method) };
}

const renderPage = () =>
  render(
    <MemoryRouter>
      <EscalationPolicies />
    </MemoryRouter>
  );
const type = (testId: string, value: string) => fireEvent.change(screen.getByTestId(testId), { target: { value } });

/** Picks a channel by its name in a tier's channel multi-select. */
async function pickChannel(tier: number, name: string) {
  fireEvent.keyDown(document.getElementById(`policy-tier-${tier}-channels`)!, { key: 'ArrowDown' });
  fireEvent.click(await screen.findByText(name));
}

describe('Escalation policies page', () => {
  it('creates a two-tier policy with a reminder from the form', async () => {
    const fake = policySidecar([]);
    renderPage();
    fireEvent.click(await screen.findByText('New escalation policy'));
    await waitFor(() => expect(fake.requests.some((r) => r.path === 'api/v1/channels')).toBe(true));
    type(T.field('id'), 'payments');
    type(T.field('name'), 'Payments on-call');
    type(T.tierAfter(0), '0s');
    await pickChannel(0, 'Ops Slack');
    fireEvent.click(screen.getByTestId(T.addTier));
    type(T.tierAfter(1), '15m');
    await pickChannel(1, 'On-call mail');
    await pickChannel(1, 'On-call SMS');
    fireEvent.click(screen.getByTestId(T.field('remind')));
    type(T.field('every'), '30m');
    type(T.field('max'), '4');
    fireEvent.click(screen.getByTestId(T.save));

    await screen.findByTestId(T.row('payments'));
    expect(fake.last('POST')!.path).toBe('api/v1/escalation-policies');
    expect(fake.last('POST')!.data).toEqual({
      id: 'payments',
      name: 'Payments on-call',
      tiers: [
        { after: '0s', channels: ['ops-slack'] },
        { after: '15m', channels: ['oncall-mail', 'oncall-sms'] },
      ],
      reminder: { every: '30m', max: 4 },
    });
    const row = screen.getByTestId(T.row('payments'));
    expect(row).toHaveTextContent('after 0s → Ops Slack');
    expect(row).toHaveTextContent('after 15m → On-call mail, On-call SMS');
    expect(row).toHaveTextContent('every 30m, at most 4');
  });

  it('lists the rules that use each policy, linked to the Rules page, and those that fall back to “default”', async () => {
    policySidecar([payments, fileDefault]);
    renderPage();
    const usedBy = await screen.findByTestId(T.usedBy('payments'));
    await waitFor(() => expect(within(usedBy).getAllByRole('link')).toHaveLength(2));
    expect(within(usedBy).getByRole('link', { name: 'Checkout down' })).toHaveAttribute(
      'href',
      `${PLUGIN_BASE_URL}/rules`
    );
    expect(within(usedBy).getByRole('link', { name: 'Login slow' })).toBeInTheDocument();
    expect(usedBy).not.toHaveTextContent('Search errors');
    const byDefault = screen.getByTestId(T.usedBy('default'));
    expect(byDefault).toHaveTextContent('Falls back (by default)');
    expect(byDefault).not.toHaveTextContent('Own channels');
    expect(byDefault).not.toHaveTextContent('Checkout down');
  });

  it('edits a policy with a PUT of the whole policy, the tiers as they were', async () => {
    const fake = policySidecar([payments]);
    renderPage();
    fireEvent.click(await screen.findByTestId(T.edit('payments')));
    expect(screen.getByTestId(T.field('id'))).toBeDisabled();
    type(T.tierAfter(1), '10m');
    fireEvent.click(screen.getByTestId(T.field('remind')));
    fireEvent.click(screen.getByTestId(T.save));
    await waitFor(() => expect(fake.last('PUT')).toBeDefined());
    expect(fake.last('PUT')!.path).toBe('api/v1/escalation-policies/payments');
    expect(fake.last('PUT')!.data).toEqual({
      id: 'payments',
      name: 'Payments on-call',
      tiers: [
        { after: '0s', channels: ['ops-slack'] },
        { after: '10m', channels: ['oncall-mail', 'oncall-sms'] },
      ],
    });
  });

  it('puts the sidecar’s field errors on the tier they name', async () => {
    policySidecar([payments], {
      'PUT api/v1/escalation-policies/{id}': () => ({
        status: 400,
        body: {
          error: {
            code: 'validation_failed',
            message: 'invalid body: tiers[1].after: tiers must be in order of their delay',
            details: [
              { path: 'tiers[1].after', message: 'tiers must be in order of their delay' },
              { path: 'tiers[0].channels[0]', message: 'channel "gone" does not exist' },
            ],
          },
        },
      }),
    });
    renderPage();
    fireEvent.click(await screen.findByTestId(T.edit('payments')));
    fireEvent.click(screen.getByTestId(T.save));
    expect(await screen.findByText('tiers must be in order of their delay')).toBeInTheDocument();
    expect(screen.getByText('channel "gone" does not exist')).toBeInTheDocument();
    expect(screen.getByTestId(T.tierAfter(1))).toHaveAttribute('aria-invalid', 'true');
  });

  it('a file-defined policy opens read-only with the file that defines it', async () => {
    const fake = policySidecar([fileDefault]);
    renderPage();
    expect(await screen.findByTestId(T.row('default'))).toHaveTextContent('defined in alerting/channels.yaml');
    expect(screen.getByTestId(T.edit('default'))).toHaveTextContent('View');
    fireEvent.click(screen.getByTestId(T.edit('default')));
    expect(await screen.findByText('Defined in alerting/channels.yaml: change it there')).toBeInTheDocument();
    expect(screen.getByTestId(T.tierAfter(0))).toBeDisabled();
    expect(screen.queryByTestId(T.addTier)).not.toBeInTheDocument();
    expect(screen.queryByTestId(T.save)).not.toBeInTheDocument();
    expect(fake.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
  });

  it('a Viewer sees every policy and the rules using it, but cannot create or edit', async () => {
    policySidecar([payments], {}, { role: 'Viewer' });
    renderPage();
    await screen.findByTestId(T.row('payments'));
    expect(screen.queryByText('New escalation policy')).not.toBeInTheDocument();
    expect(screen.getByTestId(T.edit('payments'))).toHaveTextContent('View');
    await waitFor(() => expect(screen.getByTestId(T.usedBy('payments'))).toHaveTextContent('Checkout down'));
    fireEvent.click(screen.getByTestId(T.edit('payments')));
    expect(await screen.findByText('Viewers cannot change escalation policies')).toBeInTheDocument();
    expect(screen.getByTestId(T.field('name'))).toBeDisabled();
    expect(screen.queryByTestId(T.save)).not.toBeInTheDocument();
  });
});
