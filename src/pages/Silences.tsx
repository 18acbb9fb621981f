import React, { useState } from 'react';
import { PluginPage } from '@grafana/runtime';
import { Badge, Button, ConfirmModal, Tab, TabContent, TabsBar, Tooltip, useStyles2 } from '@grafana/ui';
import type { Silence } from '../api/types';
import { PageControls } from '../components/PageControls/PageControls';
import { LoadState, NoDataSource } from '../components/LoadState';
import { SilenceEditor } from '../components/silences/SilenceEditor';
import { silenceTabs, type SilenceTab } from '../components/silences/silenceMatching';
import { getTableStyles } from '../components/tableStyles';
import { testIds } from '../components/testIds';
import { currentUser, notify, useAsync } from '../hooks/useSidecar';
import { usePageControls } from '../hooks/usePageControls';

const TABS: Array<{ tab: SilenceTab; label: string; empty: string }> = [
  { tab: 'active', label: 'Active', empty: 'No silence is suppressing alerts now' },
  { tab: 'pending', label: 'Pending', empty: 'No silence starts later' },
  { tab: 'recurring', label: 'Maintenance windows', empty: 'No recurring maintenance window' },
  { tab: 'expired', label: 'Expired', empty: 'No silence has ended yet (ended early ones are removed)' },
];

/** "2h", "90m", "45s" from milliseconds, the way the sidecar writes durations. */
function durationText(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) {
      return `${ms / size}${unit}`;
    }
  }
  return `${ms}ms`;
}

