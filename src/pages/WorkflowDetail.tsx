import React, { useState } from 'react';
import { useParams } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import { Button, Field, Select, useStyles2 } from '@grafana/ui';
import type { ExecutionDetail } from '../api/types';
import { StatusBadge } from '../components/Badges';
import { LoadState, NoDataSource } from '../components/LoadState';
import { getTableStyles } from '../components/tableStyles';
import { testIds } from '../components/testIds';
import { useAsync, useSidecar } from '../hooks/useSidecar';
import { ms } from '../utils/format';

/** `exists` / `not exists` never store the value: their message says what kind of value was there. */
function failureText(as: { expected?: unknown; actual?: unknown; message?: string }): string {
  return as.actual === undefined && as.message ? as.message : `expected ${JSON.stringify(as.expected)}, got ${JSON.stringify(as.actual)}`;
}

function Attempts({ execution }: { execution: ExecutionDetail }) {
  const s = useStyles2(getTableStyles);
  return (
    <table className={s.table} data-testid={testIds.workflowDetail.attempts}>
      <thead>
        <tr><th>Step</th><th>Attempt</th><th>Waited before</th><th>Took</th><th>HTTP</th><th>Error type</th><th>Error / assertions</th></tr>
      </thead>
      <tbody>
        {execution.steps.flatMap((step) =>
          (step.attempts.length > 0 ? step.attempts : [null]).map((a, i) => (
            <tr key={`${step.position}-${i}`}>
              <td>{i === 0 ? `${step.position + 1}. ${step.name} (${step.status})` : ''}</td>
              <td>{a ? a.number : '–'}</td>
              <td>{a ? ms(a.delayMs) : '–'}</td>
              <td>{a ? ms(a.durationMs) : '–'}</td>
              <td>{a?.httpStatus ?? ''}</td>
              <td>{a?.errorType ?? ''}</td>
              <td>
                {a?.errorMessage ?? ''}
                {i === step.attempts.length - 1 &&
                  step.assertions.map((as) => (
                    <div key={as.assertion} className={as.passed ? s.muted : undefined}>
                      {as.passed ? '✓' : '✗'} {as.assertion}{as.passed ? '' : ` — ${failureText(as)}`}
                    </div>
                  ))}
              </td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

/** A workflow's executions with a status filter; drill into steps and every attempt. */
function WorkflowDetail() {
  const { id = '' } = useParams<{ id: string }>();
  const client = useSidecar();
  const s = useStyles2(getTableStyles);
  const [status, setStatus] = useState('');
  const [open, setOpen] = useState<number>();
  const workflow = useAsync(client ? () => client.getWorkflow(id) : undefined, [client, id]);
  const executions = useAsync(client ? () => client.listExecutions(id, { status: status || undefined, limit: 100 }) : undefined, [client, id, status]);
  const detail = useAsync(client && open !== undefined ? () => client.getExecution(open) : undefined, [client, open]);
  if (!client) {
    return <PluginPage><NoDataSource /></PluginPage>;
  }
  const list = executions.value?.executions ?? [];
  return (
    <PluginPage>
      <div data-testid={testIds.workflowDetail.container}>
        <LoadState loading={workflow.loading} error={workflow.error}>
          {workflow.value && (
            <p className={s.muted}>
              {workflow.value.name} · {workflow.value.mode === 'push' ? 'push' : workflow.value.schedule.every ? `every ${workflow.value.schedule.every}` : workflow.value.schedule.cron}
              {workflow.value.sourceFile ? ` · ${workflow.value.sourceFile}` : ''}
            </p>
          )}
        </LoadState>
        <div className={s.toolbar}>
          <Field label="Status">
            <Select width={20} value={status} options={[{ label: 'Any', value: '' }, { label: 'success', value: 'success' }, { label: 'degraded', value: 'degraded' }, { label: 'failed', value: 'failed' }]} onChange={(v) => setStatus(v.value ?? '')} />
          </Field>
          <Button variant="secondary" icon="sync" onClick={executions.reload}>Refresh</Button>
        </div>
        <LoadState loading={executions.loading} error={executions.error} empty={!executions.loading && list.length === 0} emptyMessage="No executions match" onRetry={executions.reload}>
          <table className={s.table}>
            <thead>
              <tr><th>Started</th><th>Status</th><th>Trigger</th><th>Duration</th><th>Attempts</th><th>Retries</th><th>Error</th></tr>
            </thead>
            <tbody>
              {list.map((e) => (
                <React.Fragment key={e.id}>
                  <tr data-testid={testIds.workflowDetail.execution(e.id)}>
                    <td>
                      <Button fill="text" size="sm" icon={open === e.id ? 'angle-down' : 'angle-right'} onClick={() => setOpen(open === e.id ? undefined : e.id)}>
                        {new Date(e.startedAt).toLocaleString()}
                      </Button>
                    </td>
                    <td><StatusBadge status={e.status} /></td>
                    <td>{e.trigger}</td>
                    <td>{ms(e.durationMs)}</td>
                    <td>{e.attempts}</td>
                    <td>{e.retries}</td>
                    <td>{e.errorType ? `${e.errorType}: ${e.errorMessage ?? ''}` : ''}</td>
                  </tr>
                  {open === e.id && (
                    <tr>
                      <td colSpan={7}>
                        <LoadState loading={detail.loading} error={detail.error}>
                          {detail.value && detail.value.id === e.id ? <Attempts execution={detail.value} /> : null}
                        </LoadState>
                      </td>
                    </tr>
                  )}
                </React.Fragment>
              ))}
            </tbody>
          </table>
        </LoadState>
      </div>
    </PluginPage>
  );
}

export default WorkflowDetail;
