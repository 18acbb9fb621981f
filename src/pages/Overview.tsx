import React from 'react';
import type { TimeRange } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { useStyles2 } from '@grafana/ui';
import type { QueryTarget } from '../api/types';
import { AlertStateBadge, SeverityBadge } from '../components/Badges';
import { BarList } from '../components/graphs/BarList';
import { framesOf, instantValue, seriesFrame, seriesOf } from '../components/graphs/frames';
import { getGraphStyles } from '../components/graphs/graphStyles';
import { TimeSeriesGraph } from '../components/graphs/TimeSeriesGraph';
import { LoadState, NoDataSource } from '../components/LoadState';
import { ReleaseFooter } from '../components/ReleaseFooter';
import { PageControls } from '../components/PageControls/PageControls';
import { getTableStyles } from '../components/tableStyles';
import { testIds } from '../components/testIds';
import { usePageControls } from '../hooks/usePageControls';
import { useAsync } from '../hooks/useSidecar';
import { age, ms, pct } from '../utils/format';

/** Points per graph: enough for a wide screen, few enough to stay cheap. */
export const GRAPH_POINTS = 200;
const HOUR_MS = 3_600_000;

/** The summary endpoint's period that covers `range` (system health, active workflows, recent alerts). */
export function periodFor(range: TimeRange): '1h' | '24h' | '7d' | '30d' {
  const span = range.to.valueOf() - range.from.valueOf();
  return span <= HOUR_MS ? '1h' : span <= 24 * HOUR_MS ? '24h' : span <= 7 * 24 * HOUR_MS ? '7d' : '30d';
}

const FIGURES: QueryTarget[] = [
  { refId: 'executions', metric: 'executions', instant: true },
  { refId: 'successRate', metric: 'success_rate', instant: true },
  { refId: 'durationAvg', metric: 'duration_avg', instant: true },
  { refId: 'durationP95', metric: 'duration_p95', instant: true },
  { refId: 'failures', metric: 'failures', instant: true },
];
const SERIES: QueryTarget[] = [
  { refId: 'successRateSeries', metric: 'success_rate', alias: 'success rate' },
  { refId: 'p95Series', metric: 'duration_p95', alias: 'p95' },
  { refId: 'successes', metric: 'successes' },
  { refId: 'degraded', metric: 'degraded' },
  { refId: 'failed', metric: 'failures' },
  { refId: 'attemptsByType', metric: 'attempts', groupBy: 'error_type' },
];

