import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { configure, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { Rule } from '../api/types';
import { testIds } from '../components/testIds';
import { channelFixture, policyFixture, ruleFixture, validationError, workflowFixture } from '../test/alertingFixtures';
import { installFakeSidecar, type Handled } from '../test/fakeSidecar';
import Rules from './Rules';

// A form of this size renders slowly on a busy 2-core machine: deadlines only bound a hang.
jest.setTimeout(120_000);
configure({ asyncUtilTimeout: 30_000 });

const low = ruleFixture();

function setup(
  opts: { rules?: Rule[]; role?: 'Viewer' | 'Editor'; post?: (body: unknown) => Handled | undefined } = {}
) {
  const fake = installFakeSidecar(
    {
      'GET api/v1/rules': () => ({ rules: opts.rules ?? [low] }),
      'GET api/v1/workflows': () => ({
        workflows: [workflowFixture('checkout', 'Checkout flow'), workflowFixture('login', 'Login flow')],
        loadErrors: [],
      }),
      'GET api/v1/channels': () => ({
        channels: [channelFixture('ops-slack', 'Ops Slack'), channelFixture('oncall-sms', 'On-call SMS')],
      }),
      'GET api/v1/escalation-policies': () => ({ policies: [policyFixture('payments', 'Payments on-call')] }),
      'POST api/v1/rules': (req) =>
        opts.post?.(req.data) ?? {
          status: 201,
          body: ruleFixture({
            id: (req.data as Rule).id,
            name: (req.data as Rule).name,
            predefined: false,
            source: 'api',
          }),
        },
      'PUT api/v1/rules/{id}': (req) => ({ ...low, ...ruleFixture({ id: (req.data as Rule).id }) }),
      'DELETE api/v1/rules/{id}': () => ({ status: 204, body: undefined }),
    },
    { role: opts.role ?? 'Editor' }
  );
  render(
    <MemoryRouter>
      <Rules />
    </MemoryRouter>
  );
  return fake;
}

const field = (path: string) => screen.getByTestId(testIds.rules.field(path));
function type(path: string, value: string) {
  fireEvent.change(field(path).querySelector('input, textarea')!, { target: { value } });
}
/** Clicks the option labelled `label` of the radio group (or checkbox) in the field at `path`. */
function choose(path: string, label: string) {
  fireEvent.click(within(field(path)).getByLabelText(label));
}
async function pick(inputId: string, option: string) {
  fireEvent.keyDown(document.getElementById(inputId)!, { key: 'ArrowDown' });
  // The menu (a portal opened last) comes after the value shown in the control.
  const matches = await screen.findAllByText(option);
  fireEvent.click(matches[matches.length - 1]!);
}

async function newRule(id: string) {
  fireEvent.click(await screen.findByText('New rule'));
  await screen.findByTestId(testIds.rules.form);
  type('id', id);
  type('name', `Rule ${id}`);
}

async function savedBody(fake: ReturnType<typeof setup>, method: 'POST' | 'PUT') {
  fireEvent.click(screen.getByTestId(testIds.rules.save));
  await waitFor(() => expect(fake.requests.some((r) => r.method === method)).toBe(true));
  return fake.requests.find((r) => r.method === method)!;
}

const base = (id: string) => ({
  id,
  name: `Rule ${id}`,
  enabled: true,
  severity: 'warning',
  scope: {},
  cooldown: '0s',
  flapping: { window: '30m', threshold: 6 },
  channels: [],
});

describe('Rules page: a structured form per condition type', () => {
  it.each([
    {
      label: 'Threshold',
      fill: async () => {
        await pick('rule-condition-metric', 'p95 duration');
        choose('condition.operator', '>=');
        type('condition.value', '1500');
        type('condition.window', '30m');
        type('condition.minSamples', '20');
      },
      condition: {
        type: 'threshold',
        metric: 'duration_p95',
        operator: '>=',
        value: 1500,
        window: '30m',
        minSamples: 20,
      },
    },
    {
      label: 'Failure rate',
      fill: async () => {
        choose('condition.operator', '>=');
        type('condition.value', '25');
        type('condition.window', '1h');
        type('condition.minSamples', '10');
      },
      condition: { type: 'rate', operator: '>=', value: 25, window: '1h', minSamples: 10 },
    },
    {
      label: 'Error pattern',
      fill: async () => {
        type('condition.regex', 'timeout|ECONNRESET');
        choose('condition.caseInsensitive', 'Case-insensitive');
        type('condition.window', '2h');
        type('condition.minMatches', '3');
      },
      condition: { type: 'pattern', regex: 'timeout|ECONNRESET', caseInsensitive: true, window: '2h', minMatches: 3 },
    },
    {
      label: 'Duration',
      fill: async () => {
        choose('condition.of', 'A step');
        type('condition.step', 'login');
        choose('condition.operator', '>=');
        type('condition.threshold', '5s');
      },
      condition: { type: 'duration', of: 'step', step: 'login', operator: '>=', threshold: '5s' },
    },
    {
      label: 'Consecutive failures',
      fill: async () => type('condition.count', '5'),
      condition: { type: 'consecutive_failures', count: 5 },
    },
    {
      label: 'Custom',
      fill: async () => {
        type('condition.expression', 'window.successRate < 90 && execution.errorType == "timeout"');
        type('condition.window', '30m');
        expect(await screen.findByText(/^Parses, and uses only documented names/)).toBeInTheDocument();
      },
      condition: {
        type: 'custom',
        expression: 'window.successRate < 90 && execution.errorType == "timeout"',
        window: '30m',
      },
    },
    {
      label: 'SLO burn rate',
      fill: async () => type('condition.pairs', '2h 10m 8\n 6h 30m 6 \n'),
      condition: {
        type: 'burn_rate',
        pairs: [
          { long: '2h', short: '10m', factor: 8 },
          { long: '6h', short: '30m', factor: 6 },
        ],
      },
    },
    {
      label: 'Anomaly',
      fill: async () => {
        await pick('rule-condition-anomaly-metric', 'Executions');
        choose('condition.direction', 'Both');
        type('condition.weeks', '6');
        type('condition.sensitivity', '4');
        type('condition.minSamples', '10');
        type('condition.window', '30m');
      },
      condition: {
        type: 'anomaly',
        metric: 'executions',
        direction: 'both',
        weeks: 6,
        sensitivity: 4,
        minSamples: 10,
        window: '30m',
      },
    },
  ])('$label: fills the form and POSTs exactly the fields of that condition', async ({ label, fill, condition }) => {
    const fake = setup();
    await newRule('my-rule');
    await pick('rule-condition-type', label);
    await fill();
    const post = await savedBody(fake, 'POST');
    expect(post.path).toBe('api/v1/rules');
    expect(post.data).toEqual({ ...base('my-rule'), condition });
    await waitFor(() => expect(fake.toasts).toContainEqual({ type: 'alert-success', payload: ['Rule my-rule saved'] }));
  });

  it('a pattern rule without a window leaves it out (only the latest execution is judged)', async () => {
    const fake = setup();
    await newRule('errors');
    await pick('rule-condition-type', 'Error pattern');
    type('condition.regex', '5\\d\\d');
    const post = await savedBody(fake, 'POST');
    expect((post.data as Rule).condition).toEqual({
      type: 'pattern',
      regex: '5\\d\\d',
      caseInsensitive: false,
      minMatches: 1,
    });
  });

  it('sends scope (workflows, labels, critical), severity, cooldown, flapping and channels picked from the lists', async () => {
    const fake = setup();
    await newRule('checkout-down');
    await pick('rule-scope-workflows', 'Checkout flow');
    fireEvent.click(screen.getByTestId(testIds.labels.add('rule-scope')));
    fireEvent.change(screen.getByTestId(testIds.labels.key('rule-scope', 0)), { target: { value: 'team' } });
    fireEvent.change(screen.getByTestId(testIds.labels.value('rule-scope', 0)), { target: { value: 'payments' } });
    choose('scope.critical', 'Critical only');
    choose('severity', 'critical');
    type('cooldown', '10m');
    type('flapping.window', '1h');
    type('flapping.threshold', '4');
    choose('notify', 'Channels');
    await pick('rule-channels', 'Ops Slack');
    const post = await savedBody(fake, 'POST');
    expect(post.data).toEqual({
      ...base('checkout-down'),
      severity: 'critical',
      scope: { workflowIds: ['checkout'], labels: { team: 'payments' }, critical: true },
      condition: { type: 'consecutive_failures', count: 3 },
      cooldown: '10m',
      flapping: { window: '1h', threshold: 4 },
      channels: ['ops-slack'],
    });
  });

  it('notifies an escalation policy picked from the list instead of channels', async () => {
    const fake = setup();
    await newRule('paged');
    choose('notify', 'Escalation policy');
    await pick('rule-escalation-policy', 'Payments on-call');
    const post = await savedBody(fake, 'POST');
    expect(post.data).toMatchObject({ escalationPolicy: 'payments', channels: [] });
  });

  it('edits a predefined rule with a PUT of exactly its input fields', async () => {
    const fake = setup();
    fireEvent.click(await screen.findByTestId(testIds.rules.edit('low-success-rate')));
    expect(within(field('id')).getByRole('textbox')).toBeDisabled();
    type('condition.value', '75');
    const put = await savedBody(fake, 'PUT');
    expect(put.path).toBe('api/v1/rules/low-success-rate');
    expect(put.data).toEqual({
      id: 'low-success-rate',
      name: 'Low success rate',
      enabled: true,
      severity: 'warning',
      scope: {},
      condition: { type: 'threshold', metric: 'success_rate', operator: '<', value: 75, window: '1h', minSamples: 10 },
      cooldown: '5m',
      flapping: { window: '30m', threshold: 6 },
      channels: [],
    });
  });

  it('flags a number field that is not a number without asking the sidecar', async () => {
    const fake = setup();
    await newRule('bad-count');
    type('condition.count', '');
    fireEvent.click(screen.getByTestId(testIds.rules.save));
    expect(await within(field('condition.count')).findByText('required')).toBeInTheDocument();
    expect(fake.requests.some((r) => r.method === 'POST')).toBe(false);
  });
});

describe('Rules page: custom expressions and server errors', () => {
  it('checks the custom expression as it is typed: syntax and unknown names, before any request', async () => {
    const fake = setup();
    await newRule('custom');
    await pick('rule-condition-type', 'Custom');
    type('condition.expression', 'window.successRate < 90 &&');
    expect(
      await within(field('condition.expression')).findByText(/^does not parse: Unexpected end of expression/)
    ).toBeInTheDocument();
    type('condition.expression', 'build.failed == true');
    expect(
      await within(field('condition.expression')).findByText(
        'unknown name "build"; use execution, window, workflow, consecutiveFailures'
      )
    ).toBeInTheDocument();
    type('condition.expression', 'execution.errorMessage|upper == "X"');
    expect(
      await within(field('condition.expression')).findByText('unknown transform "upper"; known: matches, lower')
    ).toBeInTheDocument();
    expect(fake.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
  });

  it('puts each server field error on its field (condition.regex, scope.workflowIds[0], channels[0], flapping.window)', async () => {
    setup({
      post: () =>
        validationError([
          { path: 'condition.regex', message: 'cannot be used: invalid or unsupported Perl syntax: `(?<`' },
          { path: 'scope.workflowIds[0]', message: 'Too small: expected string to have >=1 characters' },
          { path: 'channels[0]', message: 'channel "ops-slack" does not exist' },
          { path: 'flapping.window', message: '10s is below the minimum 1m' },
        ]),
    });
    await newRule('bad');
    await pick('rule-condition-type', 'Error pattern');
    type('condition.regex', '(?<name>x)');
    choose('notify', 'Channels');
    await pick('rule-channels', 'Ops Slack');
    type('flapping.window', '10s');
    fireEvent.click(screen.getByTestId(testIds.rules.save));
    expect(
      await within(field('condition.regex')).findByText('cannot be used: invalid or unsupported Perl syntax: `(?<`')
    ).toBeInTheDocument();
    expect(
      within(field('scope.workflowIds')).getByText('Too small: expected string to have >=1 characters')
    ).toBeInTheDocument();
    expect(within(field('channels')).getByText('channel "ops-slack" does not exist')).toBeInTheDocument();
    expect(within(field('flapping.window')).getByText('10s is below the minimum 1m')).toBeInTheDocument();
    expect(screen.queryByTestId(testIds.rules.formErrors)).not.toBeInTheDocument();
  });

  it("puts the sidecar's verdict on a custom expression on the expression field", async () => {
    setup({
      post: () =>
        validationError([
          {
            path: 'condition.expression',
            message:
              'a member read with [...] needs a literal key, such as ["name"] or [0]; computed keys are not allowed',
          },
        ]),
    });
    await newRule('sneaky');
    await pick('rule-condition-type', 'Custom');
    type('condition.expression', 'execution["constr" + "uctor"] == 1');
    await screen.findByText(/^Parses/);
    fireEvent.click(screen.getByTestId(testIds.rules.save));
    expect(await within(field('condition.expression')).findByText(/computed keys are not allowed/)).toBeInTheDocument();
  });

  it('shows an error the form has no field for, and a conflict without details, above the buttons', async () => {
    setup({
      post: () => ({ status: 409, body: { error: { code: 'conflict', message: 'rule "low-success-rate" exists' } } }),
    });
    await newRule('low-success-rate');
    fireEvent.click(screen.getByTestId(testIds.rules.save));
    expect(await screen.findByTestId(testIds.rules.formErrors)).toHaveTextContent('rule "low-success-rate" exists');
  });
});

describe('Rules page: the list', () => {
  it('disables a predefined rule with a PUT of the rule as stored, without bookkeeping fields', async () => {
    const fake = setup();
    fireEvent.click(await screen.findByTestId(testIds.rules.toggle('low-success-rate')));
    await waitFor(() => expect(fake.requests.some((r) => r.method === 'PUT')).toBe(true));
    const put = fake.requests.find((r) => r.method === 'PUT')!;
    expect(put.path).toBe('api/v1/rules/low-success-rate');
    expect(put.data).toEqual({
      id: 'low-success-rate',
      name: 'Low success rate',
      enabled: false,
      severity: 'warning',
      scope: {},
      condition: low.condition,
      cooldown: '5m',
      flapping: { window: '30m', threshold: 6 },
      channels: [],
    });
  });

  it('enables a rule the sidecar disabled without sending its disabledReason back (the schema is strict)', async () => {
    const fake = setup({
      rules: [
        ruleFixture({
          enabled: false,
          disabledReason: 'condition.regex: cannot be used: backreferences are not supported',
        }),
      ],
    });
    fireEvent.click(await screen.findByTestId(testIds.rules.toggle('low-success-rate')));
    await waitFor(() => expect(fake.requests.some((r) => r.method === 'PUT')).toBe(true));
    const put = fake.requests.find((r) => r.method === 'PUT')!;
    expect(put.data).toMatchObject({ enabled: true });
    expect(put.data).not.toHaveProperty('disabledReason');
  });

  it('shows why the sidecar disabled a rule', async () => {
    setup({
      rules: [
        ruleFixture({
          id: 'stale',
          enabled: false,
          predefined: false,
          source: 'api',
          disabledReason: 'condition.regex: cannot be used: backreferences are not supported',
        }),
      ],
    });
    expect(await screen.findByTestId(testIds.rules.disabledReason('stale'))).toHaveTextContent(
      'backreferences are not supported'
    );
  });

  it('deletes an API-defined rule after confirmation; predefined ones offer no delete', async () => {
    const fake = setup({
      rules: [low, ruleFixture({ id: 'api-rule', name: 'Mine', predefined: false, source: 'api' })],
    });
    await screen.findByTestId(testIds.rules.row('api-rule'));
    expect(screen.queryByTestId(testIds.rules.remove('low-success-rate'))).not.toBeInTheDocument();
    fireEvent.click(screen.getByTestId(testIds.rules.remove('api-rule')));
    fireEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(fake.requests.some((r) => r.method === 'DELETE')).toBe(true));
    expect(fake.requests.find((r) => r.method === 'DELETE')!.path).toBe('api/v1/rules/api-rule');
  });

  it('shows a file-defined rule read-only with the file it is defined in', async () => {
    setup({
      rules: [
        ruleFixture({
          id: 'from-file',
          name: 'From a file',
          predefined: false,
          source: 'file',
          sourceFile: 'alerting/payments.yaml',
        }),
      ],
    });
    const row = await screen.findByTestId(testIds.rules.row('from-file'));
    expect(row).toHaveTextContent('defined in alerting/payments.yaml');
    expect(screen.getByTestId(testIds.rules.toggle('from-file'))).toBeDisabled();
    expect(screen.queryByTestId(testIds.rules.edit('from-file'))).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.rules.remove('from-file'))).not.toBeInTheDocument();
    fireEvent.click(screen.getByTestId(testIds.rules.view('from-file')));
    expect(await screen.findByText('Defined in alerting/payments.yaml')).toBeInTheDocument();
    expect(within(field('name')).getByRole('textbox')).toBeDisabled();
    expect(screen.queryByTestId(testIds.rules.save)).not.toBeInTheDocument();
  });

  it('a Viewer sees every rule read-only: no create, edit, delete or toggle', async () => {
    const fake = setup({
      role: 'Viewer',
      rules: [low, ruleFixture({ id: 'api-rule', predefined: false, source: 'api' })],
    });
    await screen.findByTestId(testIds.rules.row('low-success-rate'));
    expect(screen.queryByText('New rule')).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.rules.edit('low-success-rate'))).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.rules.remove('api-rule'))).not.toBeInTheDocument();
    expect(screen.getByTestId(testIds.rules.toggle('low-success-rate'))).toBeDisabled();
    fireEvent.click(screen.getByTestId(testIds.rules.view('low-success-rate')));
    await screen.findByTestId(testIds.rules.form);
    expect(within(field('condition.value')).getByRole('spinbutton')).toBeDisabled();
    expect(screen.queryByTestId(testIds.rules.save)).not.toBeInTheDocument();
    expect(fake.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
  });
});
