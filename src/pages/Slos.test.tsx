import React from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { QueryRequest, SloStatus } from '../api/types';
import { testIds } from '../components/testIds';
import { fakeQuery } from '../test/fakeQuery';
import { installFakeSidecar, type Handlers } from '../test/fakeSidecar';
import Slos from './Slos';

jest.setTimeout(60_000);

const calm = { '5m': 0, '30m': 0, '1h': 0, '6h': 0, '24h': 0, '72h': 0 };
const burning: SloStatus = {
  workflowId: 'checkout',
  objective: 99.5,
  window: '30d',
  sli: 99.1,
  errorBudgetRemaining: -80,
  burnRates: { '5m': 0, '30m': 2, '1h': 3.5, '6h': 1.8, '24h': 1.2, '72h': 1 },
  budgetExhaustedAt: new Date(Date.now() + (2 * 24 + 5) * 3_600_000 + 60_000).toISOString(),
};
const healthy: SloStatus = {
  workflowId: 'login',
  objective: 99.9,
  window: '7d',
  sli: 100,
  errorBudgetRemaining: 100,
  burnRates: calm,
  budgetExhaustedAt: null,
};
const halfSpent: SloStatus = {
  workflowId: 'search',
  objective: 95,
  window: '1d',
  sli: 97.5,
  errorBudgetRemaining: 40,
  burnRates: { ...calm, '1h': 6, '6h': 0.5 },
  budgetExhaustedAt: new Date(Date.now() + 20 * 3_600_000).toISOString(),
};
const NAMES = [
  { id: 'checkout', name: 'Checkout flow', labels: {} },
  { id: 'login', name: 'Login page (SSO)', labels: { team: 'identity' } },
  // `search` is not in the list (deleted since, or not yet listed): its row shows the id.
];

/** Burn rate and budget of each workflow the target names: distinct per workflow, so a mix-up shows. */
const SERIES: Record<string, { burn: Array<number | null>; budget: Array<number | null> }> = {
  checkout: { burn: [0.5, 1, 3, null], budget: [100, 90, 70, 60] },
  login: { burn: [0, null, null, null], budget: [100, 100] },
  search: { burn: [1, 2, 3, 4], budget: [90, 80, 70, 60] },
};

function handlers(slos: SloStatus[], extra: Handlers = {}): Handlers {
  return {
    'GET api/v1/slos': () => ({ slos }),
    'GET api/v1/variables/workflows': () => ({ workflows: NAMES }),
    'POST api/v1/query': fakeQuery((target) => (target.workflowIds ?? []).map((id) => ({ key: id, values: SERIES[id]![target.metric === 'burn_rate' ? 'burn' : 'budget'] })), 4),
    ...extra,
  };
}

function renderSlos(search = '?from=now-6h&to=now') {
  return render(
    <MemoryRouter initialEntries={[`/a/app/slos${search}`]}>
      <Routes>
        <Route path="/a/app/slos" element={<Slos />} />
      </Routes>
    </MemoryRouter>
  );
}

/** The workflow ids of the table's rows, top to bottom. */
function rowOrder(): string[] {
  return screen.getAllByTestId(/^data-testid slo-(checkout|login|search)$/).map((row) => row.getAttribute('data-testid')!.replace('data-testid slo-', ''));
}

const queries = (requests: Array<{ path: string; data?: unknown }>) => requests.filter((r) => r.path === 'api/v1/query').map((r) => r.data as QueryRequest);

