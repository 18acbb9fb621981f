import React from 'react';
import { PluginPage } from '@grafana/runtime';
import { Alert, Badge, useStyles2 } from '@grafana/ui';
import type { QueryResponse } from '../api/types';
import { framesOf, seriesOf } from '../components/graphs/frames';
import { TimeSeriesGraph } from '../components/graphs/TimeSeriesGraph';
import { LoadState, NoDataSource } from '../components/LoadState';
import { PageControls } from '../components/PageControls/PageControls';
import { getTableStyles } from '../components/tableStyles';
import { testIds } from '../components/testIds';
import { usePageControls } from '../hooks/usePageControls';
import { useAsync } from '../hooks/useSidecar';
import { age } from '../utils/format';

const GRAPH_POINTS = 200;

/** Runs per minute of each location over the picked range, from the query API's instant executions by location. */
export function runsPerMinute(response: QueryResponse | undefined, from: number, to: number): Map<string, number> {
  const minutes = Math.max(1, (to - from) / 60_000);
  const out = new Map<string, number>();
  for (const series of seriesOf(response, 'runs').series) {
    const location = series.labels.location ?? series.name;
    out.set(location, (series.values[0] ?? 0) / minutes);
  }
  return out;
}

/** Probe locations: the live replicas of each (version, started, last seen) and how many runs each executes. */
function Locations() {
  const controls = usePageControls();
  const { client, range, refreshKey } = controls;
  const s = useStyles2(getTableStyles);
  const from = range.from.valueOf();
  const to = range.to.valueOf();
  const list = useAsync(client ? () => client.listLocations() : undefined, [client, refreshKey]);
  const runs = useAsync(
    client
      ? () =>
          client.query({
            from,
            to,
            intervalMs: Math.ceil((to - from) / GRAPH_POINTS),
            maxDataPoints: GRAPH_POINTS,
            targets: [
              { refId: 'runs', metric: 'executions', groupBy: 'location', instant: true },
              { refId: 'series', metric: 'executions', groupBy: 'location', alias: '{{location}}' },
            ],
          })
      : undefined,
    [client, from, to, refreshKey]
  );
  if (!client) {
    return (
      <PluginPage>
        <PageControls controls={controls} />
        <NoDataSource />
      </PluginPage>
    );
  }
  const locations = list.value?.locations ?? [];
  const perMinute = runsPerMinute(runs.value, from, to);
  return (
    <PluginPage>
      <div data-testid={testIds.locations.container}>
        <PageControls controls={controls} />
        <LoadState loading={list.loading && !list.value} error={list.error} onRetry={list.reload}>
          {locations.length === 0 ? (
            <div data-testid={testIds.locations.empty}>
              <Alert severity="info" title="No replica has reported its location yet">
                Every sidecar replica registers itself with a heartbeat; its location is the <code>LOCATION</code> environment variable
                (default <code>default</code>).
              </Alert>
            </div>
          ) : (
            <>
              {locations.length === 1 && (
                <div data-testid={testIds.locations.single}>
                  <Alert severity="info" title={`All replicas run in one location (${locations[0]!.location})`}>
                    Start replicas with another <code>LOCATION</code> and list the locations in a workflow (<code>locations: [eu-west, us-east]</code>)
                    to run each slot once in every listed location.
                  </Alert>
                </div>
              )}
              <table className={s.table}>
                <thead>
                  <tr>
                    <th>Location</th>
                    <th>Replica</th>
                    <th>Version</th>
                    <th>Started</th>
                    <th>Last seen</th>
                    <th>Workflows</th>
                    <th>Runs per minute</th>
                  </tr>
                </thead>
                <tbody>
                  {locations.map((loc) => (
                    <React.Fragment key={loc.location}>
                      <tr data-testid={testIds.locations.row(loc.location)}>
                        <td>
                          <strong>{loc.location}</strong>{' '}
                          {loc.status === 'empty' ? <Badge color="red" text="no live replica" /> : <Badge color="green" text={`${loc.replicas.length} live`} />}
                        </td>
                        <td colSpan={3} />
                        <td>{loc.lastSeenAt ? age(loc.lastSeenAt) : 'never'}</td>
                        <td>{loc.workflows}</td>
                        <td>{(perMinute.get(loc.location) ?? 0).toFixed(2)}</td>
                      </tr>
                      {loc.replicas.map((replica) => (
                        <tr key={replica.id} data-testid={testIds.locations.replica(replica.id)}>
                          <td />
                          <td>
                            {replica.id} {!replica.scheduling && <Badge color="blue" text="API only" />}
                          </td>
                          <td>{replica.version}</td>
                          <td title={replica.startedAt}>{age(replica.startedAt)}</td>
                          <td title={replica.lastSeenAt}>{age(replica.lastSeenAt)}</td>
                          <td colSpan={2} />
                        </tr>
                      ))}
                    </React.Fragment>
                  ))}
                </tbody>
              </table>
              <TimeSeriesGraph title="Executions by location" testId={testIds.locations.runsGraph} frames={framesOf(runs.value, 'series')} range={range} style="bars" stacked />
            </>
          )}
        </LoadState>
      </div>
    </PluginPage>
  );
}

export default Locations;