function matchersText(s: Silence): string {
  const m = s.matchers;
  return [
    ...(m.workflowIds?.length ? [`workflow ${m.workflowIds.join(', ')}`] : []),
    ...Object.entries(m.labels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(m.severities?.length ? [`severity ${m.severities.join(', ')}`] : []),
  ].join(' · ');
}

function When({ iso }: { iso: string }) {
  return <span title={iso}>{new Date(iso).toLocaleString()}</span>;
}

function StatusBadge({ silence, now }: { silence: Silence; now: number }) {
  if (Date.parse(silence.endsAt) <= now) {
    return <Badge color="blue" text="expired" />;
  }
  if (silence.activeNow) {
    return <Badge color="purple" icon="bell-slash" text={silence.recurrence ? 'in a window' : 'active'} />;
  }
  return <Badge color="orange" text={silence.recurrence ? 'between windows' : 'starts later'} />;
}

/**
 * Silences and maintenance windows: what suppresses alerts now, later or on a schedule, and what
 * has ended; Editors create them (with a preview of the alerts covered) and end them early.
 */
function Silences() {
  const controls = usePageControls();
  const { client, refreshKey } = controls;
  const s = useStyles2(getTableStyles);
  const user = currentUser();
  const [tab, setTab] = useState<SilenceTab>('active');
  const [creating, setCreating] = useState(false);
  const [expiring, setExpiring] = useState<Silence>();
  // Each list is sorted into tabs by the time it was read, so a reload is what moves silences along.
  const live = useAsync(client ? () => client.listSilences().then((r) => ({ ...r, readAt: Date.now() })) : undefined, [
    client,
    refreshKey,
  ]);
  // Ended silences only come with ?expired=true (with the live ones); read them when that tab is open.
  const all = useAsync(
    client && tab === 'expired'
      ? () => client.listSilences(true).then((r) => ({ ...r, readAt: Date.now() }))
      : undefined,
    [client, tab, refreshKey]
  );
  const workflows = useAsync(client && creating ? () => client.listWorkflows() : undefined, [client, creating]);
  if (!client) {
    return (
      <PluginPage>
        <NoDataSource />
      </PluginPage>
    );
  }

  const source = tab === 'expired' ? all : live;
  const now = source.value?.readAt ?? 0;
  const listed = (source.value?.silences ?? []).filter((x) => silenceTabs(x, now).includes(tab));
  const count = (t: SilenceTab) =>
    (live.value?.silences ?? []).filter((x) => silenceTabs(x, live.value!.readAt).includes(t)).length;
  const reload = () => {
    live.reload();
    all.reload();
  };

  const expire = async (silence: Silence) => {
    try {
      await client.deleteSilence(silence.id);
      notify.success(`Silence #${silence.id} ended; the alerts it suppressed are active again`);
    } catch (error) {
      notify.error((error as Error).message);
    }
    setExpiring(undefined);
    reload();
  };

  return (
    <PluginPage>
      <div data-testid={testIds.silences.container}>
        <PageControls controls={controls} time={false} />
        <PageControls controls={controls} time={false} />
        <div className={s.toolbar}>
          {user.canEdit && (
            <Button icon="plus" data-testid={testIds.silences.create} onClick={() => setCreating(true)}>
              New silence
            </Button>
          )}
          <Button variant="secondary" icon="sync" onClick={reload}>
            Refresh
          </Button>
        </div>
        <TabsBar>
          {TABS.map((t) => (
            <Tab
              key={t.tab}
              label={t.label}
              data-testid={testIds.silences.tab(t.tab)}
              active={tab === t.tab}
              counter={t.tab === 'expired' ? undefined : count(t.tab)}
              onChangeTab={() => setTab(t.tab)}
            />
          ))}
        </TabsBar>
        <TabContent>
          <LoadState
            loading={source.loading}
            error={source.error}
            empty={!source.loading && listed.length === 0}
            emptyMessage={TABS.find((t) => t.tab === tab)!.empty}
            onRetry={source.reload}
          >
            <table className={s.table}>
              <thead>
                <tr>
                  <th>Status</th>
                  <th>Matches</th>
                  <th>Starts</th>
                  <th>Ends</th>
                  <th>Schedule</th>
                  <th>Created by</th>
                  <th>Comment</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {listed.map((x) => (
                  <tr key={x.id} data-testid={testIds.silences.row(x.id)}>
                    <td>
                      <StatusBadge silence={x} now={now} />
                    </td>
                    <td>{matchersText(x)}</td>
                    <td>
                      <When iso={x.startsAt} />
                    </td>
                    <td>
                      <When iso={x.endsAt} />
                    </td>
                    <td className={s.muted}>
                      {x.recurrence
                        ? `${x.recurrence.cron}${x.recurrence.timezone ? ` (${x.recurrence.timezone})` : ''}, ${durationText(x.recurrence.window)} each`
                        : ''}
                    </td>
                    <td>{x.createdBy}</td>
                    <td className={s.muted}>{x.comment}</td>
                    <td>
                      {tab !== 'expired' &&
                        (user.canEdit ? (
                          <Button
                            size="sm"
                            variant="destructive"
                            data-testid={testIds.silences.expire(x.id)}
                            onClick={() => setExpiring(x)}
                          >
                            Expire
                          </Button>
                        ) : (
                          <Tooltip content="Editors can end silences">
                            <span className={s.muted}>—</span>
                          </Tooltip>
                        ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </LoadState>
        </TabContent>
        {creating && (
          <SilenceEditor
            client={client}
            user={user.login}
            workflows={workflows.value?.workflows ?? []}
            onClose={() => setCreating(false)}
            onSaved={(silence) => {
              notify.success(`Silence #${silence.id} created`);
              setCreating(false);
              reload();
            }}
          />
        )}
        <ConfirmModal
          isOpen={Boolean(expiring)}
          title={`Expire silence #${expiring?.id ?? ''}`}
          body={
            expiring
              ? `It stops suppressing now (${matchersText(expiring)}): matching alerts become active again and escalation starts.`
              : ''
          }
          description={`Recorded as ended by ${user.login} when Grafana forwards the signed-in user to the sidecar.`}
          confirmText="Expire"
          onConfirm={() => (expiring ? expire(expiring) : undefined)}
          onDismiss={() => setExpiring(undefined)}
        />
      </div>
    </PluginPage>
  );
}

export default Silences;
