import React, { useState } from 'react';
import { Link } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import { Button, Field, Input, Modal, Select, Stack, TextArea, useStyles2 } from '@grafana/ui';
import { ALERT_STATES, SEVERITIES, type Alert } from '../api/types';
import { AlertStateBadge, SeverityBadge } from '../components/Badges';
import { ACTION_DONE, ACTION_LABEL, actionsFor, type AlertAction } from '../components/alerts/alertActions';
import { AlertTimeline } from '../components/alerts/AlertTimeline';
import { PageControls } from '../components/PageControls/PageControls';
import { LoadState, NoDataSource } from '../components/LoadState';
import { getTableStyles } from '../components/tableStyles';
import { testIds } from '../components/testIds';
import { currentUser, notify, useAsync } from '../hooks/useSidecar';
import { usePageControls } from '../hooks/usePageControls';
import { alertRoute } from '../constants';
import { age } from '../utils/format';
import { prefixRoute } from '../utils/utils.routing';

type Action = AlertAction;

/**
 * The acknowledgement page: filter alerts; acknowledge, unacknowledge, resolve or silence with a
 * comment as the signed-in Grafana user; the history of each alert. Viewers see, but cannot act.
 */
function Alerts() {
  const controls = usePageControls();
  const { client, refreshKey } = controls;
  const s = useStyles2(getTableStyles);
  const user = currentUser();
  const [state, setState] = useState<string>('open');
  const [severity, setSeverity] = useState<string>('');
  const [workflowId, setWorkflowId] = useState('');
  const [expanded, setExpanded] = useState<number>();
  const [pending, setPending] = useState<{ alert: Alert; action: Action }>();
  const [comment, setComment] = useState('');
  const [timeout, setTimeoutText] = useState('');
  const [busy, setBusy] = useState(false);
  const list = useAsync(client ? () => client.listAlerts({ state, severity: severity || undefined, workflowId: workflowId || undefined, limit: 200 }) : undefined, [client, state, severity, workflowId, refreshKey]);
  const detail = useAsync(client && expanded !== undefined ? () => client.getAlert(expanded) : undefined, [client, expanded]);

  if (!client) {
    return <PluginPage><NoDataSource /></PluginPage>;
  }

  const submit = async () => {
    if (!pending) {
      return;
    }
    setBusy(true);
    try {
      const { alert, action } = pending;
      if (action === 'silence') {
        await client.createSilence({ matchers: { workflowIds: [alert.workflowId] }, duration: timeout || '1h', createdBy: user.login, comment });
        notify.success(`Silenced ${alert.workflowId} for ${timeout || '1h'}`);
      } else {
        await client.actOnAlert(alert.id, action, { user: user.login, ...(comment ? { comment } : {}), ...(action === 'acknowledge' && timeout ? { timeout } : {}) });
        notify.success(`${ACTION_DONE[action]} alert #${alert.id}`);
      }
      setPending(undefined);
      setComment('');
      setTimeoutText('');
      list.reload();
      detail.reload();
    } catch (error) {
      notify.error((error as Error).message);
      list.reload();
    } finally {
      setBusy(false);
    }
  };

  const alerts = list.value?.alerts ?? [];
  return (
    <PluginPage>
      <div data-testid={testIds.alerts.container}>
        <PageControls controls={controls} time={false} />
        <div className={s.toolbar}>
          <Field label="State">
            <Select
              data-testid={testIds.alerts.stateFilter}
              width={20}
              value={state}
              options={[{ label: 'Open', value: 'open' }, ...ALERT_STATES.map((v) => ({ label: v, value: v })), { label: 'All', value: '' }]}
              onChange={(v) => setState(v.value ?? '')}
            />
          </Field>
          <Field label="Severity">
            <Select width={16} value={severity} options={[{ label: 'Any', value: '' }, ...SEVERITIES.map((v) => ({ label: v, value: v }))]} onChange={(v) => setSeverity(v.value ?? '')} />
          </Field>
          <Field label="Workflow">
            <Input width={24} value={workflowId} placeholder="workflow id" onChange={(e) => setWorkflowId(e.currentTarget.value.trim())} />
          </Field>
          <Button variant="secondary" icon="sync" onClick={list.reload}>Refresh</Button>
        </div>
        <LoadState loading={list.loading} error={list.error} empty={!list.loading && alerts.length === 0} emptyMessage="No alerts match these filters" onRetry={list.reload}>
          <table className={s.table}>
            <thead>
              <tr><th>Severity</th><th>State</th><th>Alert</th><th>Workflow</th><th>Age</th><th>Count</th><th>Acknowledged by</th><th /></tr>
            </thead>
            <tbody>
              {alerts.map((a) => (
                <React.Fragment key={a.id}>
                  <tr data-testid={testIds.alerts.row(a.id)}>
                    <td><SeverityBadge severity={a.severity} /></td>
                    <td><AlertStateBadge state={a.state} />{a.flapping ? ' flapping' : ''}</td>
                    <td>
                      <Button fill="text" size="sm" icon={expanded === a.id ? 'angle-down' : 'angle-right'} onClick={() => setExpanded(expanded === a.id ? undefined : a.id)}>
                        {a.title}
                      </Button>
                      <div className={s.muted}>
                        {a.message} · <Link to={prefixRoute(alertRoute(a.id))} data-testid={testIds.alerts.open(a.id)}>Open alert #{a.id}</Link>
                      </div>
                    </td>
                    <td>{a.workflowId}</td>
                    <td title={a.openedAt}>{age(a.openedAt)}</td>
                    <td>{a.count}</td>
                    <td>{a.acknowledgedBy ?? ''}</td>
                    <td>
                      {user.canEdit && (
                        <Stack gap={1}>
                          {actionsFor(a).map((action) => (
                            <Button key={action} size="sm" variant={action === 'resolve' ? 'destructive' : 'secondary'} data-testid={testIds.alerts.action(action, a.id)} onClick={() => setPending({ alert: a, action })}>
                              {ACTION_LABEL[action]}
                            </Button>
                          ))}
                        </Stack>
                      )}
                    </td>
                  </tr>
                  {expanded === a.id && (
                    <tr>
                      <td colSpan={8}>
                        <LoadState loading={detail.loading} error={detail.error}>
                          {detail.value && detail.value.id === a.id ? <AlertTimeline detail={detail.value} /> : null}
                        </LoadState>
                      </td>
                    </tr>
                  )}
                </React.Fragment>
              ))}
            </tbody>
          </table>
        </LoadState>
        {pending && (
          <Modal title={`${ACTION_LABEL[pending.action]} "${pending.alert.title}"`} isOpen onDismiss={() => setPending(undefined)}>
            <Field label="Comment" description={`Recorded with your name (${user.login}) in the alert's history`}>
              <TextArea data-testid={testIds.alerts.comment} value={comment} onChange={(e) => setComment(e.currentTarget.value)} rows={3} />
            </Field>
            {(pending.action === 'acknowledge' || pending.action === 'silence') && (
              <Field label={pending.action === 'silence' ? 'For how long' : 'Acknowledge for (optional)'} description={pending.action === 'silence' ? 'e.g. 30m, 2h, 1d' : 'After this the alert is active again and escalation resumes, e.g. 30m'}>
                <Input value={timeout} placeholder={pending.action === 'silence' ? '1h' : 'until resolved'} onChange={(e) => setTimeoutText(e.currentTarget.value.trim())} />
              </Field>
            )}
            <Modal.ButtonRow>
              <Button variant="secondary" onClick={() => setPending(undefined)}>Cancel</Button>
              <Button data-testid={testIds.alerts.confirm} disabled={busy} onClick={submit}>{ACTION_LABEL[pending.action]}</Button>
            </Modal.ButtonRow>
          </Modal>
        )}
      </div>
    </PluginPage>
  );
}

export default Alerts;
