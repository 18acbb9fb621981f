import React, { useState } from 'react';
import type { PanelProps } from '@grafana/data';
import { Button, useStyles2 } from '@grafana/ui';
import { AlertStateBadge, SeverityBadge } from '../../components/Badges';
import { LoadState, NoDataSource } from '../../components/LoadState';
import { getTableStyles } from '../../components/tableStyles';
import { testIds } from '../../components/testIds';
import { currentUser, notify, useAsync, useSidecar } from '../../hooks/useSidecar';
import { age } from '../../utils/format';

export interface AlertListOptions {
  state: string;
  severity: string;
  workflowId: string;
  limit: number;
  datasourceUid?: string;
}

/** Open alerts with state, severity, workflow and age; Editors acknowledge in place. */
export function AlertListPanel({ options, renderCounter, replaceVariables }: PanelProps<AlertListOptions>) {
  // Dashboards pass `${datasource}` and `$workflow`: panel options are not interpolated by Grafana itself.
  const client = useSidecar(replaceVariables(options.datasourceUid ?? '') || undefined);
  const workflowId = replaceVariables(options.workflowId ?? '');
  const s = useStyles2(getTableStyles);
  const user = currentUser();
  const [busy, setBusy] = useState<number>();
  const alerts = useAsync(
    client ? () => client.listAlerts({ state: options.state || undefined, severity: options.severity || undefined, workflowId: workflowId || undefined, limit: options.limit || 20 }) : undefined,
    [client, options.state, options.severity, workflowId, options.limit, renderCounter]
  );
  if (!client) {
    return <NoDataSource />;
  }
  const acknowledge = async (id: number) => {
    setBusy(id);
    try {
      await client.actOnAlert(id, 'acknowledge', { user: user.login, comment: 'acknowledged from a dashboard' });
      notify.success(`Acknowledged alert #${id}`);
    } catch (error) {
      notify.error((error as Error).message);
    } finally {
      setBusy(undefined);
      alerts.reload();
    }
  };
  const list = alerts.value?.alerts ?? [];
  return (
    <LoadState loading={alerts.loading && !alerts.value} error={alerts.error} empty={!alerts.loading && list.length === 0} emptyMessage="No alerts" onRetry={alerts.reload}>
      <table className={s.table}>
        <tbody>
          {list.map((a) => (
            <tr key={a.id} data-testid={testIds.alertListPanel.row(a.id)}>
              <td><SeverityBadge severity={a.severity} /></td>
              <td><AlertStateBadge state={a.state} /></td>
              <td>{a.title}</td>
              <td className={s.muted}>{a.workflowId}</td>
              <td className={s.muted} title={a.openedAt}>{age(a.openedAt)}</td>
              <td>
                {user.canEdit && a.state === 'active' && (
                  <Button size="sm" variant="secondary" disabled={busy === a.id} data-testid={testIds.alertListPanel.acknowledge(a.id)} onClick={() => acknowledge(a.id)}>
                    Acknowledge
                  </Button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </LoadState>
  );
}
