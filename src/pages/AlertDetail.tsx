import React, { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Button, EmptyState, Field, Input, Modal, Stack, TextArea, useStyles2 } from '@grafana/ui';
import type { AlertDetail as AlertDetailData } from '../api/types';
import { AlertStateBadge, SeverityBadge } from '../components/Badges';
import { ACTION_DONE, ACTION_LABEL, actionsFor, type AlertAction } from '../components/alerts/alertActions';
import { AlertTimeline } from '../components/alerts/AlertTimeline';
import { LoadState, NoDataSource } from '../components/LoadState';
import { testIds } from '../components/testIds';
import { ROUTES } from '../constants';
import { currentUser, notify, useAsync, useSidecar } from '../hooks/useSidecar';
import { age } from '../utils/format';
import { prefixRoute } from '../utils/utils.routing';

/** Alert ids are positive integers (bigserial); anything else cannot name one. */
const ALERT_ID = /^[1-9][0-9]{0,14}$/;

/** Silencing needs the list's duration form; here an alert is acknowledged, unacknowledged or resolved. */
type DetailAction = Exclude<AlertAction, 'silence'>;

function Facts({ alert }: { alert: AlertDetailData }) {
  const s = useStyles2(getStyles);
  const rows: Array<[string, React.ReactNode]> = [
    ['Severity', <SeverityBadge key="severity" severity={alert.severity} />],
    ['State', <span key="state"><AlertStateBadge state={alert.state} />{alert.flapping ? ' flapping' : ''}</span>],
    ['Workflow', <Link key="workflow" data-testid={testIds.alertDetail.workflow} to={prefixRoute(`${ROUTES.Workflows}/${encodeURIComponent(alert.workflowId)}`)}>{alert.workflowId}</Link>],
    ['Rule', alert.ruleId],
    ['Opened', <span key="opened" title={alert.openedAt}>{new Date(alert.openedAt).toLocaleString()} ({age(alert.openedAt)} ago)</span>],
    ['Last seen', <span key="seen" title={alert.lastSeenAt}>{new Date(alert.lastSeenAt).toLocaleString()}</span>],
    ['Count', alert.count],
    ...(alert.value !== null ? [['Value', alert.value] as [string, React.ReactNode]] : []),
    ...(alert.acknowledgedBy ? [['Acknowledged by', `${alert.acknowledgedBy}${alert.acknowledgementExpiresAt ? ` until ${new Date(alert.acknowledgementExpiresAt).toLocaleString()}` : ''}`] as [string, React.ReactNode]] : []),
    ...(alert.resolvedAt ? [['Resolved', `${new Date(alert.resolvedAt).toLocaleString()}${alert.resolvedBy ? ` by ${alert.resolvedBy}` : ''}`] as [string, React.ReactNode]] : []),
    ['Escalation tier', alert.tier],
    ...(Object.keys(alert.labels).length > 0 ? [['Labels', Object.entries(alert.labels).map(([k, v]) => `${k}=${v}`).join(', ')] as [string, React.ReactNode]] : []),
  ];
  return (
    <dl className={s.facts}>
      {rows.map(([label, value]) => (
        <React.Fragment key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </React.Fragment>
      ))}
    </dl>
  );
}

function NotFound({ id }: { id: string }) {
  return (
    <div data-testid={testIds.alertDetail.notFound}>
      <EmptyState variant="not-found" message={`Alert "${id}" not found`}>
        It may have been resolved and removed after the retention period, or the link is wrong.{' '}
        <Link to={prefixRoute(ROUTES.Alerts)}>All alerts</Link>
      </EmptyState>
    </div>
  );
}

/**
 * One alert (`alerts/:id`), the page every notification links to: what fired, its history and the
 * notifications sent; Editors acknowledge, unacknowledge or resolve it with a comment, Viewers read.
 */