describe('SLOs page', () => {
  it('lists every SLO in one table, least budget left first, with objective, SLI, budget, 1h and 6h burn and time to exhaustion', async () => {
    installFakeSidecar(handlers([healthy, halfSpent, burning]), { role: 'Viewer' });
    renderSlos();
    const row = await screen.findByTestId(testIds.slos.row('checkout'));
    expect(rowOrder()).toEqual(['checkout', 'search', 'login']);
    expect(screen.getByTestId(testIds.slos.sort('budget')).closest('th')).toHaveAttribute('aria-sort', 'ascending');
    expect(row).toHaveTextContent('99.5 % over 30d');
    expect(screen.getByTestId(testIds.slos.sli('checkout'))).toHaveTextContent('99.1 % below the objective');
    expect(screen.getByTestId(testIds.slos.budgetBar('checkout'))).toHaveAttribute('data-value', '-80');
    expect(screen.getByTestId(testIds.slos.budgetBar('checkout'))).toHaveTextContent('overspent');
    expect(screen.getByTestId(testIds.slos.budgetBar('search'))).toHaveTextContent('40 %');
    expect(screen.getByTestId(testIds.slos.burn1h('checkout'))).toHaveTextContent('3.50×');
    expect(screen.getByTestId(testIds.slos.burn6h('checkout'))).toHaveTextContent('1.80×');
    expect(screen.getByTestId(testIds.slos.exhaustion('checkout'))).toHaveTextContent('in 2d 5h');
    expect(screen.getByTestId(testIds.slos.sli('login'))).toHaveTextContent('meets the objective');
    expect(screen.getByTestId(testIds.slos.exhaustion('login'))).toHaveTextContent('not burning');
    expect(screen.getByTestId(testIds.slos.shown)).toHaveTextContent('3 SLOs');
    // Details (and their graphs) only for rows the user opens.
    expect(screen.queryByTestId(testIds.slos.detail('checkout'))).not.toBeInTheDocument();
  });

  it('sorts by the clicked column, worst first, and the other way on a second click', async () => {
    installFakeSidecar(handlers([healthy, halfSpent, burning]));
    renderSlos();
    await screen.findByTestId(testIds.slos.row('checkout'));
    fireEvent.click(screen.getByTestId(testIds.slos.sort('burn1h')));
    expect(rowOrder()).toEqual(['search', 'checkout', 'login']);
    expect(screen.getByTestId(testIds.slos.sort('burn1h')).closest('th')).toHaveAttribute('aria-sort', 'descending');
    expect(screen.getByTestId(testIds.slos.sort('budget')).closest('th')).toHaveAttribute('aria-sort', 'none');
    fireEvent.click(screen.getByTestId(testIds.slos.sort('burn1h')));
    expect(rowOrder()).toEqual(['login', 'checkout', 'search']);
    // Soonest exhaustion first; "not burning" last.
    fireEvent.click(screen.getByTestId(testIds.slos.sort('exhaustion')));
    expect(rowOrder()).toEqual(['search', 'checkout', 'login']);
    fireEvent.click(screen.getByTestId(testIds.slos.sort('workflow')));
    expect(rowOrder()).toEqual(['checkout', 'login', 'search']);
  });

  it('filters the rows by workflow name or id, and says when nothing matches', async () => {
    installFakeSidecar(handlers([healthy, halfSpent, burning]));
    renderSlos();
    await screen.findByTestId(testIds.slos.row('checkout'));
    const filter = screen.getByTestId(testIds.slos.filter);
    fireEvent.change(filter, { target: { value: 'LOGIN p' } });
    expect(rowOrder()).toEqual(['login']);
    expect(screen.getByTestId(testIds.slos.shown)).toHaveTextContent('1 of 3 SLOs');
    // Typed text is text, not a regex.
    fireEvent.change(filter, { target: { value: '(sso)' } });
    expect(rowOrder()).toEqual(['login']);
    fireEvent.change(filter, { target: { value: 'sea' } });
    expect(rowOrder()).toEqual(['search']);
    fireEvent.change(filter, { target: { value: 'payments' } });
    expect(screen.queryAllByTestId(/^data-testid slo-(checkout|login|search)$/)).toHaveLength(0);
    expect(screen.getByTestId(testIds.slos.noMatch)).toHaveTextContent('No workflow with an SLO matches “payments”');
  });

  it("shows each workflow's name linking to its page with the id beside it (the id alone without a name), from one request for all names", async () => {
    const { requests } = installFakeSidecar(handlers([healthy, halfSpent, burning]));
    renderSlos();
    const checkout = await screen.findByTestId(testIds.slos.name('checkout'));
    await waitFor(() => expect(within(checkout).getByRole('link')).toHaveTextContent('Checkout flow'));
    expect(within(checkout).getByRole('link')).toHaveAttribute('href', '/a/workflowmonitor-workflowmonitor-app/workflows/checkout?from=now-6h&to=now');
    expect(checkout).toHaveTextContent('Checkout flowcheckout');
    expect(within(screen.getByTestId(testIds.slos.name('login'))).getByRole('link', { name: 'Login page (SSO)' })).toHaveAttribute('href', expect.stringContaining('/workflows/login?'));
    const search = screen.getByTestId(testIds.slos.name('search'));
    expect(within(search).getByRole('link')).toHaveTextContent(/^search$/);
    expect(search).toHaveTextContent(/^search$/);
    expect(requests.filter((r) => r.path === 'api/v1/variables/workflows')).toHaveLength(1);
    expect(requests.filter((r) => r.path.startsWith('api/v1/workflows'))).toHaveLength(0);
  });

  it('shows ids and says so when the workflow names cannot be loaded', async () => {
    const failure = { status: 502, body: { error: { code: 'unavailable', message: 'database unavailable', details: [] } } };
    installFakeSidecar(handlers([burning], { 'GET api/v1/variables/workflows': () => failure }));
    renderSlos();
    expect(await screen.findByTestId(testIds.slos.namesError)).toHaveTextContent('database unavailable');
    expect(within(screen.getByTestId(testIds.slos.name('checkout'))).getByRole('link')).toHaveTextContent(/^checkout$/);
  });

  it('queries the graphs of the expanded rows only, all of them in one request for the picked range', async () => {
    const { requests } = installFakeSidecar(handlers([healthy, halfSpent, burning]));
    renderSlos('?from=1700000000000&to=1700021600000');
    await screen.findByTestId(testIds.slos.row('checkout'));
    await waitFor(() => expect(requests.filter((r) => r.path === 'api/v1/variables/workflows')).toHaveLength(1));
    expect(queries(requests)).toHaveLength(0);

    fireEvent.click(screen.getByTestId(testIds.slos.expand('checkout')));
    expect(screen.getByTestId(testIds.slos.expand('checkout'))).toHaveAttribute('aria-expanded', 'true');
    await waitFor(() => expect(screen.getByTestId(testIds.slos.burnGraph('checkout'))).toHaveAttribute('data-points', '3'));
    expect(screen.getByTestId(testIds.slos.budgetGraph('checkout'))).toHaveAttribute('data-points', '4');
    expect(screen.getByTestId(testIds.slos.burnRates('checkout'))).toHaveTextContent('1h: 3.50×');
    expect(queries(requests)).toHaveLength(1);
    const first = queries(requests)[0]!;
    expect([first.from, first.to]).toEqual([1700000000000, 1700021600000]);
    expect(first.targets.map((t) => [t.metric, t.workflowIds])).toEqual([
      ['burn_rate', ['checkout']],
      ['error_budget_remaining', ['checkout']],
    ]);

    fireEvent.click(screen.getByTestId(testIds.slos.expand('login')));
    await waitFor(() => expect(screen.getByTestId(testIds.slos.budgetGraph('login'))).toHaveAttribute('data-points', '2'));
    expect(screen.getByTestId(testIds.slos.burnGraph('login'))).toHaveAttribute('data-points', '1');
    expect(screen.getByTestId(testIds.slos.burnGraph('checkout'))).toHaveAttribute('data-points', '3');
    expect(queries(requests)).toHaveLength(2);
    expect(queries(requests)[1]!.targets.map((t) => t.workflowIds)).toEqual([
      ['checkout', 'login'],
      ['checkout', 'login'],
    ]);
    expect(screen.queryByTestId(testIds.slos.detail('search'))).not.toBeInTheDocument();

    // A row the filter hides is not queried either.
    fireEvent.change(screen.getByTestId(testIds.slos.filter), { target: { value: 'login' } });
    await waitFor(() => expect(queries(requests)).toHaveLength(3));
    expect(queries(requests)[2]!.targets.map((t) => t.workflowIds)).toEqual([['login'], ['login']]);

    fireEvent.click(screen.getByTestId(testIds.slos.expand('login')));
    expect(screen.queryByTestId(testIds.slos.detail('login'))).not.toBeInTheDocument();
    fireEvent.change(screen.getByTestId(testIds.slos.filter), { target: { value: '' } });
    await screen.findByTestId(testIds.slos.detail('checkout'));
    await waitFor(() => expect(queries(requests)).toHaveLength(4));
    expect(queries(requests)[3]!.targets.map((t) => t.workflowIds)).toEqual([['checkout'], ['checkout']]);
    expect(requests.every((r) => r.datasourceUid === 'wm-test')).toBe(true);
  });

  it('says how much of an overspent budget was used, and how much of a healthy one', async () => {
    const overspent: SloStatus = { ...burning, errorBudgetRemaining: -800.00000001 };
    const twoThirds: SloStatus = { ...healthy, errorBudgetRemaining: 66.66666 };
    installFakeSidecar(handlers([overspent, twoThirds]));
    renderSlos();
    fireEvent.click(await screen.findByTestId(testIds.slos.expand('checkout')));
    fireEvent.click(screen.getByTestId(testIds.slos.expand('login')));
    expect(screen.getByTestId(testIds.slos.budget('checkout'))).toHaveAttribute('data-value', '-800.00000001');
    expect(screen.getByTestId(testIds.slos.budgetUsed('checkout'))).toHaveTextContent(/^overspent: 900 % of the budget used$/);
    expect(screen.getByTestId(testIds.slos.budgetUsed('login'))).toHaveTextContent('33.3 % of the budget used (100 % left is untouched, 0 % is spent)');
    expect(screen.getByTestId(testIds.slos.budgetBar('checkout'))).toHaveAttribute('title', 'overspent: 900 % of the budget used');
    expect(screen.getByTestId(testIds.slos.budgetBar('checkout'))).toHaveTextContent(/^-800 %overspent$/);
    await waitFor(() => expect(screen.getByTestId(testIds.slos.budgetGraph('checkout'))).toHaveAttribute('data-points', '4'));
  });

  it('says why the graphs are missing when their query fails', async () => {
    const error = { error: { code: 'invalid_request', message: 'invalid body: targets[0]: too many values', details: [] } };
    installFakeSidecar(handlers([burning], { 'POST api/v1/query': () => ({ status: 400, body: error }) }));
    renderSlos();
    fireEvent.click(await screen.findByTestId(testIds.slos.expand('checkout')));
    expect(await screen.findByText('invalid body: targets[0]: too many values')).toBeInTheDocument();
    expect(screen.getByTestId(testIds.slos.detail('checkout'))).toHaveTextContent('The graphs could not be loaded.');
  });

  it('explains how to declare an slo when no workflow has one', async () => {
    installFakeSidecar(handlers([]));
    renderSlos();
    expect(await screen.findByTestId(testIds.slos.empty)).toHaveTextContent('slo: { objective: 99.5, window: 30d }');
    expect(screen.queryByTestId(testIds.report.download('csv'))).not.toBeInTheDocument();
  });

  it('downloads the SLA report of the picked range and the SLO workflows as a file named by the server', async () => {
    const saved: Array<{ name: string; blob: Blob }> = [];
    const created: Blob[] = [];
    Object.assign(URL, { createObjectURL: (blob: Blob) => (created.push(blob), `blob:test/${created.length}`), revokeObjectURL: () => undefined });
    const click = jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      saved.push({ name: this.download, blob: created[Number(this.href.split('/').pop()) - 1]! });
    });
    const csv = new Blob(['workflowId,executions\ncheckout,10\n'], { type: 'text/csv' });
    const { requests } = installFakeSidecar(
      handlers([burning, healthy], {
        'GET api/v1/reports/sla': () => ({ body: csv, headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="sla-report-2023-11-14.csv"' } }),
      }),
      { role: 'Viewer' }
    );
    renderSlos('?from=1700000000000&to=1700021600000');
    fireEvent.click(await screen.findByTestId(testIds.report.download('csv')));
    await waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]!.name).toBe('sla-report-2023-11-14.csv');
    expect(saved[0]!.blob).toBe(csv);
    const report = requests.find((r) => r.path === 'api/v1/reports/sla')!;
    expect(report.method).toBe('GET');
    expect(report.responseType).toBe('blob');
    expect(report.params).toEqual({ from: '1700000000000', to: '1700021600000', format: 'csv', workflowIds: 'checkout,login' });
    click.mockRestore();
  });

  it("shows the sidecar's reason when the report cannot be made", async () => {
    const error = { error: { code: 'invalid_request', message: 'invalid query: format: too many workflows', details: [] } };
    const { toasts } = installFakeSidecar(handlers([burning], { 'GET api/v1/reports/sla': () => ({ status: 400, body: error }) }));
    renderSlos();
    fireEvent.click(await screen.findByTestId(testIds.report.download('pdf')));
    await waitFor(() => expect(toasts.map((t) => String(t.payload))).toContain('The PDF report could not be made: invalid query: format: too many workflows'));
  });
});
