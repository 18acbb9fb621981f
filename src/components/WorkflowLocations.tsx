import React from 'react';
import { useStyles2 } from '@grafana/ui';
import type { PageControls } from '../hooks/usePageControls';
import { useAsync } from '../hooks/useSidecar';
import { age } from '../utils/format';
import { StatusBadge } from './Badges';
import { framesOf } from './graphs/frames';
import { getGraphStyles } from './graphs/graphStyles';
import { TimeSeriesGraph } from './graphs/TimeSeriesGraph';
import { getTableStyles } from './tableStyles';
import { testIds } from './testIds';

const GRAPH_POINTS = 200;

/**
 * A workflow that lists locations: its newest execution in each location and its success rate and p95
 * duration split by location, for the page's time range and data source. It takes the page's controls rather
 * than calling usePageControls() itself: a second instance would keep its own `now` and refresh key, so the page's
 * Refresh (and auto-refresh) would pass this section by.
 */
export function WorkflowLocations({ workflowId, locations, controls }: { workflowId: string; locations: string[]; controls: Pick<PageControls, 'client' | 'range' | 'refreshKey'> }) {
  const { client, range, refreshKey } = controls;
  const s = useStyles2(getTableStyles);
  const g = useStyles2(getGraphStyles);
  const from = range.from.valueOf();
  const to = range.to.valueOf();
  const latest = useAsync(
    client ? () => Promise.all(locations.map((location) => client.listExecutions(workflowId, { location, limit: 1 }).then((page) => page.executions[0]))) : undefined,
    [client, workflowId, locations.join('\n'), refreshKey]
  );
  const series = useAsync(
    client
      ? () =>
          client.query({
            from,
            to,
            intervalMs: Math.ceil((to - from) / GRAPH_POINTS),
            maxDataPoints: GRAPH_POINTS,
            targets: [
              { refId: 'successRate', metric: 'success_rate', workflowIds: [workflowId], groupBy: 'location', alias: '{{location}}' },
              { refId: 'p95', metric: 'duration_p95', workflowIds: [workflowId], groupBy: 'location', alias: '{{location}}' },
            ],
          })
      : undefined,
    [client, workflowId, from, to, refreshKey]
  );
  return (
    <div data-testid={testIds.workflowLocations.container}>
      <div className={s.cards}>
        {locations.map((location, i) => {
          const execution = latest.value?.[i];
          return (
            <div key={location} className={s.card} data-testid={testIds.workflowLocations.latest(location)}>
              <div className={s.muted}>{location}</div>
              {execution ? (
                <>
                  <StatusBadge status={execution.status} />
                  <div className={s.muted} title={execution.startedAt}>{age(execution.startedAt)} ago</div>
                </>
              ) : (
                <div className={s.muted}>{latest.loading ? 'Loading…' : latest.error ? `unknown: ${latest.error.message}` : 'not run here yet'}</div>
              )}
            </div>
          );
        })}
      </div>
      <div className={g.grid}>
        <TimeSeriesGraph title="Success rate by location" testId={testIds.workflowLocations.graph('successRate')} frames={framesOf(series.value, 'successRate')} range={range} unit="percent" min={0} max={100} />
        <TimeSeriesGraph title="p95 duration by location" testId={testIds.workflowLocations.graph('durationP95')} frames={framesOf(series.value, 'p95')} range={range} unit="ms" min={0} />
      </div>
    </div>
  );
}
