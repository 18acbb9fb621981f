import React, { useState } from 'react';
import { PluginPage } from '@grafana/runtime';
import { Button, Field, Input, Modal, Select, Switch, TextArea, useStyles2 } from '@grafana/ui';
import { SidecarError } from '../api/client';
import { SEVERITIES, type Rule, type RuleInput } from '../api/types';
import { SeverityBadge } from '../components/Badges';
import { LoadState, NoDataSource } from '../components/LoadState';
import { getTableStyles } from '../components/tableStyles';
import { testIds } from '../components/testIds';
import { currentUser, notify, useAsync, useSidecar } from '../hooks/useSidecar';

interface FormState {
  id: string;
  name: string;
  description: string;
  severity: Rule['severity'];
  workflowIds: string;
  condition: string;
  cooldown: string;
  channels: string;
  escalationPolicy: string;
  enabled: boolean;
}

const EMPTY: FormState = {
  id: '', name: '', description: '', severity: 'warning', workflowIds: '', cooldown: '0s', channels: '', escalationPolicy: '', enabled: true,
  condition: JSON.stringify({ type: 'consecutive_failures', count: 3 }, null, 2),
};

function toForm(rule: Rule): FormState {
  return {
    id: rule.id, name: rule.name, description: rule.description ?? '', severity: rule.severity, enabled: rule.enabled,
    workflowIds: (rule.scope.workflowIds ?? []).join(', '), condition: JSON.stringify(rule.condition, null, 2), cooldown: rule.cooldown,
    channels: rule.channels.join(', '), escalationPolicy: rule.escalationPolicy ?? '',
  };
}

const list = (text: string) => text.split(',').map((t) => t.trim()).filter(Boolean);

