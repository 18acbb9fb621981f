import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import {
  Alert,
  Button,
  Collapse,
  Drawer,
  Field,
  Input,
  MultiSelect,
  RadioButtonGroup,
  Select,
  Stack,
  Switch,
  TextArea,
  useStyles2,
} from '@grafana/ui';
import { SidecarClient, SidecarError } from '../../api/client';
import { SEVERITIES, type Channel, type EscalationPolicy, type Rule, type RuleInput } from '../../api/types';
import { LabelRowsEditor } from '../LabelRowsEditor';
import { testIds } from '../testIds';
import { ConditionFields, type ConditionChange } from './ConditionFields';
import {
  CONDITION_TYPES,
  draftFromRule,
  newRuleDraft,
  ruleInputFromDraft,
  serverErrors,
  type CriticalScope,
  type FieldErrors,
  type NotifyMode,
  type RuleDraft,
} from './ruleDraft';

export interface RuleEditorProps {
  client: SidecarClient;
  /** The rule to edit or look at; none: a new rule. */
  rule?: Rule;
  /** Only look (a Viewer, or a rule defined in a file). */
  readOnly: boolean;
  workflows: Array<{ id: string; name: string }>;
  channels: Channel[];
  policies: EscalationPolicy[];
  onClose: () => void;
  onSaved: (rule: Rule) => void;
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ marginTop: theme.spacing(2) }),
  json: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'pre-wrap',
    margin: 0,
  }),
});

/**
 * The rule form: a structured form per condition type, scope, severity, cooldown, flapping and who
 * is notified. Save is POST (new) or PUT (existing); the sidecar's field errors land on their fields.
 */
