import React from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { QueryRequest, SloStatus } from '../api/types';
import { testIds } from '../components/testIds';
import { fakeQuery } from '../test/fakeQuery';
import { installFakeSidecar, type Handlers } from '../test/fakeSidecar';
import Slos, { timeToExhaustion } from './Slos';

jest.setTimeout(60_000);

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
  burnRates: { '5m': 0, '30m': 0, '1h': 0, '6h': 0, '24h': 0, '72h': 0 },
  budgetExhaustedAt: null,
};

function handlers(slos: SloStatus[], extra: Handlers = {}): Handlers {
  return {
    'GET api/v1/slos': () => ({ slos }),
    'POST api/v1/query': fakeQuery((target) => [{ values: target.metric === 'burn_rate' ? [0.5, 1, 3, null] : [100, 90, 70, 60] }], 4),
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

describe('SLOs page', () => {
  it('shows objective, window, SLI, budget left, burn rates and time to exhaustion for each workflow with an SLO', async () => {
    installFakeSidecar(handlers([burning, healthy]), { role: 'Viewer' });
    renderSlos();
    const card = await screen.findByTestId(testIds.slos.card('checkout'));
    expect(card).toHaveTextContent('99.5 %');
    expect(card).toHaveTextContent('over 30d');
    expect(screen.getByTestId(testIds.slos.sli('checkout'))).toHaveTextContent('99.1');
    expect(screen.getByTestId(testIds.slos.sli('checkout'))).toHaveTextContent('below the objective');
    expect(screen.getByTestId(testIds.slos.budget('checkout'))).toHaveAttribute('data-value', '-80');
    expect(screen.getByTestId(testIds.slos.burnRates('checkout'))).toHaveTextContent('1h: 3.50×');
    expect(screen.getByTestId(testIds.slos.exhaustion('checkout'))).toHaveTextContent('in 2d 5h');
    expect(screen.getByTestId(testIds.slos.sli('login'))).toHaveTextContent('meets the objective');
    expect(screen.getByTestId(testIds.slos.exhaustion('login'))).toHaveTextContent('not burning');
  });

  it('draws the burn-rate and budget graphs from the query API for the picked range and data source, one workflow each', async () => {
    const { requests } = installFakeSidecar(handlers([burning]));
    renderSlos('?from=1700000000000&to=1700021600000');
    await waitFor(() => expect(screen.getByTestId(testIds.slos.burnGraph('checkout'))).toHaveAttribute('data-points', '3'));
    expect(screen.getByTestId(testIds.slos.budgetGraph('checkout'))).toHaveAttribute('data-points', '4');
    const query = requests.find((r) => r.path === 'api/v1/query')!.data as QueryRequest;
    expect(query.from).toBe(1700000000000);
    expect(query.to).toBe(1700021600000);
    expect(query.targets.map((t) => [t.metric, t.workflowIds])).toEqual([
      ['burn_rate', ['checkout']],
      ['error_budget_remaining', ['checkout']],
    ]);
    expect(requests.every((r) => r.datasourceUid === 'wm-test')).toBe(true);
  });

  it('explains how to declare an slo when no workflow has one', async () => {
    installFakeSidecar(handlers([]));
    renderSlos();
    expect(await screen.findByTestId(testIds.slos.empty)).toHaveTextContent('slo: { objective: 99.5, window: 30d }');
    expect(screen.queryByTestId(testIds.report.download('csv'))).not.toBeInTheDocument();
  });

  it('downloads the SLA report of the picked range and shown workflows as a file named by the server', async () => {
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

  it('shows the sidecar\'s reason when the report cannot be made', async () => {
    const error = { error: { code: 'invalid_request', message: 'invalid query: format: too many workflows', details: [] } };
    const { toasts } = installFakeSidecar(handlers([burning], { 'GET api/v1/reports/sla': () => ({ status: 400, body: error }) }));
    renderSlos();
    fireEvent.click(await screen.findByTestId(testIds.report.download('pdf')));
    await waitFor(() => expect(toasts.map((t) => String(t.payload))).toContain('The PDF report could not be made: invalid query: format: too many workflows'));
  });
});

describe('timeToExhaustion', () => {
  it('names the time left, or that the budget is not burning or already gone', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(timeToExhaustion(null, now)).toBe('not burning');
    expect(timeToExhaustion('2026-01-01T00:25:00Z', now)).toBe('in 25m');
    expect(timeToExhaustion('2026-01-01T03:10:00Z', now)).toBe('in 3h 10m');
    expect(timeToExhaustion('2026-01-04T05:00:00Z', now)).toBe('in 3d 5h');
    expect(timeToExhaustion('2025-12-31T00:00:00Z', now)).toBe('exhausted');
  });
});
