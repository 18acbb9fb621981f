import React, { useState } from 'react';
import { Link } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import { Alert, Button, Field, IconButton, Input, Modal, MultiSelect, Stack, Switch, useStyles2 } from '@grafana/ui';
import { SidecarError } from '../api/client';
import type { Channel, EscalationPolicy, EscalationPolicyInput, Rule } from '../api/types';
import { PageControls } from '../components/PageControls/PageControls';
import { LoadState, NoDataSource } from '../components/LoadState';
import { getTableStyles } from '../components/tableStyles';
import { testIds } from '../components/testIds';
import { ROUTES } from '../constants';
import { currentUser, notify, useAsync } from '../hooks/useSidecar';
import { usePageControls } from '../hooks/usePageControls';
import { errorPathSegments } from '../utils/errorPath';
import { prefixRoute } from '../utils/utils.routing';

interface PolicyForm {
  id: string;
  name: string;
  tiers: Array<{ after: string; channels: string[] }>;
  remind: boolean;
  every: string;
  max: string;
}

/** The policy rules fall back to when they name neither a policy nor channels (ruleStore.effectivePolicy). */
const DEFAULT_POLICY_ID = 'default';
const MAX_TIERS = 10;

const EMPTY: PolicyForm = {
  id: '',
  name: '',
  tiers: [{ after: '0s', channels: [] }],
  remind: false,
  every: '30m',
  max: '',
};

function toForm(p: EscalationPolicy): PolicyForm {
  return {
    id: p.id,
    name: p.name,
    tiers: p.tiers.map((t) => ({ after: t.after, channels: [...t.channels] })),
    remind: Boolean(p.reminder),
    every: p.reminder?.every ?? '30m',
    max: p.reminder?.max !== undefined ? String(p.reminder.max) : '',
  };
}

function toInput(
  f: PolicyForm
): { input: EscalationPolicyInput; errors?: undefined } | { input?: undefined; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  if (!f.id) {
    errors.id = 'required';
  }
  if (!f.name.trim()) {
    errors.name = 'required';
  }
  const max = f.max.trim();
  if (f.remind && max && !/^\d+$/.test(max)) {
    errors['reminder.max'] = `"${max}" is not a whole number`;
  }
  if (Object.keys(errors).length > 0) {
    return { errors };
  }
  return {
    input: {
      id: f.id,
      name: f.name.trim(),
      tiers: f.tiers.map((t) => ({ after: t.after.trim(), channels: t.channels })),
      ...(f.remind ? { reminder: { every: f.every.trim(), ...(max ? { max: Number(max) } : {}) } } : {}),
    },
  };
}

/**
 * The sidecar's field errors on the form: `tiers[1].after` → `tiers.1.after`,
 * `tiers[0].channels[2]` → `tiers.0.channels`; what names no field under `''`.
 */
export function policyErrorsByField(error: SidecarError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, message] of Object.entries(error.fieldErrors())) {
    const [head, index, leaf] = errorPathSegments(path);
    let field = '';
    if (head === 'id' || head === 'name') {
      field = head;
    } else if (head === 'tiers' && index !== undefined && (leaf === 'after' || leaf === 'channels')) {
      field = `tiers.${index}.${leaf}`;
    } else if (head === 'tiers') {
      field = 'tiers';
    } else if (head === 'reminder') {
      field = index === 'max' ? 'reminder.max' : 'reminder.every';
    }
    const text = field ? message : `${path}: ${message}`;
    out[field] = out[field] ? `${out[field]}; ${text}` : text;
  }
  return out;
}

/** Rules that page through a policy: those naming it, and for `default` those naming neither a policy nor channels. */
function rulesUsing(policyId: string, rules: Rule[]): Array<{ rule: Rule; byDefault: boolean }> {
  return rules.flatMap((rule): Array<{ rule: Rule; byDefault: boolean }> => {
    if (rule.escalationPolicy === policyId) {
      return [{ rule, byDefault: false }];
    }
    if (policyId === DEFAULT_POLICY_ID && !rule.escalationPolicy && rule.channels.length === 0) {
      return [{ rule, byDefault: true }];
    }
    return [];
  });
}

