import React from 'react';
import { useStyles2 } from '@grafana/ui';
import type { AlertDetail } from '../../api/types';
import { getTableStyles } from '../tableStyles';
import { testIds } from '../testIds';

/** An alert's history: its events, then the notifications sent for it. */
export function AlertTimeline({ detail }: { detail: AlertDetail }) {
  const s = useStyles2(getTableStyles);
  return (
    <table className={s.table} data-testid={testIds.alerts.timeline}>
      <thead>
        <tr><th>When</th><th>What</th><th>Who</th><th>Comment</th></tr>
      </thead>
      <tbody>
        {detail.events.map((e) => (
          <tr key={e.id}>
            <td title={e.at}>{new Date(e.at).toLocaleString()}</td>
            <td>{e.type}{e.fromState && e.toState ? ` (${e.fromState} → ${e.toState})` : ''}</td>
            <td>{e.user}</td>
            <td>{e.comment ?? ''}</td>
          </tr>
        ))}
        {detail.notifications.map((n) => (
          <tr key={`n${n.id}`} className={s.muted}>
            <td title={n.createdAt}>{new Date(n.createdAt).toLocaleString()}</td>
            <td>notification {n.kind} → {n.channelId}</td>
            <td>{n.state}{n.attempts > 1 ? ` after ${n.attempts} attempts` : ''}</td>
            <td>{n.lastError ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
