import React from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { parse } from 'yaml';
import type { DryRunResult } from '../api/types';
import { testIds } from '../components/testIds';
import { PLUGIN_BASE_URL } from '../constants';
import { installFakeSidecar, type Handlers } from '../test/fakeSidecar';
import WorkflowEditor from './WorkflowEditor';

// A bound on a hang only: each test drives a large form through jsdom, slow on a busy 2-core machine.
jest.setTimeout(60_000);

const ids = testIds.workflowEditor;
const now = '2026-01-05T10:00:00.000Z';

/** A Workflow as GET /api/v1/workflows/{id} answers, for a stored definition. */
function workflowResponse(definition: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    id: definition.id, name: definition.name, source: 'api', enabled: definition.enabled ?? true, critical: definition.critical ?? false,
    labels: definition.labels ?? {}, mode: 'scheduled', schedule: definition.schedule, definition, version: 1,
    createdAt: now, updatedAt: now, lastExecution: null, nextRunAt: null, ...extra,
  };
}

const stored = {
  id: 'checkout',
  name: 'Checkout flow',
  enabled: true,
  schedule: { every: '1m' },
  steps: [{ name: 'cart', request: { method: 'GET', url: 'https://shop.example/cart' }, assert: ['status == 200'] }],
};

function renderAt(path: string) {
  return render(
    <MemoryRouter initialEntries={[`${PLUGIN_BASE_URL}/${path}`]}>
      <Routes>
        <Route path={`${PLUGIN_BASE_URL}/workflows/new`} element={<WorkflowEditor />} />
        <Route path={`${PLUGIN_BASE_URL}/workflows/:id/edit`} element={<WorkflowEditor />} />
        <Route path={`${PLUGIN_BASE_URL}/workflows/:id`} element={<div data-testid="detail-page" />} />
        <Route path={`${PLUGIN_BASE_URL}/workflows`} element={<div data-testid="list-page" />} />
      </Routes>
    </MemoryRouter>
  );
}

const type = (testId: string, value: string) => fireEvent.change(screen.getByTestId(testId), { target: { value } });
const inputIn = (container: HTMLElement, label: string, index = 0) => within(container).getAllByLabelText(label)[index] as HTMLInputElement;
/** Picks an option of a Grafana Select by its label. */
async function choose(input: HTMLElement, label: string) {
  fireEvent.keyDown(input, { key: 'ArrowDown' });
  fireEvent.click(await screen.findByText(label, { selector: '[role="option"] *, [role="option"]' }));
}
const posted = (fake: ReturnType<typeof installFakeSidecar>, method: string, path: string) => fake.requests.filter((r) => r.method === method && r.path === path);