/**
 * Escalation policies: ordered tiers (after a delay, these channels) and reminders, with the
 * rules that use each. The sidecar has no DELETE for policies, so none is offered.
 */
function EscalationPolicies() {
  const controls = usePageControls();
  const { client, refreshKey } = controls;
  const s = useStyles2(getTableStyles);
  const user = currentUser();
  const policies = useAsync(client ? () => client.listEscalationPolicies() : undefined, [client, refreshKey]);
  const channels = useAsync(client ? () => client.listChannels() : undefined, [client]);
  const rules = useAsync(client ? () => client.listRules() : undefined, [client]);
  const [editing, setEditing] = useState<{ form: PolicyForm; isNew: boolean; readOnlyReason?: string }>();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  if (!client) {
    return (
      <PluginPage>
        <NoDataSource />
      </PluginPage>
    );
  }

  const channelList: Channel[] = channels.value?.channels ?? [];
  const channelName = (id: string) => channelList.find((c) => c.id === id)?.name ?? id;
  const allRules = rules.value?.rules ?? [];
  const all = policies.value?.policies ?? [];

  const open = (policy?: EscalationPolicy) => {
    setErrors({});
    if (!policy) {
      setEditing({ form: EMPTY, isNew: true });
      return;
    }
    const readOnlyReason =
      policy.source === 'file'
        ? `Defined in ${policy.sourceFile ?? 'a file'}: change it there`
        : user.canEdit
          ? undefined
          : 'Viewers cannot change escalation policies';
    setEditing({ form: toForm(policy), isNew: false, readOnlyReason });
  };

  const save = async () => {
    if (!editing) {
      return;
    }
    const built = toInput(editing.form);
    if (built.errors) {
      setErrors(built.errors);
      return;
    }
    setSaving(true);
    try {
      await (editing.isNew ? client.createEscalationPolicy(built.input) : client.saveEscalationPolicy(built.input));
      notify.success(`Escalation policy ${built.input.id} saved`);
      setEditing(undefined);
      setErrors({});
      policies.reload();
    } catch (error) {
      const e = error instanceof SidecarError ? error : new SidecarError(String(error), 0);
      const fields = policyErrorsByField(e);
      setErrors(Object.keys(fields).length > 0 ? fields : { '': e.message });
      notify.error(e.message);
    } finally {
      setSaving(false);
    }
  };

  const f = editing?.form;
  const readOnly = editing?.readOnlyReason !== undefined;
  const set = (patch: Partial<PolicyForm>) =>
    editing && setEditing({ ...editing, form: { ...editing.form, ...patch } });
  const setTier = (i: number, patch: Partial<PolicyForm['tiers'][number]>) =>
    f && set({ tiers: f.tiers.map((t, j) => (j === i ? { ...t, ...patch } : t)) });
  const fieldProps = (key: string) => ({ invalid: Boolean(errors[key]), error: errors[key] });
  // A policy may still name a channel that was deleted since: keep it selectable so it shows.
  const channelOptions = (selected: string[]) => [
    ...channelList.map((c) => ({
      label: c.name,
      value: c.id,
      description: `${c.id} · ${c.type}${c.enabled ? '' : ' · disabled'}`,
    })),
    ...selected
      .filter((id) => !channelList.some((c) => c.id === id))
      .map((id) => ({ label: id, value: id, description: 'no such channel' })),
  ];

  return (
    <PluginPage>
      <div data-testid={testIds.escalationPolicies.container}>
        <PageControls controls={controls} time={false} />
        {user.canEdit && (
          <div className={s.toolbar}>
            <Button icon="plus" onClick={() => open()}>
              New escalation policy
            </Button>
          </div>
        )}
        {rules.error && (
          <Alert severity="warning" title="Could not load the rules that use each policy">
            {rules.error.message}
          </Alert>
        )}
        <LoadState
          loading={policies.loading}
          error={policies.error}
          empty={!policies.loading && all.length === 0}
          emptyMessage="No escalation policies yet"
          onRetry={policies.reload}
        >
          <table className={s.table}>
            <thead>
              <tr>
                <th>Policy</th>
                <th>Tiers</th>
                <th>Reminders</th>
                <th>Used by rules</th>
                <th>Source</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {all.map((p) => {
                const users = rulesUsing(p.id, allRules);
                return (
                  <tr key={p.id} data-testid={testIds.escalationPolicies.row(p.id)}>
                    <td>
                      {p.name}
                      <div className={s.muted}>{p.id}</div>
                    </td>
                    <td>
                      <ol>
                        {p.tiers.map((t, i) => (
                          <li key={i}>
                            after {t.after} → {t.channels.map(channelName).join(', ')}
                          </li>
                        ))}
                      </ol>
                    </td>
                    <td className={s.muted}>
                      {p.reminder
                        ? `every ${p.reminder.every}${p.reminder.max !== undefined ? `, at most ${p.reminder.max}` : ''}`
                        : 'none'}
                    </td>
                    <td data-testid={testIds.escalationPolicies.usedBy(p.id)}>
                      {users.length === 0 ? (
                        <span className={s.muted}>{rules.loading ? '…' : 'no rule'}</span>
                      ) : (
                        <Stack direction="column" gap={0.5}>
                          {users.map(({ rule, byDefault }) => (
                            <span key={rule.id}>
                              <Link to={prefixRoute(ROUTES.Rules)}>{rule.name}</Link>
                              {byDefault && <span className={s.muted}> (by default)</span>}
                            </span>
                          ))}
                        </Stack>
                      )}
                    </td>
                    <td className={s.muted}>
                      {p.source === 'file' ? `defined in ${p.sourceFile ?? 'a file'}` : 'API'}
                    </td>
                    <td>
                      <Button
                        size="sm"
                        variant="secondary"
                        data-testid={testIds.escalationPolicies.edit(p.id)}
                        onClick={() => open(p)}
                      >
                        {user.canEdit && p.source !== 'file' ? 'Edit' : 'View'}
                      </Button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </LoadState>
        {editing && f && (
          <Modal
            title={editing.isNew ? 'New escalation policy' : `${readOnly ? 'Escalation policy' : 'Edit'} ${f.id}`}
            isOpen
            onDismiss={() => setEditing(undefined)}
          >
            <form
              data-testid={testIds.escalationPolicies.form}
              onSubmit={(e) => {
                e.preventDefault();
                void save();
              }}
            >
              {editing.readOnlyReason && <Alert severity="info" title={editing.readOnlyReason} />}
              {errors[''] && (
                <Alert severity="error" title="The sidecar refused the policy">
                  {errors['']}
                </Alert>
              )}
              <Field
                label="Id"
                description="Rules name the policy by it; a policy called “default” serves rules with neither a policy nor channels"
                required
                {...fieldProps('id')}
              >
                <Input
                  id="policy-id"
                  data-testid={testIds.escalationPolicies.field('id')}
                  value={f.id}
                  disabled={readOnly || !editing.isNew}
                  onChange={(e) => set({ id: e.currentTarget.value.trim() })}
                />
              </Field>
              <Field label="Name" required {...fieldProps('name')}>
                <Input
                  id="policy-name"
                  data-testid={testIds.escalationPolicies.field('name')}
                  value={f.name}
                  disabled={readOnly}
                  onChange={(e) => set({ name: e.currentTarget.value })}
                />
              </Field>
              <Field
                label="Tiers"
                description="In order: while the alert is unacknowledged, each tier is notified once its delay since the alert opened has passed"
                {...fieldProps('tiers')}
              >
                {/* a fragment: Field hands any other child `invalid`, which a Stack or div would put on the DOM */}
                <>
                  <Stack direction="column" gap={1}>
                    {f.tiers.map((t, i) => (
                      <Stack key={i} gap={1} alignItems="flex-start">
                        <Field label={`Tier ${i + 1}: after`} {...fieldProps(`tiers.${i}.after`)}>
                          <Input
                            id={`policy-tier-${i}-after`}
                            data-testid={testIds.escalationPolicies.tierAfter(i)}
                            width={12}
                            placeholder="15m"
                            value={t.after}
                            disabled={readOnly}
                            onChange={(e) => setTier(i, { after: e.currentTarget.value })}
                          />
                        </Field>
                        <Field label="notify" {...fieldProps(`tiers.${i}.channels`)}>
                          {/* MultiSelect, not MultiCombobox: the latter measures text on a canvas and virtualises its menu, neither of which jsdom can do */}
                          <MultiSelect
                            inputId={`policy-tier-${i}-channels`}
                            width={40}
                            placeholder="Channels"
                            options={channelOptions(t.channels)}
                            value={t.channels}
                            disabled={readOnly}
                            isLoading={channels.loading}
                            onChange={(items) =>
                              setTier(i, { channels: items.flatMap((item) => (item.value ? [item.value] : [])) })
                            }
                          />
                        </Field>
                        {!readOnly && f.tiers.length > 1 && (
                          <IconButton
                            name="trash-alt"
                            tooltip={`Remove tier ${i + 1}`}
                            data-testid={testIds.escalationPolicies.removeTier(i)}
                            onClick={() => set({ tiers: f.tiers.filter((_, j) => j !== i) })}
                          />
                        )}
                      </Stack>
                    ))}
                    {!readOnly && f.tiers.length < MAX_TIERS && (
                      <div>
                        <Button
                          size="sm"
                          variant="secondary"
                          icon="plus"
                          type="button"
                          data-testid={testIds.escalationPolicies.addTier}
                          onClick={() => set({ tiers: [...f.tiers, { after: '', channels: [] }] })}
                        >
                          Add tier
                        </Button>
                      </div>
                    )}
                  </Stack>
                </>
              </Field>
              <Field
                label="Reminders"
                description="Repeat to every tier reached so far until the alert is acknowledged or resolved"
              >
                <Switch
                  id="policy-remind"
                  data-testid={testIds.escalationPolicies.field('remind')}
                  value={f.remind}
                  disabled={readOnly}
                  onChange={() => set({ remind: !f.remind })}
                />
              </Field>
              {f.remind && (
                <Stack gap={1}>
                  <Field label="Every" description="1s to 7d" {...fieldProps('reminder.every')}>
                    <Input
                      id="policy-every"
                      data-testid={testIds.escalationPolicies.field('every')}
                      width={12}
                      value={f.every}
                      disabled={readOnly}
                      onChange={(e) => set({ every: e.currentTarget.value })}
                    />
                  </Field>
                  <Field label="At most" description="Empty: until acknowledged" {...fieldProps('reminder.max')}>
                    <Input
                      id="policy-max"
                      data-testid={testIds.escalationPolicies.field('max')}
                      width={12}
                      type="number"
                      min={1}
                      max={1000}
                      value={f.max}
                      disabled={readOnly}
                      onChange={(e) => set({ max: e.currentTarget.value })}
                    />
                  </Field>
                </Stack>
              )}
              <Modal.ButtonRow>
                <Button variant="secondary" type="button" onClick={() => setEditing(undefined)}>
                  {readOnly ? 'Close' : 'Cancel'}
                </Button>
                {!readOnly && (
                  <Button type="submit" data-testid={testIds.escalationPolicies.save} disabled={saving}>
                    Save
                  </Button>
                )}
              </Modal.ButtonRow>
            </form>
          </Modal>
        )}
      </div>
    </PluginPage>
  );
}

export default EscalationPolicies;
