import React, { useState } from 'react';
import { PluginPage } from '@grafana/runtime';
import { RadioButtonGroup, useStyles2 } from '@grafana/ui';
import { AlertStateBadge, SeverityBadge } from '../components/Badges';
import { LoadState, NoDataSource } from '../components/LoadState';
import { ReleaseFooter } from '../components/ReleaseFooter';
import { getTableStyles } from '../components/tableStyles';
import { testIds } from '../components/testIds';
import { useAsync, useSidecar } from '../hooks/useSidecar';
import { DirectionText } from '../panels/trend/TrendView';
import { age, ms, pct } from '../utils/format';

type Period = '1h' | '24h' | '7d' | '30d';

/** Health, summary figures, trends, the hourly pattern and the newest alerts. */
function Overview() {
  const client = useSidecar();
  const s = useStyles2(getTableStyles);
  const [period, setPeriod] = useState<Period>('24h');
  const metrics = useAsync(client ? () => client.metrics(period, false) : undefined, [client, period]);
  if (!client) {
    return <PluginPage><NoDataSource /></PluginPage>;
  }
  const m = metrics.value;
  const peak = Math.max(1, ...(m?.trends.hourlyPattern ?? [0]));
  return (
    <PluginPage>
      <div data-testid={testIds.overview.container}>
        <div className={s.toolbar}>
          <RadioButtonGroup<Period> options={(['1h', '24h', '7d', '30d'] as Period[]).map((p) => ({ label: p, value: p }))} value={period} onChange={setPeriod} />
        </div>
        <LoadState loading={metrics.loading} error={metrics.error} onRetry={metrics.reload}>
          {m && (
            <>
              <div className={s.cards} data-testid={testIds.overview.summary}>
                <div className={s.card}><div className={s.muted}>System</div><div className={s.big}>{m.system.health}</div></div>
                <div className={s.card}><div className={s.muted}>Executions</div><div className={s.big}>{m.summary.totalExecutions}</div><DirectionText direction={m.trends.executionTrend} /></div>
                <div className={s.card}><div className={s.muted}>Success rate</div><div className={s.big}>{pct(m.summary.successRate)}</div><DirectionText direction={m.trends.successRateTrend} /></div>
                <div className={s.card}><div className={s.muted}>Average duration</div><div className={s.big}>{ms(m.summary.averageDuration)}</div><DirectionText direction={m.trends.performanceTrend} /></div>
                <div className={s.card}><div className={s.muted}>Active workflows</div><div className={s.big}>{m.summary.activeWorkflows}</div></div>
                <div className={s.card}><div className={s.muted}>Active alerts</div><div className={s.big}>{m.system.activeAlerts}</div><div className={s.muted}>{m.system.criticalAlerts} critical</div></div>
              </div>
              <h3>Executions by hour of day (UTC)</h3>
              <table className={s.table}>
                <tbody>
                  <tr>
                    {m.trends.hourlyPattern.map((n, hour) => (
                      <td key={hour} title={`${hour}:00 UTC: ${n} executions`} style={{ opacity: 0.25 + (0.75 * n) / peak }}>{n}</td>
                    ))}
                  </tr>
                </tbody>
              </table>
              <h3>Recent alerts</h3>
              <LoadState loading={false} empty={m.alerts.recent.length === 0} emptyMessage="No alerts in this period">
                <table className={s.table} data-testid={testIds.overview.activeAlerts}>
                  <tbody>
                    {m.alerts.recent.map((a) => (
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
            </>
          )}
        </LoadState>
        <ReleaseFooter client={client} />
      </div>
    </PluginPage>
  );
}

export default Overview;