/** Figures and graphs for the picked range across all workflows, health and the newest alerts. */
function Overview() {
  const controls = usePageControls();
  const { client, range, refreshKey } = controls;
  const s = useStyles2(getTableStyles);
  const g = useStyles2(getGraphStyles);
  const from = range.from.valueOf();
  const to = range.to.valueOf();
  const period = periodFor(range);
  const metrics = useAsync(client ? () => client.metrics(period, false) : undefined, [client, period, refreshKey]);
  const data = useAsync(
    client
      ? async () => {
          const [main, hourly] = await Promise.all([
            client.query({ from, to, intervalMs: Math.ceil((to - from) / GRAPH_POINTS), maxDataPoints: GRAPH_POINTS, targets: [...FIGURES, ...SERIES] }),
            // Hour steps from the hour rollups, folded into hours of the day (UTC) below.
            client.query({ from, to, intervalMs: HOUR_MS, maxDataPoints: 11_000, targets: [{ refId: 'hourly', metric: 'executions' }] }),
          ]);
          return { main, hourly };
        }
      : undefined,
    [client, from, to, refreshKey]
  );
  if (!client) {
    return <PluginPage><PageControls controls={controls} /><NoDataSource /></PluginPage>;
  }
  const m = metrics.value;
  const main = data.value?.main;
  const statuses = (() => {
    const successes = seriesOf(main, 'successes');
    const degraded = seriesOf(main, 'degraded').series[0]?.values ?? [];
    const failed = seriesOf(main, 'failed').series[0]?.values ?? [];
    const ok = (successes.series[0]?.values ?? []).map((v, i) => (v === null ? null : v - (degraded[i] ?? 0)));
    return [seriesFrame('status', successes.times, [
      { name: 'success', values: ok, color: 'green' },
      { name: 'degraded', values: degraded, color: 'orange' },
      { name: 'failed', values: failed, color: 'red' },
    ])];
  })();
  const hourly = (() => {
    const { times, series } = seriesOf(data.value?.hourly, 'hourly');
    const counts = Array.from({ length: 24 }, () => 0);
    (series[0]?.values ?? []).forEach((v, i) => {
      counts[new Date(times[i]!).getUTCHours()]! += v ?? 0;
    });
    return counts.map((n, hour) => ({ label: String(hour).padStart(2, '0'), value: n }));
  })();
  const figure = (name: string, label: string, text: string, sub?: React.ReactNode) => (
    <div className={s.card} data-testid={testIds.overview.figure(name)}>
      <div className={s.muted}>{label}</div>
      <div className={s.big}>{text}</div>
      {sub}
    </div>
  );
  return (
    <PluginPage>
      <div data-testid={testIds.overview.container}>
        <PageControls controls={controls} />
        <LoadState loading={data.loading && !main} error={data.error} onRetry={data.reload}>
          {main && (
            <>
              <div className={s.cards} data-testid={testIds.overview.summary}>
                {figure('health', 'System', m?.system.health ?? '–')}
                {figure('executions', 'Executions', String(instantValue(main, 'executions') ?? 0), <div className={s.muted}>{instantValue(main, 'failures') ?? 0} failed</div>)}
                {figure('successRate', 'Success rate', pct(instantValue(main, 'successRate')))}
                {figure('durationAvg', 'Average duration', ms(instantValue(main, 'durationAvg')))}
                {figure('durationP95', 'p95 duration', ms(instantValue(main, 'durationP95')))}
                {figure('activeWorkflows', 'Active workflows', String(m?.summary.activeWorkflows ?? '–'))}
                {figure('activeAlerts', 'Active alerts', String(m?.system.activeAlerts ?? '–'), <div className={s.muted}>{m?.system.criticalAlerts ?? 0} critical</div>)}
              </div>
              <div className={g.grid}>
                <TimeSeriesGraph title="Success rate, all workflows" testId={testIds.overview.graph('successRate')} frames={framesOf(main, 'successRateSeries')} range={range} unit="percent" min={0} max={100} />
                <TimeSeriesGraph title="p95 duration, all workflows" testId={testIds.overview.graph('durationP95')} frames={framesOf(main, 'p95Series')} range={range} unit="ms" min={0} />
                <TimeSeriesGraph title="Executions by status" testId={testIds.overview.graph('status')} frames={statuses} range={range} style="bars" stacked />
                <TimeSeriesGraph title="Failed attempts by error type" testId={testIds.overview.graph('attemptsByErrorType')} frames={framesOf(main, 'attemptsByType')} range={range} style="bars" stacked />
              </div>
              <BarList title="Executions by hour of day (UTC)" testId={testIds.overview.graph('hourly')} bars={hourly} orientation="vertical" height={160} />
            </>
          )}
        </LoadState>
        <h3>Recent alerts</h3>
        <LoadState loading={metrics.loading && !m} error={metrics.error} empty={Boolean(m) && m!.alerts.recent.length === 0} emptyMessage={`No alerts in the last ${period}`}>
          <table className={s.table} data-testid={testIds.overview.activeAlerts}>
            <tbody>
              {m?.alerts.recent.map((a) => (
                <tr key={a.id}>
                  <td><SeverityBadge severity={a.severity} /></td>
                  <td><AlertStateBadge state={a.state} /></td>
                  <td>{a.title}</td>
                  <td title={a.openedAt}>{age(a.openedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </LoadState>
        <ReleaseFooter client={client} />
      </div>
    </PluginPage>
  );
}

export default Overview;
