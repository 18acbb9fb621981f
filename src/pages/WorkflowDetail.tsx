import React, { useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import { Button, Field, Select, useStyles2 } from '@grafana/ui';
import type { QueryResponse } from '../api/types';
import { StatusBadge } from '../components/Badges';
import { WorkflowLocations } from '../components/WorkflowLocations';
import { ExecutionSteps } from '../components/ExecutionSteps';
import { BarList } from '../components/graphs/BarList';
import { framesOf, instantValue, seriesFrame, seriesOf } from '../components/graphs/frames';
import { getGraphStyles } from '../components/graphs/graphStyles';
import { StatusTimeline } from '../components/graphs/StatusTimeline';
import { TimeSeriesGraph } from '../components/graphs/TimeSeriesGraph';
import { LoadState, NoDataSource } from '../components/LoadState';
import { PageControls } from '../components/PageControls/PageControls';
import { getTableStyles } from '../components/tableStyles';
import { testIds } from '../components/testIds';
import { workflowEditRoute } from '../constants';
import { usePageControls } from '../hooks/usePageControls';
import { currentUser, useAsync } from '../hooks/useSidecar';
import { ms, pct } from '../utils/format';
import { prefixRoute } from '../utils/utils.routing';
import { GRAPH_POINTS } from './Overview';

/** The status timeline shows individual runs: at most this many, the newest of the range. */
export const TIMELINE_LIMIT = 500;
/** The URL parameter of the execution opened from the timeline (a shared link opens it too). */
const EXECUTION_PARAM = 'execution';

/** Bars per error type (failed attempts or retries) from an instant, grouped-by-error-type answer. */
function errorTypeBars(response: QueryResponse | undefined, refId: string, color: string) {
  return seriesOf(response, refId).series.map((s) => ({ label: s.labels.error_type ?? s.name, value: s.values[0] ?? null, color }));
}

/**
 * A workflow for the picked range: uptime and duration percentiles, success-rate and duration graphs,
 * failed attempts and retries by error type, per-step durations and a timeline of its executions
 * (click one to open it); below, its executions with a status filter, drilling into every attempt.
 */
function WorkflowDetail() {
  const { id = '' } = useParams<{ id: string }>();
  const controls = usePageControls();
  const { client, range, refreshKey } = controls;
  const from = range.from.valueOf();
  const to = range.to.valueOf();
  const s = useStyles2(getTableStyles);
  const g = useStyles2(getGraphStyles);
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const canEdit = currentUser().canEdit;
  const [status, setStatus] = useState('');
  const [open, setOpen] = useState<number>();
  const selectedText = params.get(EXECUTION_PARAM) ?? '';
  const selected = /^\d{1,15}$/.test(selectedText) ? Number(selectedText) : undefined;
  const isoRange = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  const workflow = useAsync(client ? () => client.getWorkflow(id) : undefined, [client, id]);
  const graphs = useAsync(
    client
      ? () => {
          const workflowIds = [id];
          return client.query({
            from,
            to,
            intervalMs: Math.ceil((to - from) / GRAPH_POINTS),
            maxDataPoints: GRAPH_POINTS,
            targets: [
              { refId: 'uptime', metric: 'success_rate', workflowIds, instant: true },
              { refId: 'executions', metric: 'executions', workflowIds, instant: true },
              { refId: 'p50', metric: 'duration_p50', workflowIds, instant: true },
              { refId: 'p95', metric: 'duration_p95', workflowIds, instant: true },
              { refId: 'p99', metric: 'duration_p99', workflowIds, instant: true },
              { refId: 'successRate', metric: 'success_rate', workflowIds, alias: 'success rate' },
              { refId: 'p50Series', metric: 'duration_p50', workflowIds, alias: 'p50' },
              { refId: 'p95Series', metric: 'duration_p95', workflowIds, alias: 'p95' },
              { refId: 'p99Series', metric: 'duration_p99', workflowIds, alias: 'p99' },
              { refId: 'attemptsByType', metric: 'attempts', workflowIds, groupBy: 'error_type', instant: true },
              { refId: 'retriesByType', metric: 'retries', workflowIds, groupBy: 'error_type', instant: true },
              { refId: 'stepP95', metric: 'step_duration_p95', workflowIds, groupBy: 'step', instant: true },
              { refId: 'stepP50', metric: 'step_duration_p50', workflowIds, groupBy: 'step', instant: true },
            ],
          });
        }
      : undefined,
    [client, id, from, to, refreshKey]
  );
  const timeline = useAsync(client ? () => client.listExecutions(id, { ...isoRange, limit: TIMELINE_LIMIT }) : undefined, [client, id, from, to, refreshKey]);
  const executions = useAsync(client ? () => client.listExecutions(id, { status: status || undefined, limit: 100, ...isoRange }) : undefined, [client, id, status, from, to, refreshKey]);
  const detail = useAsync(client && open !== undefined ? () => client.getExecution(open) : undefined, [client, open]);
  const picked = useAsync(client && selected !== undefined ? () => client.getExecution(selected) : undefined, [client, selected]);
  if (!client) {
    return <PluginPage><PageControls controls={controls} /><NoDataSource /></PluginPage>;
  }
  const list = executions.value?.executions ?? [];
  const q = graphs.value;
  const durations = (() => {
    const p50 = seriesOf(q, 'p50Series');
    return [seriesFrame('durations', p50.times, [
      { name: 'p50', values: p50.series[0]?.values ?? [], unit: 'ms' },
      { name: 'p95', values: seriesOf(q, 'p95Series').series[0]?.values ?? [], unit: 'ms' },
      { name: 'p99', values: seriesOf(q, 'p99Series').series[0]?.values ?? [], unit: 'ms' },
    ])];
  })();
  const stepP50 = new Map(seriesOf(q, 'stepP50').series.map((x) => [x.name, x.values[0] ?? null]));
  const stepFrame = framesOf(q, 'stepP95')[0];
  const sampled = (stepFrame?.meta?.custom as { sampledExecutions?: number; sampleLimit?: number } | undefined) ?? {};
  const stepBars = seriesOf(q, 'stepP95').series.map((x) => ({ label: `${x.name} (p50 ${ms(stepP50.get(x.name))})`, value: x.values[0] ?? null, color: 'purple' }));
  const select = (execution: number) =>
    setParams((previous) => {
      const next = new URLSearchParams(previous);
      next.set(EXECUTION_PARAM, String(execution));
      return next;
    });
  const figure = (name: string, label: string, text: string) => (
    <div className={s.card} data-testid={testIds.workflowDetail.figure(name)}>
      <div className={s.muted}>{label}</div>
      <div className={s.big}>{text}</div>
    </div>
  );
  return (
    <PluginPage>
      <div data-testid={testIds.workflowDetail.container}>
        <PageControls controls={controls} />
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
        <LoadState loading={graphs.loading && !q} error={graphs.error} onRetry={graphs.reload}>
          {q && (
            <>
              <div className={s.cards}>
                {figure('uptime', 'Uptime (success + degraded)', pct(instantValue(q, 'uptime')))}
                {figure('executions', 'Executions', String(instantValue(q, 'executions') ?? 0))}
                {figure('p50', 'p50 duration', ms(instantValue(q, 'p50')))}
                {figure('p95', 'p95 duration', ms(instantValue(q, 'p95')))}
                {figure('p99', 'p99 duration', ms(instantValue(q, 'p99')))}
              </div>
              <div className={g.grid}>
                <TimeSeriesGraph title="Success rate" testId={testIds.workflowDetail.graph('successRate')} frames={framesOf(q, 'successRate')} range={range} unit="percent" min={0} max={100} />
                <TimeSeriesGraph title="Duration" testId={testIds.workflowDetail.graph('duration')} frames={durations} range={range} unit="ms" min={0} />
                <BarList title="Failed attempts by error type" testId={testIds.workflowDetail.graph('attemptsByErrorType')} bars={errorTypeBars(q, 'attemptsByType', 'red')} />
                <BarList title="Retries by error type" testId={testIds.workflowDetail.graph('retriesByErrorType')} bars={errorTypeBars(q, 'retriesByType', 'orange')} />
                <BarList
                  title="Step duration, p95"
                  testId={testIds.workflowDetail.graph('steps')}
                  bars={stepBars}
                  unit="ms"
                  note={sampled.sampledExecutions !== undefined && sampled.sampledExecutions >= (sampled.sampleLimit ?? Infinity) ? `From the newest ${sampled.sampledExecutions} executions of the range` : undefined}
                />
              </div>
            </>
          )}
        </LoadState>
        <LoadState loading={timeline.loading && !timeline.value} error={timeline.error} onRetry={timeline.reload}>
          {timeline.value && (
            <StatusTimeline
              testId={testIds.workflowDetail.graph('timeline')}
              executions={timeline.value.executions}
              truncated={Boolean(timeline.value.nextCursor)}
              range={range}
              selected={selected}
              onSelect={select}
            />
          )}
        </LoadState>
        {selected !== undefined && (
          <div className={g.tile} data-testid={testIds.workflowDetail.selectedExecution}>
            <LoadState loading={picked.loading} error={picked.error}>
              {picked.value && picked.value.id === selected && (
                <>
                  <div className={g.title}>
                    Execution #{picked.value.id} <StatusBadge status={picked.value.status} /> · {new Date(picked.value.startedAt).toLocaleString()} · {ms(picked.value.durationMs)}
                    {picked.value.errorType ? ` · ${picked.value.errorType}: ${picked.value.errorMessage ?? ''}` : ''}
                  </div>
                  <ExecutionSteps steps={picked.value.steps} />
                </>
              )}
            </LoadState>
          </div>
        )}
        {workflow.value?.locations && workflow.value.locations.length > 0 && <WorkflowLocations workflowId={id} locations={workflow.value.locations} controls={controls} />}
        <div className={s.toolbar}>
          <Field label="Status">
            <Select width={20} value={status} options={[{ label: 'Any', value: '' }, { label: 'success', value: 'success' }, { label: 'degraded', value: 'degraded' }, { label: 'failed', value: 'failed' }]} onChange={(v) => setStatus(v.value ?? '')} />
          </Field>
          <Button variant="secondary" icon="sync" data-testid={testIds.workflowDetail.refresh} onClick={controls.refresh}>Refresh</Button>
        </div>
        <LoadState loading={executions.loading} error={executions.error} empty={!executions.loading && list.length === 0} emptyMessage="No executions in this time range match" onRetry={executions.reload}>
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