export function RuleEditor({
  client,
  rule,
  readOnly,
  workflows,
  channels,
  policies,
  onClose,
  onSaved,
}: RuleEditorProps) {
  const styles = useStyles2(getStyles);
  const isNew = !rule;
  const [draft, setDraft] = useState<RuleDraft>(() => (rule ? draftFromRule(rule) : newRuleDraft()));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [otherErrors, setOtherErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [showJson, setShowJson] = useState(false);

  const set = (patch: Partial<RuleDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const setCondition: ConditionChange = (type, patch) =>
    setDraft((d) => ({ ...d, conditions: { ...d.conditions, [type]: { ...d.conditions[type], ...patch } } }));
  const field = (path: string) => ({
    'data-testid': testIds.rules.field(path),
    invalid: Boolean(errors[path]),
    error: errors[path],
  });

  const save = async () => {
    const built = ruleInputFromDraft(draft);
    if (built.errors) {
      setErrors(built.errors);
      setOtherErrors([]);
      return;
    }
    setBusy(true);
    try {
      const saved = await (isNew ? client.createRule(built.input) : client.saveRule(built.input));
      onSaved(saved);
    } catch (error) {
      const e = error instanceof SidecarError ? error : new SidecarError(String(error), 0);
      const mapped = serverErrors(e, draft.conditionType);
      setErrors(mapped.fields);
      setOtherErrors(mapped.other);
    } finally {
      setBusy(false);
    }
  };

  const workflowOptions = [
    ...workflows.map((w) => ({ label: w.name, value: w.id, description: w.id })),
    // Ids the rule names that are not (or no longer) defined stay visible and removable.
    ...draft.workflowIds
      .filter((id) => !workflows.some((w) => w.id === id))
      .map((id) => ({ label: id, value: id, description: 'not defined now' })),
  ];
  const channelOptions = [
    ...channels.map((c) => ({ label: c.name, value: c.id, description: `${c.type} · ${c.id}` })),
    ...draft.channels
      .filter((id) => !channels.some((c) => c.id === id))
      .map((id) => ({ label: id, value: id, description: 'not defined now' })),
  ];
  const policyOptions = [
    ...policies.map((p) => ({
      label: p.name,
      value: p.id,
      description: `${p.tiers.length} tier${p.tiers.length === 1 ? '' : 's'} · ${p.id}`,
    })),
    ...(draft.escalationPolicy && !policies.some((p) => p.id === draft.escalationPolicy)
      ? [{ label: draft.escalationPolicy, value: draft.escalationPolicy, description: 'not defined now' }]
      : []),
  ];
  const preview = ruleInputFromDraft(draft);
  const title = isNew ? 'New rule' : readOnly ? `Rule ${rule.id}` : `Edit rule ${rule.id}`;

  return (
    <Drawer
      title={title}
      subtitle={rule?.predefined ? 'Predefined rule: edit or disable it; it cannot be deleted' : undefined}
      size="lg"
      onClose={onClose}
    >
      <form
        data-testid={testIds.rules.form}
        onSubmit={(e) => {
          e.preventDefault();
          if (!readOnly) {
            void save();
          }
        }}
      >
        {rule?.source === 'file' && (
          <Alert severity="info" title={`Defined in ${rule.sourceFile ?? 'a file'}`}>
            This rule is read-only here: change it in its file and the sidecar reloads it.
          </Alert>
        )}
        {readOnly && rule?.source !== 'file' && (
          <Alert severity="info" title="Read-only">
            Editors can change rules; your role can look.
          </Alert>
        )}
        {rule?.disabledReason && (
          <Alert severity="warning" title="Disabled by the sidecar">
            {rule.disabledReason}. Saving the rule again (with a condition that passes today&apos;s checks) clears this.
          </Alert>
        )}

        <Field label="Id" description="Lower-case letters, digits, . _ - (1 to 100)" {...field('id')}>
          <Input
            aria-label="Id"
            value={draft.id}
            disabled={readOnly || !isNew}
            onChange={(e) => set({ id: e.currentTarget.value.trim() })}
          />
        </Field>
        <Field label="Name" {...field('name')}>
          <Input
            aria-label="Name"
            value={draft.name}
            disabled={readOnly}
            onChange={(e) => set({ name: e.currentTarget.value })}
          />
        </Field>
        <Field label="Description (optional)" {...field('description')}>
          <TextArea
            aria-label="Description"
            rows={2}
            value={draft.description}
            disabled={readOnly}
            onChange={(e) => set({ description: e.currentTarget.value })}
          />
        </Field>
        <Stack gap={2} wrap="wrap">
          <Field label="Severity" {...field('severity')}>
            <RadioButtonGroup
              options={SEVERITIES.map((v) => ({ label: v, value: v }))}
              value={draft.severity}
              disabled={readOnly}
              onChange={(severity) => set({ severity })}
            />
          </Field>
          <Field label="Enabled" {...field('enabled')}>
            <Switch
              aria-label="Enabled"
              value={draft.enabled}
              disabled={readOnly}
              onChange={(e) => set({ enabled: e.currentTarget.checked })}
            />
          </Field>
        </Stack>

        <div className={styles.section}>
          <Field label="Condition" {...field('condition.type')}>
            <Select
              inputId="rule-condition-type"
              aria-label="Condition type"
              width={40}
              options={CONDITION_TYPES}
              value={draft.conditionType}
              disabled={readOnly}
              onChange={(v) => v.value && set({ conditionType: v.value })}
            />
          </Field>
          <ConditionFields
            type={draft.conditionType}
            drafts={draft.conditions}
            onChange={setCondition}
            errors={errors}
            disabled={readOnly}
          />
        </div>

        <div className={styles.section}>
          <Field
            label="Workflows"
            description="Empty: every workflow (narrowed by labels and critical below)"
            {...field('scope.workflowIds')}
          >
            <MultiSelect
              inputId="rule-scope-workflows"
              aria-label="Workflows"
              options={workflowOptions}
              value={draft.workflowIds}
              allowCustomValue
              disabled={readOnly}
              placeholder="All workflows"
              onChange={(values) => set({ workflowIds: values.map((v) => v.value!).filter(Boolean) })}
            />
          </Field>
          <Field label="Labels" description="Workflows with all of these labels" {...field('scope.labels')}>
            <LabelRowsEditor
              name="rule-scope"
              rows={draft.labels}
              disabled={readOnly}
              invalid={Boolean(errors['scope.labels'])}
              onChange={(labels) => set({ labels })}
            />
          </Field>
          <Field label="Critical" {...field('scope.critical')}>
            <RadioButtonGroup<CriticalScope>
              options={[
                { label: 'Any workflow', value: 'any' },
                { label: 'Critical only', value: 'critical' },
                { label: 'Non-critical only', value: 'non-critical' },
              ]}
              value={draft.critical}
              disabled={readOnly}
              onChange={(critical) => set({ critical })}
            />
          </Field>
        </div>

        <div className={styles.section}>
          <Field
            label="Notify"
            data-testid={testIds.rules.field('notify')}
            description="Without a policy or channels, the escalation policy with id default (when there is one)"
          >
            <RadioButtonGroup<NotifyMode>
              options={[
                { label: 'Default policy', value: 'default' },
                { label: 'Escalation policy', value: 'policy' },
                { label: 'Channels', value: 'channels' },
              ]}
              value={draft.notify}
              disabled={readOnly}
              onChange={(notify) => set({ notify })}
            />
          </Field>
          {draft.notify === 'policy' && (
            <Field label="Escalation policy" {...field('escalationPolicy')}>
              <Select
                inputId="rule-escalation-policy"
                aria-label="Escalation policy"
                options={policyOptions}
                value={draft.escalationPolicy || null}
                disabled={readOnly}
                onChange={(v) => set({ escalationPolicy: v?.value ?? '' })}
              />
            </Field>
          )}
          {draft.notify === 'channels' && (
            <Field label="Channels" description="All notified at once" {...field('channels')}>
              <MultiSelect
                inputId="rule-channels"
                aria-label="Channels"
                options={channelOptions}
                value={draft.channels}
                disabled={readOnly}
                onChange={(values) => set({ channels: values.map((v) => v.value!).filter(Boolean) })}
              />
            </Field>
          )}
          <Stack gap={2} wrap="wrap">
            <Field
              label="Cooldown"
              description="No new alert this long after one resolved (0s to 1d)"
              {...field('cooldown')}
            >
              <Input
                aria-label="Cooldown"
                value={draft.cooldown}
                placeholder="0s"
                disabled={readOnly}
                onChange={(e) => set({ cooldown: e.currentTarget.value })}
              />
            </Field>
            <Field label="Flapping window" description="1m to 1d" {...field('flapping.window')}>
              <Input
                aria-label="Flapping window"
                value={draft.flappingWindow}
                placeholder="30m"
                disabled={readOnly}
                onChange={(e) => set({ flappingWindow: e.currentTarget.value })}
              />
            </Field>
            <Field
              label="Flapping threshold"
              description="More state changes than this in the window: flapping (2 to 1000)"
              {...field('flapping.threshold')}
            >
              <Input
                aria-label="Flapping threshold"
                type="number"
                value={draft.flappingThreshold}
                placeholder="6"
                disabled={readOnly}
                onChange={(e) => set({ flappingThreshold: e.currentTarget.value })}
              />
            </Field>
          </Stack>
        </div>

        {otherErrors.length > 0 && (
          <Alert severity="error" title="The sidecar did not save the rule" data-testid={testIds.rules.formErrors}>
            {otherErrors.map((message) => (
              <div key={message}>{message}</div>
            ))}
          </Alert>
        )}

        <Collapse label="JSON" isOpen={showJson} onToggle={() => setShowJson(!showJson)}>
          <pre className={styles.json}>
            {preview.errors
              ? 'Fix the fields marked above to see the request body.'
              : JSON.stringify(preview.input satisfies RuleInput, null, 2)}
          </pre>
        </Collapse>

        <div className={styles.section}>
          <Stack gap={1} justifyContent="flex-end">
            <Button variant="secondary" type="button" onClick={onClose}>
              {readOnly ? 'Close' : 'Cancel'}
            </Button>
            {!readOnly && (
              <Button type="submit" data-testid={testIds.rules.save} disabled={busy}>
                {isNew ? 'Create rule' : 'Save rule'}
              </Button>
            )}
          </Stack>
        </div>
      </form>
    </Drawer>
  );
}
