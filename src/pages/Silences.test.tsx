import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { configure, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { Alert, Silence, SilenceInput } from '../api/types';
import { testIds } from '../components/testIds';
import { alertFixture, silenceFixture, validationError, workflowFixture } from '../test/alertingFixtures';
import { installFakeSidecar, type Handled } from '../test/fakeSidecar';
import Silences from './Silences';

// The drawer's form renders slowly on a busy 2-core machine: deadlines only bound a hang.
jest.setTimeout(120_000);
configure({ asyncUtilTimeout: 30_000 });

const live: Silence[] = [
  silenceFixture(1, { matchers: { workflowIds: ['checkout'] }, comment: 'deploying' }),
  silenceFixture(2, {
    matchers: { severities: ['info'] },
    startsAt: '2098-01-01T00:00:00.000Z',
    activeNow: false,
    comment: 'next year',
  }),
  silenceFixture(3, {
    matchers: { labels: { team: 'search' } },
    recurrence: { cron: '0 2 * * 0', window: 7_200_000, timezone: 'Europe/Berlin' },
    activeNow: false,
    comment: 'weekly reindex',
  }),
];
const ended = silenceFixture(4, {
  startsAt: '2021-01-01T00:00:00.000Z',
  endsAt: '2021-01-02T00:00:00.000Z',
  activeNow: false,
  comment: 'long ago',
});

const openAlerts: Alert[] = [
  alertFixture(11, {
    workflowId: 'checkout',
    severity: 'error',
    labels: { team: 'payments' },
    title: 'Checkout failing',
  }),
  alertFixture(12, {
    workflowId: 'checkout',
    severity: 'critical',
    state: 'acknowledged',
    labels: { team: 'payments', env: 'prod' },
    title: 'Checkout down',
  }),
  alertFixture(13, { workflowId: 'login', severity: 'error', labels: { team: 'payments' }, title: 'Login failing' }),
  alertFixture(14, { workflowId: 'checkout', severity: 'warning', labels: { team: 'search' }, title: 'Checkout slow' }),
  alertFixture(15, {
    workflowId: 'checkout',
    severity: 'critical',
    state: 'resolved',
    labels: { team: 'payments' },
    title: 'Checkout was down',
  }),
];

function setup(opts: { role?: 'Viewer' | 'Editor'; post?: (body: SilenceInput) => Handled | undefined } = {}) {
  let silences = [...live];
  const fake = installFakeSidecar(
    {
      'GET api/v1/silences': (req) => ({
        silences:
          (req.params as { expired?: string } | undefined)?.expired === 'true' ? [...silences, ended] : silences,
      }),
      'POST api/v1/silences': (req) => {
        const answer = opts.post?.(req.data as SilenceInput);
        if (answer) {
          return answer;
        }
        const created = silenceFixture(9, {
          matchers: (req.data as SilenceInput).matchers,
          createdBy: 'alice',
          comment: (req.data as SilenceInput).comment ?? '',
        });
        silences = [...silences, created];
        return { status: 201, body: created };
      },
      'DELETE api/v1/silences/{id}': (req) => {
        silences = silences.filter((x) => !req.path.endsWith(`/${x.id}`));
        return { status: 204, body: undefined };
      },
      'GET api/v1/workflows': () => ({
        workflows: [workflowFixture('checkout', 'Checkout flow'), workflowFixture('login', 'Login flow')],
        loadErrors: [],
      }),
      // Answers like the sidecar: only the states asked for.
      'GET api/v1/alerts': (req) => {
        const states = String((req.params as { state?: string }).state ?? '').split(',');
        return { alerts: openAlerts.filter((a) => states.includes(a.state)), nextCursor: null };
      },
    },
    { role: opts.role ?? 'Editor', login: 'alice' }
  );
  render(
    <MemoryRouter>
      <Silences />
    </MemoryRouter>
  );
  return fake;
}

const field = (path: string) => screen.getByTestId(testIds.silences.field(path));
async function openForm() {
  fireEvent.click(await screen.findByTestId(testIds.silences.create));
  return screen.findByTestId(testIds.silences.form);
}
async function pickWorkflow(name: string) {
  fireEvent.keyDown(document.getElementById('silence-workflows')!, { key: 'ArrowDown' });
  fireEvent.click(await screen.findByText(name));
}
function addLabel(index: number, key: string, value: string) {
  fireEvent.click(screen.getByTestId(testIds.labels.add('silence-matchers')));
  fireEvent.change(screen.getByTestId(testIds.labels.key('silence-matchers', index)), { target: { value: key } });
  fireEvent.change(screen.getByTestId(testIds.labels.value('silence-matchers', index)), { target: { value } });
}
async function posted(fake: ReturnType<typeof setup>) {
  fireEvent.click(screen.getByTestId(testIds.silences.save));
  await waitFor(() => expect(fake.requests.some((r) => r.method === 'POST')).toBe(true));
  return fake.requests.find((r) => r.method === 'POST')!;
}

describe('Silences page', () => {
  it('lists active, pending and recurring silences in their tabs, and fetches expired ones for their tab', async () => {
    const fake = setup();
    expect(await screen.findByTestId(testIds.silences.row(1))).toHaveTextContent('workflow checkout');
    expect(screen.queryByTestId(testIds.silences.row(2))).not.toBeInTheDocument();
    fireEvent.click(within(screen.getByTestId(testIds.silences.tab('pending'))).getByText('Pending'));
    expect(await screen.findByTestId(testIds.silences.row(2))).toHaveTextContent('severity info');
    fireEvent.click(within(screen.getByTestId(testIds.silences.tab('recurring'))).getByText('Maintenance windows'));
    const recurring = await screen.findByTestId(testIds.silences.row(3));
    expect(recurring).toHaveTextContent('0 2 * * 0 (Europe/Berlin), 2h each');
    expect(recurring).toHaveTextContent('between windows');
    fireEvent.click(within(screen.getByTestId(testIds.silences.tab('expired'))).getByText('Expired'));
    expect(await screen.findByTestId(testIds.silences.row(4))).toHaveTextContent('long ago');
    expect(screen.queryByTestId(testIds.silences.row(1))).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.silences.expire(4))).not.toBeInTheDocument();
    expect(
      fake.requests.find((r) => r.path === 'api/v1/silences' && (r.params as { expired?: string }).expired === 'true')
    ).toBeDefined();
  });

  it('creates a silence with workflow, label and severity matchers as the signed-in user', async () => {
    const fake = setup();
    await openForm();
    await pickWorkflow('Checkout flow');
    addLabel(0, 'team', 'payments');
    fireEvent.click(screen.getByTestId(testIds.silences.severity('critical')));
    fireEvent.change(within(field('end')).getByLabelText('Duration'), { target: { value: '90m' } });
    fireEvent.change(within(field('comment')).getByRole('textbox'), { target: { value: 'DB migration' } });
    const post = await posted(fake);
    expect(post.path).toBe('api/v1/silences');
    expect(post.data).toEqual({
      matchers: { workflowIds: ['checkout'], labels: { team: 'payments' }, severities: ['critical'] },
      duration: '90m',
      createdBy: 'alice',
      comment: 'DB migration',
    });
    await waitFor(() => expect(fake.toasts).toContainEqual({ type: 'alert-success', payload: ['Silence #9 created'] }));
    expect(await screen.findByTestId(testIds.silences.row(9))).toBeInTheDocument();
  });

  it('creates a maintenance window: cron, window, time zone, start and end times', async () => {
    const fake = setup();
    await openForm();
    fireEvent.click(screen.getByLabelText('Maintenance window'));
    fireEvent.click(screen.getByTestId(testIds.silences.severity('warning')));
    fireEvent.click(within(field('startsAt')).getByLabelText('At'));
    fireEvent.change(within(field('startsAt')).getByLabelText('Starts at'), { target: { value: '2030-03-01T02:00' } });
    fireEvent.click(within(field('end')).getByLabelText('At'));
    fireEvent.change(within(field('end')).getByLabelText('Ends at'), { target: { value: '2030-06-01T00:00' } });
    fireEvent.change(within(field('recurrence.cron')).getByRole('textbox'), { target: { value: '0 3 * * 6' } });
    fireEvent.change(within(field('recurrence.window')).getByRole('textbox'), { target: { value: '3h' } });
    fireEvent.change(within(field('recurrence.timezone')).getByRole('textbox'), { target: { value: 'Europe/Berlin' } });
    const post = await posted(fake);
    // jest runs in UTC (jest.config.js), so the local times typed are these instants.
    expect(post.data).toEqual({
      matchers: { severities: ['warning'] },
      startsAt: '2030-03-01T02:00:00.000Z',
      endsAt: '2030-06-01T00:00:00.000Z',
      recurrence: { cron: '0 3 * * 6', window: '3h', timezone: 'Europe/Berlin' },
      createdBy: 'alice',
      comment: '',
    });
  });

  it('previews exactly the active and acknowledged alerts the matchers cover, following the matchers as they change', async () => {
    const fake = setup();
    await openForm();
    const preview = screen.getByTestId(testIds.silences.preview);
    expect(
      await within(preview).findByText('Add a workflow, label or severity to see the open alerts this silence covers.')
    ).toBeInTheDocument();
    await pickWorkflow('Checkout flow');
    addLabel(0, 'team', 'payments');
    expect(await within(preview).findByText('2 open alerts would be silenced now.')).toBeInTheDocument();
    const shown = () =>
      within(preview)
        .queryAllByTestId(/silence-preview-alert-/)
        .map((row) => row.getAttribute('data-testid'));
    expect(shown()).toEqual([testIds.silences.previewRow(11), testIds.silences.previewRow(12)]);
    fireEvent.click(screen.getByTestId(testIds.silences.severity('critical')));
    expect(await within(preview).findByText('1 open alert would be silenced now.')).toBeInTheDocument();
    expect(shown()).toEqual([testIds.silences.previewRow(12)]);
    const alertsRequest = fake.requests.find((r) => r.path === 'api/v1/alerts')!;
    expect(alertsRequest.params).toMatchObject({ state: 'active,acknowledged' });
    expect(fake.requests.some((r) => r.method === 'POST')).toBe(false);
  });

  it('says a silence that starts later suppresses nothing before then', async () => {
    setup();
    await openForm();
    await pickWorkflow('Login flow');
    fireEvent.click(within(field('startsAt')).getByLabelText('At'));
    fireEvent.change(within(field('startsAt')).getByLabelText('Starts at'), { target: { value: '2099-01-01T00:00' } });
    expect(
      await within(screen.getByTestId(testIds.silences.preview)).findByText(
        /nothing is suppressed before then\. 1 open alert match now\.$/
      )
    ).toBeInTheDocument();
    expect(
      within(screen.getByTestId(testIds.silences.preview)).getByTestId(testIds.silences.previewRow(13))
    ).toBeInTheDocument();
  });

  it('refuses a silence without matchers before asking the sidecar', async () => {
    const fake = setup();
    await openForm();
    fireEvent.click(screen.getByTestId(testIds.silences.save));
    expect(
      await within(field('matchers')).findByText(
        'add at least one workflow, label or severity: a silence never matches everything'
      )
    ).toBeInTheDocument();
    expect(fake.requests.some((r) => r.method === 'POST')).toBe(false);
  });

  it("puts the sidecar's field errors on their fields", async () => {
    setup({
      post: () =>
        validationError([
          {
            path: 'recurrence.cron',
            message: 'not a cron expression: Validation error, got value 61 expected range 0-59',
          },
          { path: 'matchers.labels.team', message: 'Too big: expected string to have <=200 characters' },
          { path: 'duration', message: '10s is below the minimum 1m' },
        ]),
    });
    await openForm();
    fireEvent.click(screen.getByLabelText('Maintenance window'));
    addLabel(0, 'team', 'x');
    fireEvent.change(within(field('recurrence.cron')).getByRole('textbox'), { target: { value: '61 * * * *' } });
    fireEvent.click(screen.getByTestId(testIds.silences.save));
    expect(
      await within(field('recurrence.cron')).findByText(
        'not a cron expression: Validation error, got value 61 expected range 0-59'
      )
    ).toBeInTheDocument();
    expect(
      within(field('matchers.labels')).getByText('Too big: expected string to have <=200 characters')
    ).toBeInTheDocument();
    expect(within(field('end')).getByText('10s is below the minimum 1m')).toBeInTheDocument();
  });

  it('expires a silence early with DELETE after confirmation, and it leaves the list', async () => {
    const fake = setup();
    fireEvent.click(await screen.findByTestId(testIds.silences.expire(1)));
    fireEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Expire' }));
    await waitFor(() => expect(fake.requests.some((r) => r.method === 'DELETE')).toBe(true));
    expect(fake.requests.find((r) => r.method === 'DELETE')!.path).toBe('api/v1/silences/1');
    await waitFor(() => expect(screen.queryByTestId(testIds.silences.row(1))).not.toBeInTheDocument());
    expect(fake.toasts).toContainEqual({
      type: 'alert-success',
      payload: ['Silence #1 ended; the alerts it suppressed are active again'],
    });
  });

  it('a Viewer sees the silences but cannot create or expire them', async () => {
    const fake = setup({ role: 'Viewer' });
    await screen.findByTestId(testIds.silences.row(1));
    expect(screen.queryByTestId(testIds.silences.create)).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.silences.expire(1))).not.toBeInTheDocument();
    expect(fake.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
  });
});
