import React, { useState } from 'react';
import { PluginPage } from '@grafana/runtime';
import { Alert, Badge, Button, ConfirmModal, Modal, Stack, Switch, useStyles2 } from '@grafana/ui';
import { SidecarError } from '../api/client';
import type { Channel, ChannelInput, ChannelTestResult } from '../api/types';
import { ChannelEditor } from '../components/Channels/ChannelEditor';
import {
  channelErrorsByField,
  channelSummary,
  channelToForm,
  CHANNEL_TYPE_LABEL,
  emptyChannelForm,
  formToInput,
  type ChannelFormState,
} from '../components/Channels/channelForm';
import { PageControls } from '../components/PageControls/PageControls';
import { LoadState, NoDataSource } from '../components/LoadState';
import { getTableStyles } from '../components/tableStyles';
import { testIds } from '../components/testIds';
import { currentUser, notify, useAsync } from '../hooks/useSidecar';
import { usePageControls } from '../hooks/usePageControls';
import { ms } from '../utils/format';

type TestOutcome =
  { sending: true } | { sending: false; result: ChannelTestResult } | { sending: false; failure: string };

/** The public settings of a stored channel as a PUT body: secrets left out, so the sidecar keeps them. */
function storedAsInput(channel: Channel, patch: Partial<ChannelInput>): ChannelInput {
  return {
    id: channel.id,
    name: channel.name,
    type: channel.type,
    enabled: channel.enabled,
    config: { ...channel.config },
    ...patch,
  };
}

function TestResult({ outcome }: { outcome: TestOutcome }) {
  if (outcome.sending) {
    return <Alert severity="info" title="Sending a test notification…" />;
  }
  if ('failure' in outcome) {
    return (
      <Alert severity="error" title="The test could not be sent">
        {outcome.failure}
      </Alert>
    );
  }
  const r = outcome.result;
  const facts = [r.httpStatus !== undefined ? `HTTP ${r.httpStatus}` : undefined, `in ${ms(r.durationMs)}`]
    .filter(Boolean)
    .join(' · ');
  return r.delivered ? (
    <Alert severity="success" title="Delivered: the receiver accepted the test notification">
      {facts}
    </Alert>
  ) : (
    <Alert severity="error" title={`Not delivered${r.errorType ? ` (${r.errorType})` : ''}`}>
      <div>{r.error}</div>
      <div>{facts}</div>
    </Alert>
  );
}

/**
 * Notification channels: list, create and edit each type with its own settings; secrets are
 * write-only ("configured" / Reset). Send test shows what the receiver answered. Channels defined
 * in files are read-only; Viewers see everything and change nothing.
 */