/** The server's field errors mapped onto the form's fields ("condition.value" → condition). */
export function errorsByField(error: SidecarError): Partial<Record<keyof FormState, string>> {
  const out: Partial<Record<keyof FormState, string>> = {};
  for (const [path, message] of Object.entries(error.fieldErrors())) {
    const head = path.split(/[.[]/)[0] as string;
    const field: keyof FormState | undefined = head === 'scope' ? 'workflowIds' : (head in EMPTY ? (head as keyof FormState) : undefined);
    if (field && !out[field]) {
      out[field] = path === head ? message : `${path}: ${message}`;
    }
  }
  return out;
}

/** Rules: the six predefined ones and custom ones; enable/disable, create and edit. */
function Rules() {
  const client = useSidecar();
  const s = useStyles2(getTableStyles);
  const user = currentUser();
  const rules = useAsync(client ? () => client.listRules() : undefined, [client]);
  const [editing, setEditing] = useState<{ form: FormState; isNew: boolean; predefined?: boolean }>();
  const [errors, setErrors] = useState<Partial<Record<keyof FormState, string>>>({});
  if (!client) {
    return <PluginPage><NoDataSource /></PluginPage>;
  }
  const toRule = (f: FormState, base?: Rule): RuleInput | undefined => {
    let condition: Rule['condition'];
    try {
      condition = JSON.parse(f.condition);
    } catch (error) {
      setErrors({ condition: `not JSON: ${(error as Error).message}` });
      return undefined;
    }
    return {
      id: f.id, name: f.name, ...(f.description ? { description: f.description } : {}), enabled: f.enabled, severity: f.severity,
      scope: { ...(base?.scope ?? {}), ...(f.workflowIds ? { workflowIds: list(f.workflowIds) } : { workflowIds: undefined }) },
      condition, cooldown: f.cooldown || '0s', channels: list(f.channels), ...(f.escalationPolicy ? { escalationPolicy: f.escalationPolicy } : {}),
      ...(base?.flapping ? { flapping: base.flapping } : {}),
    };
  };
  const save = async (rule: RuleInput, isNew: boolean) => {
    try {
      await (isNew ? client.createRule(rule) : client.saveRule(rule));
      notify.success(`Rule ${rule.id} saved`);
      setEditing(undefined);
      setErrors({});
      rules.reload();
    } catch (error) {
      const e = error as SidecarError;
      const fields = e instanceof SidecarError ? errorsByField(e) : {};
      setErrors(fields);
      notify.error(e.message);
    }
  };
  const strip = ({ predefined: _p, source: _s, sourceFile: _f, version: _v, createdAt: _c, updatedAt: _u, ...input }: Rule): RuleInput => input;
  const all = rules.value?.rules ?? [];
  const f = editing?.form;
  const set = (patch: Partial<FormState>) => editing && setEditing({ ...editing, form: { ...editing.form, ...patch } });
  return (
    <PluginPage>
      <div data-testid={testIds.rules.container}>
        {user.canEdit && (
          <div className={s.toolbar}>
            <Button icon="plus" onClick={() => { setErrors({}); setEditing({ form: EMPTY, isNew: true }); }}>New rule</Button>
          </div>
        )}
        <LoadState loading={rules.loading} error={rules.error} empty={!rules.loading && all.length === 0} onRetry={rules.reload}>
          <table className={s.table}>
            <thead>
              <tr><th>Enabled</th><th>Rule</th><th>Severity</th><th>Condition</th><th>Scope</th><th>Notifies</th><th /></tr>
            </thead>
            <tbody>
              {all.map((r) => (
                <tr key={r.id} data-testid={testIds.rules.row(r.id)}>
                  <td>
                    <Switch data-testid={testIds.rules.toggle(r.id)} value={r.enabled} disabled={!user.canEdit || r.source === 'file'} onChange={() => save(strip({ ...r, enabled: !r.enabled }), false)} />
                  </td>
                  <td>{r.name}<div className={s.muted}>{r.id}{r.predefined ? ' · predefined' : ''}{r.source === 'file' ? ' · from a file' : ''}</div></td>
                  <td><SeverityBadge severity={r.severity} /></td>
                  <td className={s.muted}>{Object.entries(r.condition).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ')}</td>
                  <td className={s.muted}>{r.scope.workflowIds?.join(', ') ?? (r.scope.critical ? 'critical workflows' : r.scope.labels ? Object.entries(r.scope.labels).map(([k, v]) => `${k}=${v}`).join(', ') : 'all workflows')}</td>
                  <td className={s.muted}>{r.escalationPolicy ?? (r.channels.join(', ') || 'default policy')}</td>
                  <td>{user.canEdit && r.source !== 'file' && <Button size="sm" variant="secondary" onClick={() => { setErrors({}); setEditing({ form: toForm(r), isNew: false, predefined: r.predefined }); }}>Edit</Button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </LoadState>
        {editing && f && (
          <Modal title={editing.isNew ? 'New rule' : `Edit ${f.id}`} isOpen onDismiss={() => setEditing(undefined)}>
            <form data-testid={testIds.rules.form} onSubmit={(e) => { e.preventDefault(); const base = all.find((r) => r.id === f.id); const rule = toRule(f, base); if (rule) { void save(rule, editing.isNew); } }}>
              <Field label="Id" invalid={Boolean(errors.id)} error={errors.id}><Input value={f.id} disabled={!editing.isNew} onChange={(e) => set({ id: e.currentTarget.value.trim() })} /></Field>
              <Field label="Name" invalid={Boolean(errors.name)} error={errors.name}><Input value={f.name} onChange={(e) => set({ name: e.currentTarget.value })} /></Field>
              <Field label="Severity" invalid={Boolean(errors.severity)} error={errors.severity}>
                <Select value={f.severity} options={SEVERITIES.map((v) => ({ label: v, value: v }))} onChange={(v) => set({ severity: v.value! })} />
              </Field>
              <Field label="Workflows" description="Comma-separated ids; empty: every workflow" invalid={Boolean(errors.workflowIds)} error={errors.workflowIds}><Input value={f.workflowIds} onChange={(e) => set({ workflowIds: e.currentTarget.value })} /></Field>
              <Field label="Condition" description="threshold, rate, pattern, duration, consecutive_failures or custom (docs/alerting.md)" invalid={Boolean(errors.condition)} error={errors.condition}>
                <TextArea rows={6} value={f.condition} onChange={(e) => set({ condition: e.currentTarget.value })} />
              </Field>
              <Field label="Cooldown" invalid={Boolean(errors.cooldown)} error={errors.cooldown}><Input value={f.cooldown} onChange={(e) => set({ cooldown: e.currentTarget.value.trim() })} /></Field>
              <Field label="Channels" description="Comma-separated channel ids, notified at once (or use an escalation policy)" invalid={Boolean(errors.channels)} error={errors.channels}><Input value={f.channels} onChange={(e) => set({ channels: e.currentTarget.value })} /></Field>
              <Field label="Escalation policy" invalid={Boolean(errors.escalationPolicy)} error={errors.escalationPolicy}><Input value={f.escalationPolicy} onChange={(e) => set({ escalationPolicy: e.currentTarget.value.trim() })} /></Field>
              <Modal.ButtonRow>
                <Button variant="secondary" type="button" onClick={() => setEditing(undefined)}>Cancel</Button>
                <Button type="submit" data-testid={testIds.rules.save}>Save</Button>
              </Modal.ButtonRow>
            </form>
          </Modal>
        )}
      </div>
    </PluginPage>
  );
}

export default Rules;
