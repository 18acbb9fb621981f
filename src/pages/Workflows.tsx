import React from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import { Alert as Callout, Button, useStyles2 } from '@grafana/ui';
import { StatusBadge } from '../components/Badges';
import { LoadState, NoDataSource } from '../components/LoadState';
import { getTableStyles } from '../components/tableStyles';
import { testIds } from '../components/testIds';
import { ROUTES, workflowEditRoute } from '../constants';
import { currentUser, notify, useAsync, useSidecar } from '../hooks/useSidecar';
import { age, ms, pct } from '../utils/format';
import { prefixRoute } from '../utils/utils.routing';

/** Every workflow with its status, success rate and p95 over 24 h, last run and labels. */
function Workflows() {
  const client = useSidecar();
  const s = useStyles2(getTableStyles);
  const user = currentUser();
  const navigate = useNavigate();
  const data = useAsync(client ? async () => {
    const [list, metrics, p95] = await Promise.all([
      client.listWorkflows(),
      client.metrics('24h', true),
      client.query({ from: Date.now() - 86_400_000, to: Date.now(), intervalMs: 86_400_000, maxDataPoints: 1, targets: [{ refId: 'p95', metric: 'duration_p95', groupBy: 'workflow' }] }),
    ]);
    const p95ByWorkflow = new Map<string, number | null>();
    for (const frame of p95.results.p95?.frames ?? []) {
      frame.schema.fields.forEach((f, i) => {
        if (f.labels?.workflow) {
          const values = frame.data.values[i] as Array<number | null>;
          p95ByWorkflow.set(f.labels.workflow, values.filter((v) => v !== null).pop() ?? null);
        }
      });
    }
    return { ...list, stats: new Map((metrics.workflows ?? []).map((w) => [w.workflowId, w])), p95ByWorkflow };
  } : undefined, [client]);
  if (!client) {
    return <PluginPage><NoDataSource /></PluginPage>;
  }
  const run = async (id: string) => {
    try {
      await client.runWorkflow(id);
      notify.success(`Run of ${id} queued`);
      setTimeout(data.reload, 1500);
    } catch (error) {
      notify.error((error as Error).message);
    }
  };
  const v = data.value;
  return (
    <PluginPage>
      <div data-testid={testIds.workflows.container}>
        {user.canEdit && (
          <div className={s.toolbar}>
            <Button icon="plus" data-testid={testIds.workflows.newWorkflow} onClick={() => navigate(prefixRoute(ROUTES.WorkflowNew))}>New workflow</Button>
          </div>
        )}
        {v && v.loadErrors.length > 0 && (
          <Callout severity="warning" title={`${v.loadErrors.length} workflow definition(s) rejected`}>
            {v.loadErrors.map((e) => <div key={`${e.file}:${e.path}`}>{e.file} — {e.path}: {e.message}</div>)}
          </Callout>
        )}
        <LoadState loading={data.loading} error={data.error} empty={Boolean(v) && v!.workflows.length === 0} emptyMessage="No workflows yet: add YAML files to WORKFLOWS_DIR or POST /api/v1/workflows" onRetry={data.reload}>
          <table className={s.table}>
            <thead>
              <tr><th>Workflow</th><th>Status</th><th>Success rate (24 h)</th><th>p95 (24 h)</th><th>Last run</th><th>Labels</th><th /></tr>
            </thead>
            <tbody>
              {v?.workflows.map((w) => {
                const stats = v.stats.get(w.id);
                return (
                  <tr key={w.id} data-testid={testIds.workflows.row(w.id)}>
                    <td>
                      <Link to={prefixRoute(`${ROUTES.Workflows}/${encodeURIComponent(w.id)}`)}>{w.name}</Link>
                      <div className={s.muted}>{w.id}{w.critical ? ' · critical' : ''}{w.enabled ? '' : ' · disabled'}</div>
                    </td>
                    <td>{w.lastExecution ? <StatusBadge status={w.lastExecution.status} /> : <span className={s.muted}>never ran</span>}</td>
                    <td>{pct(stats?.successRate)}</td>
                    <td>{ms(v.p95ByWorkflow.get(w.id))}</td>
                    <td>{w.lastExecution ? `${age(w.lastExecution.startedAt)} ago` : '–'}</td>
                    <td className={s.muted}>{Object.entries(w.labels).map(([k, val]) => `${k}=${val}`).join(', ')}</td>
                    <td>
                      {user.canEdit && w.mode === 'scheduled' && (
                        <Button size="sm" variant="secondary" icon="play" data-testid={testIds.workflows.runNow(w.id)} onClick={() => run(w.id)}>Run now</Button>
                      )}
                      {user.canEdit && w.source === 'api' && (
                        <>
                          {' '}
                          <Link data-testid={testIds.workflows.edit(w.id)} to={prefixRoute(workflowEditRoute(w.id))}>Edit</Link>
                        </>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </LoadState>
      </div>
    </PluginPage>
  );
}

export default Workflows;