function AlertDetail() {
  const { id = '' } = useParams<{ id: string }>();
  const client = useSidecar();
  const s = useStyles2(getStyles);
  const user = currentUser();
  const validId = ALERT_ID.test(id);
  const detail = useAsync(client && validId ? () => client.getAlert(Number(id)) : undefined, [client, id, validId]);
  const [pending, setPending] = useState<DetailAction>();
  const [comment, setComment] = useState('');
  const [timeout, setTimeoutText] = useState('');
  const [busy, setBusy] = useState(false);

  if (!client) {
    return <PluginPage><NoDataSource /></PluginPage>;
  }
  const alert = detail.value;
  // The sidecar answers 404 for an id it does not hold, 400 for one beyond its id range.
  const notFound = !validId || detail.error?.status === 404 || detail.error?.status === 400;

  const submit = async () => {
    if (!pending || !alert) {
      return;
    }
    setBusy(true);
    try {
      await client.actOnAlert(alert.id, pending, { user: user.login, ...(comment ? { comment } : {}), ...(pending === 'acknowledge' && timeout ? { timeout } : {}) });
      notify.success(`${ACTION_DONE[pending]} alert #${alert.id}`);
      setPending(undefined);
      setComment('');
      setTimeoutText('');
    } catch (error) {
      notify.error((error as Error).message);
    } finally {
      setBusy(false);
      detail.reload();
    }
  };

  const actions = alert ? actionsFor(alert).filter((a): a is DetailAction => a !== 'silence') : [];
  return (
    <PluginPage pageNav={{ text: alert ? `Alert #${alert.id}` : `Alert ${id}` }}>
      <div data-testid={testIds.alertDetail.container}>
        {notFound ? (
          <NotFound id={id} />
        ) : (
          <LoadState loading={detail.loading} error={detail.error} onRetry={detail.reload}>
            {alert && (
              <>
                <Stack justifyContent="space-between" alignItems="flex-start">
                  <div>
                    <h2 className={s.title} data-testid={testIds.alertDetail.title}>{alert.title}</h2>
                    <p className={s.message}>{alert.message}</p>
                  </div>
                  {user.canEdit && actions.length > 0 && (
                    <Stack gap={1}>
                      {actions.map((action) => (
                        <Button key={action} variant={action === 'resolve' ? 'destructive' : 'secondary'} data-testid={testIds.alertDetail.action(action)} onClick={() => setPending(action)}>
                          {ACTION_LABEL[action]}
                        </Button>
                      ))}
                    </Stack>
                  )}
                </Stack>
                <Facts alert={alert} />
                <h3>History</h3>
                <AlertTimeline detail={alert} />
              </>
            )}
          </LoadState>
        )}
        {pending && alert && (
          <Modal title={`${ACTION_LABEL[pending]} "${alert.title}"`} isOpen onDismiss={() => setPending(undefined)}>
            <Field label="Comment" description={`Recorded with your name (${user.login}) in the alert's history`}>
              <TextArea data-testid={testIds.alertDetail.comment} value={comment} onChange={(e) => setComment(e.currentTarget.value)} rows={3} />
            </Field>
            {pending === 'acknowledge' && (
              <Field label="Acknowledge for (optional)" description="After this the alert is active again and escalation resumes, e.g. 30m">
                <Input value={timeout} placeholder="until resolved" onChange={(e) => setTimeoutText(e.currentTarget.value.trim())} />
              </Field>
            )}
            <Modal.ButtonRow>
              <Button variant="secondary" onClick={() => setPending(undefined)}>Cancel</Button>
              <Button data-testid={testIds.alertDetail.confirm} disabled={busy} onClick={submit}>{ACTION_LABEL[pending]}</Button>
            </Modal.ButtonRow>
          </Modal>
        )}
      </div>
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  title: css({ margin: 0 }),
  message: css({ color: theme.colors.text.secondary, whiteSpace: 'pre-wrap' }),
  facts: css({
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(0.5),
    margin: theme.spacing(2, 0),
    dt: { color: theme.colors.text.secondary },
    dd: { margin: 0 },
  }),
});

export default AlertDetail;
