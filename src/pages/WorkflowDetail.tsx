import React, { useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import { Button, Field, Select, useStyles2 } from '@grafana/ui';
import { StatusBadge } from '../components/Badges';
import { WorkflowLocations } from '../components/WorkflowLocations';
import { ExecutionSteps } from '../components/ExecutionSteps';
import { LoadState, NoDataSource } from '../components/LoadState';
import { getTableStyles } from '../components/tableStyles';
import { testIds } from '../components/testIds';
import { workflowEditRoute } from '../constants';
import { currentUser, useAsync, useSidecar } from '../hooks/useSidecar';
import { ms } from '../utils/format';
import { prefixRoute } from '../utils/utils.routing';

/** A workflow's executions with a status filter; drill into steps and every attempt. */
function WorkflowDetail() {
  const { id = '' } = useParams<{ id: string }>();
  const client = useSidecar();
  const s = useStyles2(getTableStyles);
  const navigate = useNavigate();
  const canEdit = currentUser().canEdit;
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
            <p className={s.muted} data-testid={testIds.workflowDetail.summary}>
              {workflow.value.name} · {workflow.value.mode === 'push' ? 'push' : workflow.value.schedule.every ? `every ${workflow.value.schedule.every}` : workflow.value.schedule.cron}
              {workflow.value.sourceFile ? ` · ${workflow.value.sourceFile}` : ''}{' '}
              <Button size="sm" variant="secondary" icon={canEdit && workflow.value.source === 'api' ? 'pen' : 'eye'} data-testid={testIds.workflowDetail.edit} onClick={() => navigate(prefixRoute(workflowEditRoute(id)))}>
                {canEdit && workflow.value.source === 'api' ? 'Edit' : 'View definition'}
              </Button>
            </p>
          )}
        </LoadState>
        {workflow.value?.locations && workflow.value.locations.length > 0 && <WorkflowLocations workflowId={id} locations={workflow.value.locations} />}
        <div className={s.toolbar}>
          <Field label="Status">
            <Select width={20} value={status} options={[{ label: 'Any', value: '' }, { label: 'success', value: 'success' }, { label: 'degraded', value: 'degraded' }, { label: 'failed', value: 'failed' }]} onChange={(v) => setStatus(v.value ?? '')} />
          </Field>
          <Button variant="secondary" icon="sync" data-testid={testIds.workflowDetail.refresh} onClick={executions.reload}>Refresh</Button>
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
                          {detail.value && detail.value.id === e.id ? <ExecutionSteps steps={detail.value.steps} testId={testIds.workflowDetail.attempts} /> : null}
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