function Channels() {
  const controls = usePageControls();
  const { client, refreshKey } = controls;
  const s = useStyles2(getTableStyles);
  const user = currentUser();
  const channels = useAsync(client ? () => client.listChannels() : undefined, [client, refreshKey]);
  const [editing, setEditing] = useState<{ form: ChannelFormState; isNew: boolean; readOnlyReason?: string }>();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  const [deleting, setDeleting] = useState<Channel>();
  const [tests, setTests] = useState<Record<string, TestOutcome>>({});
  if (!client) {
    return (
      <PluginPage>
        <NoDataSource />
      </PluginPage>
    );
  }

  const open = (channel?: Channel) => {
    setErrors({});
    if (!channel) {
      setEditing({ form: emptyChannelForm('slack'), isNew: true });
      return;
    }
    const readOnlyReason =
      channel.source === 'file'
        ? `Defined in ${channel.sourceFile ?? 'a file'}: change it there`
        : user.canEdit
          ? undefined
          : 'Viewers cannot change channels';
    setEditing({ form: channelToForm(channel), isNew: false, readOnlyReason });
  };

  const save = async () => {
    if (!editing) {
      return;
    }
    const built = formToInput(editing.form);
    if (built.errors) {
      setErrors(built.errors);
      return;
    }
    setSaving(true);
    try {
      await (editing.isNew ? client.createChannel(built.input) : client.saveChannel(built.input));
      notify.success(`Channel ${built.input.id} saved`);
      setEditing(undefined);
      setErrors({});
      channels.reload();
    } catch (error) {
      const e = error instanceof SidecarError ? error : new SidecarError(String(error), 0);
      const fields = channelErrorsByField(e, editing.form.type);
      setErrors(Object.keys(fields).length > 0 ? fields : { '': e.message });
      notify.error(e.message);
    } finally {
      setSaving(false);
    }
  };

  const toggle = async (channel: Channel) => {
    try {
      await client.saveChannel(storedAsInput(channel, { enabled: !channel.enabled }));
      notify.success(`Channel ${channel.id} ${channel.enabled ? 'disabled' : 'enabled'}`);
    } catch (error) {
      notify.error((error as Error).message);
    }
    channels.reload();
  };

  const sendTest = async (channel: Channel) => {
    setTests((t) => ({ ...t, [channel.id]: { sending: true } }));
    try {
      const result = await client.testChannel(channel.id, user.login);
      setTests((t) => ({ ...t, [channel.id]: { sending: false, result } }));
    } catch (error) {
      setTests((t) => ({ ...t, [channel.id]: { sending: false, failure: (error as Error).message } }));
    }
  };

  const remove = async (channel: Channel) => {
    try {
      await client.deleteChannel(channel.id);
      notify.success(`Channel ${channel.id} deleted`);
    } catch (error) {
      notify.error((error as Error).message);
    }
    setDeleting(undefined);
    channels.reload();
  };

  const all = channels.value?.channels ?? [];
  return (
    <PluginPage>
      <div data-testid={testIds.channels.container}>
        <PageControls controls={controls} time={false} />
        {user.canEdit && (
          <div className={s.toolbar}>
            <Button icon="plus" data-testid={testIds.channels.create} onClick={() => open()}>
              New channel
            </Button>
          </div>
        )}
        <LoadState
          loading={channels.loading}
          error={channels.error}
          empty={!channels.loading && all.length === 0}
          emptyMessage="No channels yet: create one, or list them in alerting/*.yaml next to the workflows"
          onRetry={channels.reload}
        >
          <table className={s.table}>
            <thead>
              <tr>
                <th>Enabled</th>
                <th>Channel</th>
                <th>Type</th>
                <th>Sends to</th>
                <th>Secrets</th>
                <th>Source</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {all.map((c) => {
                const fromFile = c.source === 'file';
                const outcome = tests[c.id];
                return (
                  <React.Fragment key={c.id}>
                    <tr data-testid={testIds.channels.row(c.id)}>
                      <td>
                        <Switch
                          data-testid={testIds.channels.toggle(c.id)}
                          aria-label={`${c.enabled ? 'Disable' : 'Enable'} ${c.name}`}
                          value={c.enabled}
                          disabled={!user.canEdit || fromFile}
                          onChange={() => toggle(c)}
                        />
                      </td>
                      <td>
                        {c.name}
                        <div className={s.muted}>{c.id}</div>
                      </td>
                      <td>{CHANNEL_TYPE_LABEL[c.type]}</td>
                      <td className={s.muted}>
                        {channelSummary(c)}
                        {c.type === 'email' && c.config.tls?.rejectUnauthorized === false && (
                          <div>
                            <Badge color="orange" icon="exclamation-triangle" text="certificate not verified" />
                          </div>
                        )}
                      </td>
                      <td>
                        {c.secretsConfigured.length > 0 ? (
                          <Stack gap={0.5} wrap="wrap">
                            {c.secretsConfigured.map((k) => (
                              <Badge key={k} color="green" icon="lock" text={`${k} configured`} />
                            ))}
                          </Stack>
                        ) : (
                          <span className={s.muted}>none</span>
                        )}
                      </td>
                      <td className={s.muted}>{fromFile ? `defined in ${c.sourceFile ?? 'a file'}` : 'API'}</td>
                      <td>
                        <Stack gap={1}>
                          {user.canEdit && (
                            <Button
                              size="sm"
                              variant="secondary"
                              icon="message"
                              data-testid={testIds.channels.sendTest(c.id)}
                              disabled={outcome?.sending}
                              onClick={() => sendTest(c)}
                            >
                              Send test
                            </Button>
                          )}
                          <Button
                            size="sm"
                            variant="secondary"
                            data-testid={testIds.channels.edit(c.id)}
                            onClick={() => open(c)}
                          >
                            {user.canEdit && !fromFile ? 'Edit' : 'View'}
                          </Button>
                          {user.canEdit && !fromFile && (
                            <Button
                              size="sm"
                              variant="destructive"
                              icon="trash-alt"
                              aria-label={`Delete ${c.name}`}
                              data-testid={testIds.channels.remove(c.id)}
                              onClick={() => setDeleting(c)}
                            />
                          )}
                        </Stack>
                      </td>
                    </tr>
                    {outcome && (
                      <tr>
                        <td colSpan={7} data-testid={testIds.channels.testResult(c.id)}>
                          <TestResult outcome={outcome} />
                        </td>
                      </tr>
                    )}
                  </React.Fragment>
                );
              })}
            </tbody>
          </table>
        </LoadState>
        {editing && (
          <Modal
            title={editing.isNew ? 'New channel' : `${editing.readOnlyReason ? 'Channel' : 'Edit'} ${editing.form.id}`}
            isOpen
            onDismiss={() => setEditing(undefined)}
          >
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void save();
              }}
            >
              <ChannelEditor
                form={editing.form}
                onChange={(form) => setEditing({ ...editing, form })}
                errors={errors}
                isNew={editing.isNew}
                readOnlyReason={editing.readOnlyReason}
              />
              <Modal.ButtonRow>
                <Button variant="secondary" type="button" onClick={() => setEditing(undefined)}>
                  {editing.readOnlyReason ? 'Close' : 'Cancel'}
                </Button>
                {!editing.readOnlyReason && (
                  <Button type="submit" data-testid={testIds.channels.save} disabled={saving}>
                    Save
                  </Button>
                )}
              </Modal.ButtonRow>
            </form>
          </Modal>
        )}
        {deleting && (
          <ConfirmModal
            isOpen
            title={`Delete channel ${deleting.name}?`}
            body={`Rules and escalation policies that name “${deleting.id}” will skip it from now on (each alert’s timeline records the skip). Notifications already queued for it fail.`}
            confirmText="Delete"
            onConfirm={() => remove(deleting)}
            onDismiss={() => setDeleting(undefined)}
          />
        )}
      </div>
    </PluginPage>
  );
}

export default Channels;
