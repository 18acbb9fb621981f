import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { configure, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { Channel, ChannelInput, ChannelTestResult } from '../api/types';
import { testIds } from '../components/testIds';
import { installFakeSidecar, type Handlers } from '../test/fakeSidecar';
import Channels from './Channels';

// Several test runs share two cores: waits bound a hang, they do not time the page.
configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(120_000);

const T = testIds.channels;
const SECRET_KEYS: Record<Channel['type'], string[]> = {
  slack: ['url'],
  discord: ['url'],
  email: ['password'],
  sms: ['authToken'],
  webhook: ['secret', 'headers'],
  alertmanager: ['password'],
};
const DEFAULTS: Partial<Record<Channel['type'], Record<string, unknown>>> = {
  email: { port: 587, secure: false },
  sms: { baseUrl: 'https://api.twilio.com' },
};
const STAMP = { createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z' };

/**
 * The channel routes the way the sidecar answers them (channelStore.saveChannel): secrets kept
 * apart and named in `secretsConfigured`, a PUT that leaves a secret out keeps the stored one.
 * Every answer is checked against the OpenAPI document by the fake, which also refuses a secret
 * value in a response (it is not in the document's config schemas).
 */
function channelSidecar(initial: Channel[], extra: Handlers = {}) {
  const stored = new Map(
    initial.map((c) => [
      c.id,
      {
        view: c,
        secrets: Object.fromEntries(c.secretsConfigured.map((k) => [k, `stored-${k}`])) as Record<string, unknown>,
      },
    ])
  );
  const save = (input: ChannelInput, status: number) => {
    const previous = stored.get(input.id);
    const secrets: Record<string, unknown> =
      previous && previous.view.type === input.type ? { ...previous.secrets } : {};
    const config: Record<string, unknown> = { ...(DEFAULTS[input.type] ?? {}) };
    for (const [k, v] of Object.entries(input.config)) {
      (SECRET_KEYS[input.type].includes(k) ? secrets : config)[k] = v;
    }
    const view = {
      id: input.id,
      name: input.name,
      type: input.type,
      enabled: input.enabled ?? true,
      config,
      secretsConfigured: Object.keys(secrets).sort(),
      source: 'api',
      ...STAMP,
    } as Channel;
    stored.set(input.id, { view, secrets });
    return { status, body: view };
  };
  const fake = installFakeSidecar({
    'GET api/v1/channels': () => ({ channels: [...stored.values()].map((c) => c.view) }),
    'POST api/v1/channels': (req) => save(req.data as ChannelInput, 201),
    'PUT api/v1/channels/{id}': (req) => save(req.data as ChannelInput, 200),
    'DELETE api/v1/channels/{id}': (req) => {
      stored.delete(decodeURIComponent(req.path.split('/').pop()!));
      return { status: 204, body: undefined };
    },
    ...extra,
  });
  return {
    ...fake,
    secretsOf: (id: string) => stored.get(id)?.secrets,
    last: (method: string) => [...fake.requests].reverse().find((r) => r.method === method),
  };
}

const slack: Channel = {
  id: 'ops-slack',
  name: 'Ops Slack',
  type: 'slack',
  enabled: true,
  config: { channel: '#ops' },
  secretsConfigured: ['url'],
  source: 'api',
  ...STAMP,
};
const fileWebhook: Channel = {
  id: 'demo-webhook',
  name: 'Demo webhook sink',
  type: 'webhook',
  enabled: true,
  config: { url: 'http://127.0.0.1:9/webhook-sink' },
  secretsConfigured: ['secret'],
  source: 'file',
  sourceFile: 'alerting/channels.yaml',
  ...STAMP,
};

const renderPage = () =>
  render(
    <MemoryRouter>
      <Channels />
    </MemoryRouter>
  );
const type = (testId: string, value: string) => fireEvent.change(screen.getByTestId(testId), { target: { value } });
const field = (key: string) => screen.getByTestId(T.field(key)) as HTMLInputElement;

/** Whether a value appears anywhere on the page: as text or as what an input holds. */
function onPage(value: string): boolean {
  const inputs = Array.from(document.querySelectorAll('input, textarea')) as HTMLInputElement[];
  return document.body.textContent!.includes(value) || inputs.some((i) => i.value.includes(value));
}

interface CreateCase {
  type: Channel['type'];
  label: string;
  fill: () => void;
  secrets: string[];
  config: Record<string, unknown>;
}

const CREATE_CASES: CreateCase[] = [
  {
    type: 'slack',
    label: 'Slack',
    secrets: ['https://hooks.slack.com/services/T0/B0/s3cr3t-slack'],
    fill: () => {
      type(T.field('url'), 'https://hooks.slack.com/services/T0/B0/s3cr3t-slack');
      type(T.field('channel'), '#ops');
    },
    config: { url: 'https://hooks.slack.com/services/T0/B0/s3cr3t-slack', channel: '#ops' },
  },
  {
    type: 'discord',
    label: 'Discord',
    secrets: ['https://discord.com/api/webhooks/1/s3cr3t-discord'],
    fill: () => {
      type(T.field('url'), 'https://discord.com/api/webhooks/1/s3cr3t-discord');
      type(T.field('username'), 'Monitor');
    },
    config: { url: 'https://discord.com/api/webhooks/1/s3cr3t-discord', username: 'Monitor' },
  },
  {
    type: 'email',
    label: 'Email',
    secrets: ['s3cr3t-smtp-password'],
    fill: () => {
      type(T.field('host'), 'smtp.example.com');
      type(T.field('port'), '465');
      fireEvent.click(field('secure'));
      type(T.field('user'), 'alerts');
      type(T.field('password'), 's3cr3t-smtp-password');
      type(T.field('from'), 'alerts@example.com');
      type(T.field('to'), 'oncall@example.com, team@example.com');
      expect(screen.queryByTestId(T.tlsWarning)).not.toBeInTheDocument();
      fireEvent.click(field('tls'));
      expect(screen.getByTestId(T.tlsWarning)).toHaveTextContent(
        'anyone on the network path can read the mail and the SMTP password'
      );
    },
    config: {
      host: 'smtp.example.com',
      port: 465,
      secure: true,
      user: 'alerts',
      password: 's3cr3t-smtp-password',
      from: 'alerts@example.com',
      to: ['oncall@example.com', 'team@example.com'],
      tls: { rejectUnauthorized: false },
    },
  },
  {
    type: 'sms',
    label: 'SMS',
    secrets: ['s3cr3t-twilio-token'],
    fill: () => {
      type(T.field('baseUrl'), 'http://127.0.0.1:4010');
      type(T.field('accountSid'), 'AC123');
      type(T.field('authToken'), 's3cr3t-twilio-token');
      type(T.field('from'), '+15551234567');
      type(T.field('to'), '+15557654321,+15550001111');
    },
    config: {
      baseUrl: 'http://127.0.0.1:4010',
      accountSid: 'AC123',
      authToken: 's3cr3t-twilio-token',
      from: '+15551234567',
      to: ['+15557654321', '+15550001111'],
    },
  },
  {
    type: 'webhook',
    label: 'Webhook',
    secrets: ['s3cr3t-signing-key', 'Bearer s3cr3t-header-token'],
    fill: () => {
      type(T.field('url'), 'https://receiver.example.com/hook');
      type(T.field('secret'), 's3cr3t-signing-key');
      fireEvent.click(screen.getByTestId(T.addHeader));
      type(T.headerName(0), 'Authorization');
      type(T.headerValue(0), 'Bearer s3cr3t-header-token');
    },
    config: {
      url: 'https://receiver.example.com/hook',
      secret: 's3cr3t-signing-key',
      headers: { Authorization: 'Bearer s3cr3t-header-token' },
    },
  },
  {
    type: 'alertmanager',
    label: 'Alertmanager',
    secrets: ['s3cr3t-am-password'],
    fill: () => {
      type(T.field('url'), 'http://127.0.0.1:9093');
      type(T.field('username'), 'wm');
      type(T.field('password'), 's3cr3t-am-password');
    },
    config: { url: 'http://127.0.0.1:9093', username: 'wm', password: 's3cr3t-am-password' },
  },
];

describe('Channels page', () => {
  it.each(CREATE_CASES)(
    'creates a $type channel from its own fields, sending its secrets once and never showing them again',
    async (c) => {
      const fake = channelSidecar([]);
      renderPage();
      fireEvent.click(await screen.findByText('New channel'));
      fireEvent.click(screen.getByRole('radio', { name: c.label }));
      type(T.field('id'), `new-${c.type}`);
      type(T.field('name'), `New ${c.label}`);
      c.fill();
      fireEvent.click(screen.getByTestId(T.save));

      const row = await screen.findByTestId(T.row(`new-${c.type}`));
      expect(fake.last('POST')).toMatchObject({ path: 'api/v1/channels' });
      expect(fake.last('POST')!.data).toEqual({
        id: `new-${c.type}`,
        name: `New ${c.label}`,
        type: c.type,
        enabled: true,
        config: c.config,
      });
      // The list shows which secrets are set, by name only.
      for (const key of Object.keys(c.config).filter((k) => SECRET_KEYS[c.type].includes(k))) {
        expect(within(row).getByText(`${key} configured`)).toBeInTheDocument();
      }
      for (const secret of c.secrets) {
        expect(onPage(secret)).toBe(false);
      }
      // Opened again, each stored secret is "configured", its value nowhere.
      fireEvent.click(screen.getByTestId(T.edit(`new-${c.type}`)));
      await screen.findByTestId(T.form);
      for (const key of SECRET_KEYS[c.type].filter((k) => k in c.config)) {
        expect(field(key)).toHaveValue('configured');
        expect(field(key)).toBeDisabled();
      }
      for (const secret of c.secrets) {
        expect(onPage(secret)).toBe(false);
      }
    }
  );

  it('an edit keeps a configured secret: the PUT carries no secret key, and the sidecar keeps the stored value', async () => {
    const fake = channelSidecar([slack]);
    renderPage();
    fireEvent.click(await screen.findByTestId(T.edit('ops-slack')));
    expect(field('url')).toHaveValue('configured');
    type(T.field('name'), 'Ops Slack (renamed)');
    type(T.field('channel'), '#ops-alerts');
    fireEvent.click(screen.getByTestId(T.save));

    await waitFor(() => expect(fake.last('PUT')).toBeDefined());
    expect(fake.last('PUT')!.path).toBe('api/v1/channels/ops-slack');
    expect(fake.last('PUT')!.data).toEqual({
      id: 'ops-slack',
      name: 'Ops Slack (renamed)',
      type: 'slack',
      enabled: true,
      config: { channel: '#ops-alerts' },
    });
    expect(fake.secretsOf('ops-slack')).toEqual({ url: 'stored-url' });
  });

  it('after Reset the secret can be typed again and the PUT carries the new value; Reset left empty keeps the stored one', async () => {
    const fake = channelSidecar([slack]);
    renderPage();
    fireEvent.click(await screen.findByTestId(T.edit('ops-slack')));
    fireEvent.click(within(screen.getByTestId(T.form)).getByRole('button', { name: 'Reset' }));
    expect(field('url')).toHaveValue('');
    expect(field('url')).toHaveAttribute('type', 'password');
    expect(screen.getByText('Type the new value; left empty, the stored one is kept')).toBeInTheDocument();
    fireEvent.click(screen.getByTestId(T.save));
    await waitFor(() => expect(fake.last('PUT')).toBeDefined());
    expect(fake.last('PUT')!.data).toMatchObject({ config: { channel: '#ops' } });
    expect(fake.last('PUT')!.data).not.toHaveProperty('config.url');

    await screen.findByTestId(T.row('ops-slack'));
    fireEvent.click(screen.getByTestId(T.edit('ops-slack')));
    fireEvent.click(within(screen.getByTestId(T.form)).getByRole('button', { name: 'Reset' }));
    type(T.field('url'), 'https://hooks.slack.com/services/T0/B0/rotated');
    fireEvent.click(screen.getByTestId(T.save));
    await waitFor(() => expect(fake.requests.filter((r) => r.method === 'PUT')).toHaveLength(2));
    expect(fake.last('PUT')!.data).toEqual({
      id: 'ops-slack',
      name: 'Ops Slack',
      type: 'slack',
      enabled: true,
      config: { channel: '#ops', url: 'https://hooks.slack.com/services/T0/B0/rotated' },
    });
    expect(fake.secretsOf('ops-slack')).toEqual({ url: 'https://hooks.slack.com/services/T0/B0/rotated' });
  });

  it('webhook headers are write-only as a whole: configured until Reset, then new rows replace them', async () => {
    const hook: Channel = {
      id: 'hook',
      name: 'Hook',
      type: 'webhook',
      enabled: true,
      config: { url: 'https://receiver.example.com/hook' },
      secretsConfigured: ['headers', 'secret'],
      source: 'api',
      ...STAMP,
    };
    const fake = channelSidecar([hook]);
    renderPage();
    fireEvent.click(await screen.findByTestId(T.edit('hook')));
    expect(field('headers')).toHaveValue('configured');
    const resets = within(screen.getByTestId(T.form)).getAllByRole('button', { name: 'Reset' });
    expect(resets).toHaveLength(2);
    fireEvent.click(resets[1]!);
    fireEvent.click(screen.getByTestId(T.addHeader));
    type(T.headerName(0), 'X-Api-Key');
    type(T.headerValue(0), 'new-key');
    fireEvent.click(screen.getByTestId(T.save));
    await waitFor(() => expect(fake.last('PUT')).toBeDefined());
    expect(fake.last('PUT')!.data).toEqual({
      id: 'hook',
      name: 'Hook',
      type: 'webhook',
      enabled: true,
      config: { url: 'https://receiver.example.com/hook', headers: { 'X-Api-Key': 'new-key' } },
    });
    expect(fake.secretsOf('hook')).toEqual({ secret: 'stored-secret', headers: { 'X-Api-Key': 'new-key' } });
  });

  it('asks for the required settings of the type before sending anything', async () => {
    const fake = channelSidecar([]);
    renderPage();
    fireEvent.click(await screen.findByText('New channel'));
    fireEvent.click(screen.getByRole('radio', { name: 'SMS' }));
    fireEvent.click(screen.getByTestId(T.save));
    expect(await screen.findAllByText('required')).toHaveLength(5); // id, name, account SID, auth token, from
    expect(screen.getByText('needs at least one')).toBeInTheDocument();
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('puts the sidecar’s field errors on their fields', async () => {
    channelSidecar([], {
      'POST api/v1/channels': () => ({
        status: 400,
        body: {
          error: {
            code: 'validation_failed',
            message: 'invalid email channel: config.to.1: must be an e-mail address',
            details: [
              { path: 'config.to.1', message: 'must be an e-mail address' },
              { path: 'config.port', message: 'Too big: expected number to be <=65535' },
              { path: 'id', message: 'must be 1–100 characters' },
            ],
          },
        },
      }),
    });
    renderPage();
    fireEvent.click(await screen.findByText('New channel'));
    fireEvent.click(screen.getByRole('radio', { name: 'Email' }));
    type(T.field('id'), 'mail');
    type(T.field('name'), 'Mail');
    type(T.field('host'), 'smtp.example.com');
    type(T.field('port'), '70000');
    type(T.field('from'), 'alerts@example.com');
    type(T.field('to'), 'oncall@example.com, not-an-address');
    fireEvent.click(screen.getByTestId(T.save));
    expect(await screen.findByText('to[1]: must be an e-mail address')).toBeInTheDocument();
    expect(screen.getByText('Too big: expected number to be <=65535')).toBeInTheDocument();
    expect(screen.getByText('must be 1–100 characters')).toBeInTheDocument();
    expect(field('to')).toHaveAttribute('aria-invalid', 'true');
  });

  it('Send test shows what the receiver answered: delivered with its status and time', async () => {
    const fake = channelSidecar([slack], {
      'POST api/v1/channels/{id}/test': (): ChannelTestResult => ({ delivered: true, httpStatus: 200, durationMs: 42 }),
    });
    renderPage();
    fireEvent.click(await screen.findByTestId(T.sendTest('ops-slack')));
    const result = await screen.findByText('Delivered: the receiver accepted the test notification');
    expect(screen.getByTestId(T.testResult('ops-slack'))).toContainElement(result);
    expect(screen.getByTestId(T.testResult('ops-slack'))).toHaveTextContent('HTTP 200 · in 42 ms');
    expect(fake.last('POST')).toMatchObject({ path: 'api/v1/channels/ops-slack/test', data: { user: 'alice' } });
  });

  it('Send test shows the error and its classification when the receiver refuses', async () => {
    channelSidecar([slack], {
      'POST api/v1/channels/{id}/test': (): ChannelTestResult => ({
        delivered: false,
        httpStatus: 404,
        errorType: 'permanent',
        error: 'receiver answered HTTP 404: no_team',
        durationMs: 12,
      }),
    });
    renderPage();
    fireEvent.click(await screen.findByTestId(T.sendTest('ops-slack')));
    const box = await screen.findByTestId(T.testResult('ops-slack'));
    await waitFor(() => expect(box).toHaveTextContent('Not delivered (permanent)'));
    expect(box).toHaveTextContent('receiver answered HTTP 404: no_team');
    expect(box).toHaveTextContent('HTTP 404 · in 12 ms');
  });

  it('disables an API channel with a PUT of its public settings, leaving its secrets to the sidecar', async () => {
    const fake = channelSidecar([slack]);
    renderPage();
    fireEvent.click(await screen.findByTestId(T.toggle('ops-slack')));
    await waitFor(() => expect(fake.last('PUT')).toBeDefined());
    expect(fake.last('PUT')!.data).toEqual({
      id: 'ops-slack',
      name: 'Ops Slack',
      type: 'slack',
      enabled: false,
      config: { channel: '#ops' },
    });
    await waitFor(() => expect(screen.getByTestId(T.toggle('ops-slack'))).not.toBeChecked());
    expect(fake.secretsOf('ops-slack')).toEqual({ url: 'stored-url' });
  });

  it('deletes an API channel after confirmation', async () => {
    const fake = channelSidecar([slack]);
    renderPage();
    fireEvent.click(await screen.findByTestId(T.remove('ops-slack')));
    expect(fake.requests.some((r) => r.method === 'DELETE')).toBe(false);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(screen.queryByTestId(T.row('ops-slack'))).not.toBeInTheDocument());
    expect(fake.last('DELETE')!.path).toBe('api/v1/channels/ops-slack');
  });

  it('a file-defined channel is read-only and says which file defines it; it can still be tested', async () => {
    const fake = channelSidecar([fileWebhook]);
    renderPage();
    const row = await screen.findByTestId(T.row('demo-webhook'));
    expect(row).toHaveTextContent('defined in alerting/channels.yaml');
    expect(screen.getByTestId(T.toggle('demo-webhook'))).toBeDisabled();
    expect(screen.queryByTestId(T.remove('demo-webhook'))).not.toBeInTheDocument();
    expect(screen.getByTestId(T.sendTest('demo-webhook'))).toBeEnabled();
    fireEvent.click(screen.getByTestId(T.edit('demo-webhook')));
    expect(screen.getByTestId(T.edit('demo-webhook'))).toHaveTextContent('View');
    expect(await screen.findByText('Defined in alerting/channels.yaml: change it there')).toBeInTheDocument();
    expect(field('url')).toBeDisabled();
    expect(field('secret')).toHaveValue('configured');
    expect(within(screen.getByTestId(T.form)).queryByRole('button', { name: 'Reset' })).not.toBeInTheDocument();
    expect(screen.queryByTestId(T.save)).not.toBeInTheDocument();
    expect(fake.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
  });

  it('a Viewer sees every channel but cannot create, edit, toggle, test or delete', async () => {
    installFakeSidecar({ 'GET api/v1/channels': () => ({ channels: [slack, fileWebhook] }) }, { role: 'Viewer' });
    renderPage();
    await screen.findByTestId(T.row('ops-slack'));
    expect(screen.queryByText('New channel')).not.toBeInTheDocument();
    expect(screen.queryByText('Send test')).not.toBeInTheDocument();
    expect(screen.queryByTestId(T.remove('ops-slack'))).not.toBeInTheDocument();
    expect(screen.getByTestId(T.toggle('ops-slack'))).toBeDisabled();
    expect(screen.getByTestId(T.edit('ops-slack'))).toHaveTextContent('View');
    fireEvent.click(screen.getByTestId(T.edit('ops-slack')));
    expect(await screen.findByText('Viewers cannot change channels')).toBeInTheDocument();
    expect(field('name')).toBeDisabled();
    expect(field('url')).toHaveValue('configured');
    expect(screen.queryByTestId(T.save)).not.toBeInTheDocument();
  });
});
