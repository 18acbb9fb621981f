import React from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { fireEvent, render, screen, within } from '@testing-library/react';
import { testIds } from '../components/testIds';
import { PLUGIN_BASE_URL } from '../constants';
import { installFakeSidecar, type Handlers } from '../test/fakeSidecar';
import WorkflowDetail from './WorkflowDetail';

jest.setTimeout(60_000);

const now = '2026-01-05T10:00:00.000Z';
const workflow = (source: 'api' | 'file') => ({
  id: 'checkout', name: 'Checkout flow', source, ...(source === 'file' ? { sourceFile: '/w/checkout.yaml' } : {}), enabled: true, critical: false, labels: {},
  mode: 'scheduled', schedule: { every: '1m' }, definition: { id: 'checkout' }, version: 1, createdAt: now, updatedAt: now, lastExecution: null, nextRunAt: null,
});
const summary = { id: 7, workflowId: 'checkout', runId: 3, trigger: 'schedule', status: 'degraded', startedAt: now, finishedAt: now, durationMs: 1100, stepCount: 1, attempts: 2, retries: 1, errorType: null, errorMessage: null, failedStep: null, workerId: 'w1' };
const handlers = (source: 'api' | 'file'): Handlers => ({
  'GET api/v1/workflows/{id}': () => workflow(source),
  'GET api/v1/workflows/{id}/executions': () => ({ executions: [summary], nextCursor: null }),
  'GET api/v1/executions/{id}': () => ({
    ...summary,
    steps: [{
      position: 0, name: 'login', status: 'passed', startedAt: now, durationMs: 1090, httpStatus: 200, errorType: null, errorMessage: null,
      assertions: [{ assertion: 'status == 200', passed: true, expected: 200 }], extracted: ['token'],
      attempts: [
        { number: 1, startedAt: now, durationMs: 40, delayMs: 0, httpStatus: 503, errorType: 'transient', errorMessage: 'HTTP 503' },
        { number: 2, startedAt: now, durationMs: 50, delayMs: 1000, httpStatus: 200, errorType: null, errorMessage: null },
      ],
    }],
  }),
});

function renderDetail() {
  return render(
    <MemoryRouter initialEntries={[`${PLUGIN_BASE_URL}/workflows/checkout`]}>
      <Routes>
        <Route path={`${PLUGIN_BASE_URL}/workflows/:id`} element={<WorkflowDetail />} />
        <Route path={`${PLUGIN_BASE_URL}/workflows/:id/edit`} element={<div data-testid="editor-page" />} />
      </Routes>
    </MemoryRouter>
  );
}

describe('Workflow detail page', () => {
  it('shows every attempt of an execution with its delay, error type and the extracted variable names', async () => {
    installFakeSidecar(handlers('api'));
    renderDetail();
    const row = await screen.findByTestId(testIds.workflowDetail.execution(7));
    fireEvent.click(within(row).getByRole('button'));
    const rows = within(await screen.findByTestId(testIds.workflowDetail.attempts)).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent('1. login (passed)');
    expect(rows[0]).toHaveTextContent('transient');
    expect(rows[1]).toHaveTextContent('1000 ms');
    expect(rows[1]).toHaveTextContent('✓ status == 200');
    expect(rows[1]).toHaveTextContent('extracted: token');
  });

  it('opens the editor from Edit for an API-defined workflow', async () => {
    installFakeSidecar(handlers('api'));
    renderDetail();
    const edit = await screen.findByTestId(testIds.workflowDetail.edit);
    expect(edit).toHaveTextContent('Edit');
    fireEvent.click(edit);
    expect(await screen.findByTestId('editor-page')).toBeInTheDocument();
  });

  it('offers to view the definition of a file-defined workflow, and to Viewers', async () => {
    installFakeSidecar(handlers('file'));
    const view = renderDetail();
    expect(await screen.findByTestId(testIds.workflowDetail.edit)).toHaveTextContent('View definition');
    view.unmount();
    installFakeSidecar(handlers('api'), { role: 'Viewer' });
    renderDetail();
    expect(await screen.findByTestId(testIds.workflowDetail.edit)).toHaveTextContent('View definition');
  });
});
