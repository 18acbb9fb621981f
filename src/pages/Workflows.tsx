import React from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import { Alert as Callout, Button, useStyles2 } from '@grafana/ui';
import type { QueryResponse } from '../api/types';
import { StatusBadge } from '../components/Badges';
import { seriesOf } from '../components/graphs/frames';
import { RowSparkline } from '../components/graphs/RowSparkline';
import { LoadState, NoDataSource } from '../components/LoadState';
import { PageControls } from '../components/PageControls/PageControls';
import { getTableStyles } from '../components/tableStyles';
import { testIds } from '../components/testIds';
import { ROUTES, workflowEditRoute } from '../constants';
import { usePageControls } from '../hooks/usePageControls';
import { currentUser, notify, useAsync } from '../hooks/useSidecar';
import { age, ms, pct } from '../utils/format';
import { prefixRoute } from '../utils/utils.routing';

/** Points of a row's sparkline. */
const SPARKLINE_POINTS = 40;

/** Per workflow: the values of `refId`'s series (grouped by workflow). */
function byWorkflow(response: QueryResponse, refId: string): Map<string, Array<number | null>> {
  return new Map(seriesOf(response, refId).series.map((s) => [s.labels.workflow ?? s.name, s.values]));
}

/** Every workflow with its status, success rate (figure and sparkline) and p95 for the picked range, last run and labels. */
function Workflows() {
  const controls = usePageControls();
  const { client, range, refreshKey } = controls;
  const from = range.from.valueOf();
  const to = range.to.valueOf();
  const s = useStyles2(getTableStyles);
  const user = currentUser();
  const navigate = useNavigate();
  const data = useAsync(client ? async () => {
    // One query for every row: series grouped by workflow, not a query per row.
    const [list, stats] = await Promise.all([
      client.listWorkflows(),
      client.query({
        from,
        to,
        intervalMs: Math.ceil((to - from) / SPARKLINE_POINTS),
        maxDataPoints: SPARKLINE_POINTS,
        targets: [
          { refId: 'rate', metric: 'success_rate', groupBy: 'workflow', instant: true },
          { refId: 'p95', metric: 'duration_p95', groupBy: 'workflow', instant: true },
          { refId: 'sparkline', metric: 'success_rate', groupBy: 'workflow' },
        ],
      }),
    ]);
    return {
      ...list,
      rate: byWorkflow(stats, 'rate'),
      p95: byWorkflow(stats, 'p95'),
      sparklineTimes: seriesOf(stats, 'sparkline').times,
      sparklines: byWorkflow(stats, 'sparkline'),
    };
  } : undefined, [client, from, to, refreshKey]);
  if (!client) {
    return <PluginPage><PageControls controls={controls} /><NoDataSource /></PluginPage>;
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
        <PageControls controls={controls} />
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
              <tr><th>Workflow</th><th>Status</th><th>Success rate</th><th /><th>p95</th><th>Last run</th><th>Labels</th><th /></tr>
            </thead>
            <tbody>
              {v?.workflows.map((w) => {
                return (
                  <tr key={w.id} data-testid={testIds.workflows.row(w.id)}>
                    <td>
                      <Link to={`${prefixRoute(`${ROUTES.Workflows}/${encodeURIComponent(w.id)}`)}${controls.linkSearch}`}>{w.name}</Link>
                      <div className={s.muted}>{w.id}{w.critical ? ' · critical' : ''}{w.enabled ? '' : ' · disabled'}</div>
                    </td>
                    <td>{w.lastExecution ? <StatusBadge status={w.lastExecution.status} /> : <span className={s.muted}>never ran</span>}</td>
                    <td>{pct(v.rate.get(w.id)?.[0])}</td>
                    <td><RowSparkline testId={testIds.workflows.sparkline(w.id)} times={v.sparklineTimes} values={v.sparklines.get(w.id) ?? []} range={range} /></td>
                    <td>{ms(v.p95.get(w.id)?.[0])}</td>
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