describe('Workflow editor', () => {
  it('creates a workflow from the form: the POST body is the definition the form shows', async () => {
    const fake = installFakeSidecar({ 'POST api/v1/workflows': (req) => ({ status: 201, body: workflowResponse(req.data as Record<string, unknown>) }) });
    renderAt('workflows/new');
    type(ids.name, 'Checkout flow');
    expect(screen.getByTestId(ids.id)).toHaveValue('checkout-flow');
    type(ids.every, '30s');
    fireEvent.click(screen.getByTestId(ids.critical));
    fireEvent.click(screen.getByText('aggressive'));
    type(ids.retry('maxAttempts'), '4');
    type(ids.retry('jitter'), '20%');
    fireEvent.click(within(screen.getByTestId(ids.labels)).getByText('Add label'));
    fireEvent.change(inputIn(screen.getByTestId(ids.labels), 'Label'), { target: { value: 'team' } });
    fireEvent.change(inputIn(screen.getByTestId(ids.labels), 'Label value'), { target: { value: 'payments' } });

    const step = screen.getByTestId(ids.step(0));
    type(ids.stepField(0, 'name'), 'login');
    type(ids.stepField(0, 'url'), 'https://shop.example/login');
    fireEvent.click(within(step).getByText('Add header'));
    fireEvent.change(inputIn(step, 'Header'), { target: { value: 'Accept' } });
    fireEvent.change(inputIn(step, 'Header value'), { target: { value: 'application/json' } });
    fireEvent.click(within(step).getByText('JSON'));
    type(ids.stepField(0, 'body'), '{"user": "demo"}');
    fireEvent.click(screen.getByTestId(ids.addAssertion(0)));
    const second = screen.getByTestId(ids.assertion(0, 1));
    fireEvent.click(within(second).getByText('Edit as text'));
    fireEvent.change(within(second).getByLabelText('Assertion text'), { target: { value: 'body.token exists' } });
    fireEvent.click(within(step).getByText('Add extraction'));
    fireEvent.change(inputIn(step, 'Variable'), { target: { value: 'token' } });
    fireEvent.change(inputIn(step, 'Source'), { target: { value: 'body.token' } });

    fireEvent.click(screen.getByTestId(ids.save));
    expect(await screen.findByTestId('detail-page')).toBeInTheDocument();
    const [post] = posted(fake, 'POST', 'api/v1/workflows');
    expect(post!.data).toEqual({
      id: 'checkout-flow',
      name: 'Checkout flow',
      enabled: true,
      critical: true,
      labels: { team: 'payments' },
      schedule: { every: '30s' },
      retry: { strategy: 'aggressive', maxAttempts: 4, jitter: '20%' },
      steps: [
        {
          name: 'login',
          request: { method: 'GET', url: 'https://shop.example/login', headers: { Accept: 'application/json' }, json: { user: 'demo' } },
          assert: ['status == 200', 'body.token exists'],
          extract: { token: 'body.token' },
        },
      ],
    });
    expect(fake.toasts.some((t) => JSON.stringify(t.payload).includes('checkout-flow saved'))).toBe(true);
  });

  it('edits in the YAML tab and the form follows; form edits show in the YAML; YAML that does not parse leaves the form alone', async () => {
    installFakeSidecar({});
    renderAt('workflows/new');
    type(ids.name, 'Login then cart');
    fireEvent.click(screen.getByTestId(ids.yamlTab));
    const fromForm = parse((screen.getByTestId(ids.yaml) as HTMLTextAreaElement).value);
    expect(fromForm).toMatchObject({ id: 'login-then-cart', name: 'Login then cart', schedule: { every: '1m' }, steps: [{ name: 'step-1', request: { method: 'GET', url: '' }, assert: ['status == 200'] }] });

    const yaml = [
      'id: login-then-cart',
      'name: Login, then cart',
      'schedule: { cron: "*/5 * * * *", timezone: Europe/Berlin }',
      'steps:',
      '  - name: login',
      '    request: { method: POST, url: "https://shop.example/login", json: { user: demo } }',
      '    assert: ["status == 200", "body.token exists"]',
      '    extract: { token: body.token }',
      '  - name: cart',
      '    request: { url: "https://shop.example/cart", headers: { Authorization: "Bearer {{token}}" } }',
      '    assert: ["response_time < 500"]',
    ].join('\n');
    type(ids.yaml, yaml);
    expect(screen.queryByTestId(ids.yamlErrors)).not.toBeInTheDocument();
    fireEvent.click(screen.getByTestId(ids.formTab));
    expect(screen.getByTestId(ids.name)).toHaveValue('Login, then cart');
    expect(screen.getByTestId(ids.cron)).toHaveValue('*/5 * * * *');
    expect(screen.getByTestId(ids.timezone)).toHaveValue('Europe/Berlin');
    expect(screen.getByTestId(ids.stepField(1, 'url'))).toHaveValue('https://shop.example/cart');
    expect(inputIn(screen.getByTestId(ids.step(1)), 'Header value')).toHaveValue('Bearer {{token}}');
    expect(screen.getByTestId(ids.stepField(0, 'body'))).toHaveValue(JSON.stringify({ user: 'demo' }, null, 2));
    // The builder reads what it can write back; the alias response_time stays text.
    const exists = screen.getByTestId(ids.assertion(0, 1));
    expect(within(exists).getByText('body.<path>')).toBeInTheDocument();
    expect(within(exists).getByLabelText('Body path')).toHaveValue('token');
    expect(within(exists).getByText('exists')).toBeInTheDocument();
    expect(within(screen.getByTestId(ids.assertion(1, 0))).getByLabelText('Assertion text')).toHaveValue('response_time < 500');

    // Form → YAML again, and back: the same definition both ways.
    type(ids.stepField(1, 'url'), 'https://shop.example/basket');
    fireEvent.click(screen.getByTestId(ids.yamlTab));
    const roundTrip = parse((screen.getByTestId(ids.yaml) as HTMLTextAreaElement).value);
    expect(roundTrip.steps[1]).toEqual({ name: 'cart', request: { method: 'GET', url: 'https://shop.example/basket', headers: { Authorization: 'Bearer {{token}}' } }, assert: ['response_time < 500'] });
    expect(roundTrip.steps[0].extract).toEqual({ token: 'body.token' });

    type(ids.yaml, 'id: x\nname: [unclosed\nsteps: []');
    expect(await screen.findByTestId(ids.yamlErrors)).toHaveTextContent(/Line \d+, column \d+/);
    expect(screen.getByTestId(ids.save)).toBeDisabled();
    fireEvent.click(screen.getByTestId(ids.formTab));
    expect(screen.getByTestId(ids.name)).toHaveValue('Login, then cart');
    expect(screen.getByText('The YAML tab has errors')).toBeInTheDocument();
  });

  it('builds assertions from subject, operator and value, and reads typed text back into the builder when it can', async () => {
    const fake = installFakeSidecar({ 'POST api/v1/workflows': (req) => ({ status: 201, body: workflowResponse(req.data as Record<string, unknown>) }) });
    renderAt('workflows/new');
    type(ids.name, 'Items');
    type(ids.stepField(0, 'url'), 'https://shop.example/items');
    const row = screen.getByTestId(ids.assertion(0, 0));
    fireEvent.click(within(row).getByText('Edit as text'));
    fireEvent.change(within(row).getByLabelText('Assertion text'), { target: { value: 'body.items[0].id in [3, 4]' } });
    fireEvent.click(within(row).getByText('Use the builder'));
    expect(within(row).getByLabelText('Body path')).toHaveValue('items[0].id');
    expect(within(row).getByLabelText('Assertion value')).toHaveValue('[3, 4]');
    fireEvent.change(within(row).getByLabelText('Assertion value'), { target: { value: '[3, 5]' } });

    fireEvent.click(screen.getByTestId(ids.addAssertion(0)));
    const odd = screen.getByTestId(ids.assertion(0, 1));
    fireEvent.click(within(odd).getByText('Edit as text'));
    fireEvent.change(within(odd).getByLabelText('Assertion text'), { target: { value: 'status   ==   200' } });
    fireEvent.click(within(odd).getByText('Use the builder'));
    expect(within(odd).getByRole('status')).toHaveTextContent('cannot show this assertion as written');
    expect(within(odd).getByLabelText('Assertion text')).toHaveValue('status   ==   200');

    fireEvent.click(screen.getByTestId(ids.addAssertion(0)));
    const picked = screen.getByTestId(ids.assertion(0, 2));
    await choose(within(picked).getByLabelText('Assertion subject'), 'header.<name>');
    fireEvent.change(within(picked).getByLabelText('Header name'), { target: { value: 'content-type' } });
    await choose(within(picked).getByLabelText('Assertion operator'), 'contains');
    fireEvent.change(within(picked).getByLabelText('Assertion value'), { target: { value: 'json' } });
    fireEvent.click(within(picked).getByText('Edit as text'));
    expect(within(picked).getByLabelText('Assertion text')).toHaveValue('header.content-type contains json');

    fireEvent.click(screen.getByTestId(ids.save));
    await waitFor(() => expect(posted(fake, 'POST', 'api/v1/workflows')).toHaveLength(1));
    expect((posted(fake, 'POST', 'api/v1/workflows')[0]!.data as { steps: Array<{ assert: string[] }> }).steps[0]!.assert).toEqual([
      'body.items[0].id in [3, 5]',
      'status   ==   200',
      'header.content-type contains json',
    ]);
  });

  it('puts the server field errors on their fields, and the rest in a summary', async () => {
    installFakeSidecar({
      'POST api/v1/workflows': () => ({
        status: 400,
        body: {
          error: {
            code: 'validation_failed',
            message: 'invalid body: steps[0].request.url: must be an absolute http:// or https:// URL (after ${ENV} interpolation)',
            details: [
              { path: 'steps[0].request.url', message: 'must be an absolute http:// or https:// URL (after ${ENV} interpolation)' },
              { path: 'retry.maxAttempts', message: 'maxAttempts must be between 1 and 10' },
              { path: 'steps[0].assert[0]', message: '"status = 200": expected an operator' },
              { path: 'steps[0].request.headers.X Bad', message: 'header names are tokens' },
              { path: '(root)', message: 'Unrecognized key: "owner"' },
            ],
          },
        },
      }),
    });
    renderAt('workflows/new');
    type(ids.name, 'Broken');
    type(ids.stepField(0, 'url'), 'shop.example/cart');
    type(ids.retry('maxAttempts'), '12');
    fireEvent.click(screen.getByTestId(ids.save));
    const step = screen.getByTestId(ids.step(0));
    expect(await within(step).findByText('must be an absolute http:// or https:// URL (after ${ENV} interpolation)')).toBeInTheDocument();
    // Under that step's URL field: the field's own validation message, which the input points at.
    const url = screen.getByTestId(ids.stepField(0, 'url'));
    expect(document.getElementById(url.getAttribute('aria-describedby') ?? '')).toHaveTextContent('must be an absolute http:// or https:// URL');
    const maxAttempts = screen.getByTestId(ids.retry('maxAttempts'));
    expect(document.getElementById(maxAttempts.getAttribute('aria-describedby') ?? '')).toHaveTextContent('maxAttempts must be between 1 and 10');
    expect(within(step).getByText('"status = 200": expected an operator')).toBeInTheDocument();
    expect(within(step).getByText('X Bad: header names are tokens')).toBeInTheDocument();
    expect(screen.getByText('maxAttempts must be between 1 and 10')).toBeInTheDocument();
    expect(screen.getByTestId(ids.errorSummary)).toHaveTextContent('(root): Unrecognized key: "owner"');
    expect(screen.getByTestId(ids.errorSummary)).not.toHaveTextContent('maxAttempts');
    expect(screen.queryByTestId('detail-page')).not.toBeInTheDocument();
  });

  it('refuses a JSON body that does not parse before asking the sidecar', async () => {
    const fake = installFakeSidecar({});
    renderAt('workflows/new');
    fireEvent.click(within(screen.getByTestId(ids.step(0))).getByText('JSON'));
    type(ids.stepField(0, 'body'), '{"user": ');
    expect(within(screen.getByTestId(ids.step(0))).getByText(/^not JSON/)).toBeInTheDocument();
    expect(screen.getByTestId(ids.save)).toBeDisabled();
    expect(screen.getByTestId(ids.test)).toBeDisabled();
    expect(fake.requests).toHaveLength(0);
  });

  it('Test runs the definition once and shows each step and attempt inline', async () => {
    const result: DryRunResult = {
      workflowId: 'login-then-call',
      trigger: 'manual',
      status: 'degraded',
      startedAt: now,
      finishedAt: now,
      durationMs: 3240,
      stepCount: 2,
      attempts: 4,
      retries: 2,
      errorType: null,
      errorMessage: null,
      failedStep: null,
      location: 'default',
      steps: [
        {
          position: 0, name: 'login', status: 'passed', startedAt: now, durationMs: 3120, httpStatus: 200, errorType: null, errorMessage: null,
          assertions: [{ assertion: 'status == 200', passed: true, expected: 200 }, { assertion: 'body.token exists', passed: true }],
          extracted: ['token'],
          attempts: [
            { number: 1, startedAt: now, durationMs: 40, delayMs: 0, httpStatus: 503, errorType: 'transient', errorMessage: 'HTTP 503', tls: null },
            { number: 2, startedAt: now, durationMs: 38, delayMs: 1000, httpStatus: 503, errorType: 'transient', errorMessage: 'HTTP 503', tls: null },
            { number: 3, startedAt: now, durationMs: 42, delayMs: 2000, httpStatus: 200, errorType: null, errorMessage: null, tls: null },
          ],
        },
        {
          position: 1, name: 'profile', status: 'failed', startedAt: now, durationMs: 20, httpStatus: 200, errorType: 'assertion', errorMessage: 'assertion "body.plan == \\"pro\\"" failed',
          assertions: [{ assertion: 'body.plan == "pro"', passed: false, expected: 'pro', actual: 'free', message: 'assertion failed' }],
          extracted: [],
          attempts: [{ number: 1, startedAt: now, durationMs: 20, delayMs: 0, httpStatus: 200, errorType: null, errorMessage: null, tls: null }],
        },
      ],
    };
    const fake = installFakeSidecar({ 'POST api/v1/dry-runs': () => result });
    renderAt('workflows/new');
    fireEvent.click(screen.getByTestId(ids.template('login-then-call')));
    fireEvent.click(screen.getByTestId(ids.test));
    const output = await screen.findByTestId(ids.testResult);
    const [run] = posted(fake, 'POST', 'api/v1/dry-runs');
    expect(run!.data).toMatchObject({ id: 'login-then-call', steps: [{ name: 'login', extract: { token: 'body.token' } }, { name: 'profile', request: { headers: { Authorization: 'Bearer {{token}}' } } }] });
    expect(within(output).getByText('degraded')).toBeInTheDocument();
    expect(output).toHaveTextContent('3240 ms');
    const rows = within(screen.getByTestId(ids.testAttempts)).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(4);
    expect(rows[0]).toHaveTextContent('1. login (passed)');
    expect(rows[0]).toHaveTextContent('503');
    expect(rows[0]).toHaveTextContent('transient');
    expect(rows[1]).toHaveTextContent('1000 ms');
    expect(rows[2]).toHaveTextContent('2000 ms');
    expect(rows[2]).toHaveTextContent('✓ body.token exists');
    expect(rows[2]).toHaveTextContent('extracted: token');
    expect(rows[3]).toHaveTextContent('2. profile (failed)');
    expect(rows[3]).toHaveTextContent('✗ body.plan == "pro" — expected "pro", got "free"');
  });

  it('shows why a test run was refused: field errors on fields, 429 with what to do', async () => {
    let answer: unknown = {
      status: 400,
      body: { error: { code: 'validation_failed', message: 'invalid body: steps[0].request.url: must be an absolute URL', details: [{ path: 'steps[0].request.url', message: 'must be an absolute URL' }] } },
    };
    installFakeSidecar({ 'POST api/v1/dry-runs': () => answer });
    renderAt('workflows/new');
    fireEvent.click(screen.getByTestId(ids.test));
    expect(await within(screen.getByTestId(ids.step(0))).findByText('must be an absolute URL')).toBeInTheDocument();
    answer = { status: 429, body: { error: { code: 'too_many_dry_runs', message: '4 dry runs are in flight on this replica' } } };
    fireEvent.click(screen.getByTestId(ids.test));
    expect(await screen.findByTestId(ids.errorSummary)).toHaveTextContent('4 dry runs are in flight on this replica (too many test runs at once: try again in a few seconds)');
    expect(screen.queryByTestId(ids.testResult)).not.toBeInTheDocument();
  });

  it.each([
    [
      `curl -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer x" -d '{"a":1}' https://host/path?q=1`,
      { name: 'POST /path', request: { method: 'POST', url: 'https://host/path', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer x' }, query: { q: '1' }, json: { a: 1 } } },
    ],
    [
      "curl -u demo:pw \\\n  'https://host/me' --compressed",
      { name: 'GET /me', request: { method: 'GET', url: 'https://host/me', headers: { Authorization: `Basic ${btoa('demo:pw')}` } } },
    ],
    [
      "curl -G --data-urlencode 'q=red shoes' -I https://host/search",
      { name: 'HEAD /search', request: { method: 'HEAD', url: 'https://host/search', query: { q: 'red shoes' } } },
    ],
    [
      "curl --data-raw 'plain text' -H 'Content-Type: text/plain' https://host/notes",
      { name: 'POST /notes', request: { method: 'POST', url: 'https://host/notes', headers: { 'Content-Type': 'text/plain' }, body: 'plain text' } },
    ],
  ])('imports a step from %s', async (command, step) => {
    const fake = installFakeSidecar({ 'POST api/v1/workflows': (req) => ({ status: 201, body: workflowResponse(req.data as Record<string, unknown>) }) });
    renderAt('workflows/new');
    type(ids.name, 'Imported');
    type(ids.stepField(0, 'url'), 'https://host/first');
    fireEvent.click(screen.getByTestId(ids.importCurl));
    type(ids.curlCommand, command);
    fireEvent.click(screen.getByTestId(ids.curlAdd));
    expect(await screen.findByTestId(ids.step(1))).toBeInTheDocument();
    expect(screen.getByTestId(ids.stepField(1, 'url'))).toHaveValue(step.request.url);
    fireEvent.click(screen.getByTestId(ids.save));
    await waitFor(() => expect(posted(fake, 'POST', 'api/v1/workflows')).toHaveLength(1));
    expect((posted(fake, 'POST', 'api/v1/workflows')[0]!.data as { steps: unknown[] }).steps[1]).toEqual(step);
  });

  it('says what is wrong with a curl command it cannot import, and adds nothing', async () => {
    installFakeSidecar({});
    renderAt('workflows/new');
    fireEvent.click(screen.getByTestId(ids.importCurl));
    type(ids.curlCommand, "curl -d '{\"a\":1} https://host/x");
    fireEvent.click(screen.getByTestId(ids.curlAdd));
    expect(await screen.findByText(/single quote .* is not closed/)).toBeInTheDocument();
    type(ids.curlCommand, 'curl --proxy http://p:1 https://host/x');
    fireEvent.click(screen.getByTestId(ids.curlAdd));
    expect(await screen.findByText(/--proxy is not supported/)).toBeInTheDocument();
    expect(screen.queryByTestId(ids.step(1))).not.toBeInTheDocument();
  });

  it('starts a push heartbeat from its template: a push schedule and no steps', async () => {
    const fake = installFakeSidecar({ 'POST api/v1/workflows': (req) => ({ status: 201, body: { ...workflowResponse(req.data as Record<string, unknown>), mode: 'push' } }) });
    renderAt('workflows/new');
    fireEvent.click(screen.getByTestId(ids.template('push-heartbeat')));
    expect(screen.getByTestId(ids.pushExpected)).toHaveValue('24h');
    expect(screen.getByTestId(ids.pushGrace)).toHaveValue('30m');
    expect(screen.queryByTestId(ids.step(0))).not.toBeInTheDocument();
    expect(screen.getByTestId(ids.importCurl)).toBeDisabled();
    fireEvent.click(screen.getByTestId(ids.save));
    await waitFor(() => expect(posted(fake, 'POST', 'api/v1/workflows')).toHaveLength(1));
    expect(posted(fake, 'POST', 'api/v1/workflows')[0]!.data).toEqual({ id: 'nightly-backup', name: 'Nightly backup heartbeat', enabled: true, critical: false, schedule: { push: { expected: '24h', grace: '30m' } } });
  });

  it('opens a file-defined workflow read-only, says which file, and copies it as YAML', async () => {
    const definition = { ...stored, steps: [{ name: 'cart', request: { method: 'GET', url: '${SHOP_URL}/cart' }, assert: ['status == 200'] }] };
    const fake = installFakeSidecar({ 'GET api/v1/workflows/{id}': () => workflowResponse(definition, { source: 'file', sourceFile: '/etc/workflow-monitor/checkout.yaml' }) });
    const writeText = jest.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    Object.defineProperty(window, 'isSecureContext', { value: true, configurable: true });
    renderAt('workflows/checkout/edit');
    expect(await screen.findByTestId(ids.fileDefined)).toHaveTextContent('Defined in /etc/workflow-monitor/checkout.yaml');
    expect(screen.queryByTestId(ids.save)).not.toBeInTheDocument();
    expect(screen.queryByTestId(ids.test)).not.toBeInTheDocument();
    expect(screen.queryByTestId(ids.delete)).not.toBeInTheDocument();
    expect(screen.queryByTestId(ids.pause)).not.toBeInTheDocument();
    expect(screen.queryByTestId(ids.importCurl)).not.toBeInTheDocument();
    expect(screen.getByTestId(ids.name)).toBeDisabled();
    expect(screen.getByTestId(ids.stepField(0, 'url'))).toBeDisabled();
    expect(screen.getByTestId(ids.stepField(0, 'url'))).toHaveValue('${SHOP_URL}/cart');
    fireEvent.click(screen.getByTestId(ids.copyYaml));
    await waitFor(() => expect(writeText).toHaveBeenCalled());
    expect(parse(writeText.mock.calls[0][0])).toEqual(definition);
    fireEvent.click(screen.getByTestId(ids.yamlTab));
    expect(screen.getByTestId(ids.yaml)).toHaveAttribute('readonly');
    expect(fake.requests.every((r) => r.method === 'GET')).toBe(true);
  });

  it('shows a Viewer an API-defined workflow read-only', async () => {
    installFakeSidecar({ 'GET api/v1/workflows/{id}': () => workflowResponse(stored) }, { role: 'Viewer' });
    renderAt('workflows/checkout/edit');
    expect(await screen.findByText('Read only')).toBeInTheDocument();
    expect(screen.getByTestId(ids.name)).toHaveValue('Checkout flow');
    expect(screen.getByTestId(ids.name)).toBeDisabled();
    for (const id of [ids.save, ids.test, ids.delete, ids.pause, ids.importCurl, ids.addStep]) {
      expect(screen.queryByTestId(id)).not.toBeInTheDocument();
    }
    expect(screen.getByTestId(ids.copyYaml)).toBeInTheDocument();
  });

  it('pauses and resumes an API-defined workflow with a PUT of its stored definition, leaving form edits unsaved', async () => {
    const handlers: Handlers = {
      'GET api/v1/workflows/{id}': () => workflowResponse(stored),
      'PUT api/v1/workflows/{id}': (req) => workflowResponse(req.data as Record<string, unknown>),
    };
    const fake = installFakeSidecar(handlers);
    renderAt('workflows/checkout/edit');
    expect(await screen.findByTestId(ids.pause)).toHaveTextContent('Pause');
    type(ids.name, 'Renamed but not saved');
    fireEvent.click(screen.getByTestId(ids.pause));
    await waitFor(() => expect(screen.getByTestId(ids.pause)).toHaveTextContent('Resume'));
    expect(posted(fake, 'PUT', 'api/v1/workflows/checkout')[0]!.data).toEqual({ ...stored, enabled: false });
    expect(screen.getByTestId(ids.enabled)).not.toBeChecked();
    expect(screen.getByTestId(ids.name)).toHaveValue('Renamed but not saved');
    fireEvent.click(screen.getByTestId(ids.pause));
    await waitFor(() => expect(screen.getByTestId(ids.pause)).toHaveTextContent('Pause'));
    expect(posted(fake, 'PUT', 'api/v1/workflows/checkout')[1]!.data).toEqual({ ...stored, enabled: true });
  });

  it('saves an edited API-defined workflow with a PUT and deletes one after confirming', async () => {
    const fake = installFakeSidecar({
      'GET api/v1/workflows/{id}': () => workflowResponse(stored),
      'PUT api/v1/workflows/{id}': (req) => workflowResponse(req.data as Record<string, unknown>),
      'DELETE api/v1/workflows/{id}': () => ({ status: 204, body: undefined }),
    });
    const view = renderAt('workflows/checkout/edit');
    expect(await screen.findByTestId(ids.id)).toBeDisabled();
    type(ids.every, '5m');
    fireEvent.click(screen.getByTestId(ids.save));
    expect(await screen.findByTestId('detail-page')).toBeInTheDocument();
    expect(posted(fake, 'PUT', 'api/v1/workflows/checkout')[0]!.data).toEqual({ ...stored, critical: false, schedule: { every: '5m' } });

    view.unmount();
    renderAt('workflows/checkout/edit');
    fireEvent.click(await screen.findByTestId(ids.delete));
    expect(posted(fake, 'DELETE', 'api/v1/workflows/checkout')).toHaveLength(0);
    fireEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Delete' }));
    expect(await screen.findByTestId('list-page')).toBeInTheDocument();
    expect(posted(fake, 'DELETE', 'api/v1/workflows/checkout')).toHaveLength(1);
  });
});
