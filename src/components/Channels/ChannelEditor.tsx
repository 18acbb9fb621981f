import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import {
  Alert,
  Button,
  Field,
  IconButton,
  Input,
  RadioButtonGroup,
  SecretInput,
  Stack,
  Switch,
  useStyles2,
} from '@grafana/ui';
import { CHANNEL_TYPES, type ChannelType } from '../../api/types';
import { testIds } from '../testIds';
import {
  CHANNEL_SETTINGS,
  CHANNEL_TYPE_LABEL,
  emptyChannelForm,
  type ChannelFormState,
  type SettingSpec,
} from './channelForm';

interface Props {
  form: ChannelFormState;
  onChange: (form: ChannelFormState) => void;
  /** Field errors by setting key (`''`: errors that name no field of the form). */
  errors: Record<string, string>;
  isNew: boolean;
  /** Why the form cannot be changed (defined in a file, or a Viewer), or undefined when it can. */
  readOnlyReason?: string;
}

const TYPE_OPTIONS = CHANNEL_TYPES.map((t) => ({ label: CHANNEL_TYPE_LABEL[t], value: t }));

/** The fields of one channel: common ones, then those of its type, secrets write-only. */
export function ChannelEditor({ form, onChange, errors, isNew, readOnlyReason }: Props) {
  const styles = useStyles2(getStyles);
  const readOnly = readOnlyReason !== undefined;
  const set = (patch: Partial<ChannelFormState>) => onChange({ ...form, ...patch });
  const fieldProps = (key: string) => ({ invalid: Boolean(errors[key]), error: errors[key] });
  return (
    <div data-testid={testIds.channels.form}>
      {readOnlyReason && <Alert severity="info" title={readOnlyReason} />}
      {errors[''] && (
        <Alert severity="error" title="The sidecar refused the channel">
          {errors['']}
        </Alert>
      )}
      <Field label="Type" {...fieldProps('type')}>
        <RadioButtonGroup
          data-testid={testIds.channels.type}
          options={TYPE_OPTIONS}
          value={form.type}
          disabled={readOnly || !isNew}
          onChange={(type: ChannelType) => onChange(emptyChannelForm(type, form))}
        />
      </Field>
      <Field
        label="Id"
        description="Lower-case letters, digits, “.”, “_” or “-”; rules and policies name the channel by it"
        required
        {...fieldProps('id')}
      >
        <Input
          id="channel-id"
          data-testid={testIds.channels.field('id')}
          value={form.id}
          disabled={readOnly || !isNew}
          onChange={(e) => set({ id: e.currentTarget.value.trim() })}
        />
      </Field>
      <Field label="Name" required {...fieldProps('name')}>
        <Input
          id="channel-name"
          data-testid={testIds.channels.field('name')}
          value={form.name}
          disabled={readOnly}
          onChange={(e) => set({ name: e.currentTarget.value })}
        />
      </Field>
      <Field
        label="Enabled"
        description="A disabled channel is skipped (the alert’s timeline says so)"
        {...fieldProps('enabled')}
      >
        <Switch
          id="channel-enabled"
          value={form.enabled}
          disabled={readOnly}
          onChange={() => set({ enabled: !form.enabled })}
        />
      </Field>
      {CHANNEL_SETTINGS[form.type].map((spec) => (
        <Setting
          key={`${form.type}.${spec.key}`}
          spec={spec}
          form={form}
          set={set}
          error={errors[spec.key]}
          readOnly={readOnly}
          warning={styles.warning}
        />
      ))}
    </div>
  );
}

function Setting({
  spec,
  form,
  set,
  error,
  readOnly,
  warning,
}: {
  spec: SettingSpec;
  form: ChannelFormState;
  set: (patch: Partial<ChannelFormState>) => void;
  error?: string;
  readOnly: boolean;
  warning: string;
}) {
  const id = `channel-${spec.key}`;
  const testId = testIds.channels.field(spec.key);
  const common = {
    label: spec.label,
    description: spec.description,
    required: spec.required,
    invalid: Boolean(error),
    error,
  };
  const isReset = form.stored.includes(spec.key) && !form.configured.includes(spec.key);
  const resetNote = 'Type the new value; left empty, the stored one is kept';
  switch (spec.kind) {
    case 'text':
    case 'number':
    case 'list':
      return (
        <Field {...common}>
          <Input
            id={id}
            data-testid={testId}
            type={spec.kind === 'number' ? 'number' : 'text'}
            value={form.text[spec.key] ?? ''}
            placeholder={spec.placeholder}
            disabled={readOnly}
            onChange={(e) => set({ text: { ...form.text, [spec.key]: e.currentTarget.value } })}
          />
        </Field>
      );
    case 'switch':
      return (
        <Field {...common}>
          <Switch
            id={id}
            data-testid={testId}
            value={form.flags[spec.key] ?? false}
            disabled={readOnly}
            onChange={() => set({ flags: { ...form.flags, [spec.key]: !form.flags[spec.key] } })}
          />
        </Field>
      );
    case 'tlsVerify': {
      const verify = form.flags[spec.key] !== false;
      return (
        <>
          <Field {...common}>
            <Switch
              id={id}
              data-testid={testId}
              value={verify}
              disabled={readOnly}
              onChange={() => set({ flags: { ...form.flags, [spec.key]: !verify } })}
            />
          </Field>
          {!verify && (
            <div className={warning} data-testid={testIds.channels.tlsWarning}>
              <Alert severity="warning" title="The relay’s certificate is not verified">
                Any certificate is accepted: anyone on the network path can read the mail and the SMTP password. Prefer
                giving the sidecar the relay’s CA with NODE_EXTRA_CA_CERTS.
              </Alert>
            </div>
          )}
        </>
      );
    }
    case 'secret':
      return (
        <Field {...common} description={isReset ? resetNote : spec.description}>
          {readOnly ? (
            <Input
              id={id}
              data-testid={testId}
              disabled
              value={form.stored.includes(spec.key) ? 'configured' : 'not set'}
            />
          ) : (
            <SecretInput
              id={id}
              data-testid={testId}
              isConfigured={form.configured.includes(spec.key)}
              value={form.secrets[spec.key] ?? ''}
              placeholder={spec.placeholder}
              autoComplete="off"
              onChange={(e) => set({ secrets: { ...form.secrets, [spec.key]: e.currentTarget.value } })}
              onReset={() =>
                set({
                  configured: form.configured.filter((k) => k !== spec.key),
                  secrets: { ...form.secrets, [spec.key]: '' },
                })
              }
            />
          )}
        </Field>
      );
    case 'headers':
      return (
        <HeadersSetting
          common={common}
          spec={spec}
          form={form}
          set={set}
          readOnly={readOnly}
          isReset={isReset}
          resetNote={resetNote}
        />
      );
  }
}

/** Webhook headers: write-only as a whole (they often carry a token), so "configured" + Reset like a secret. */
function HeadersSetting(props: {
  common: { label: string; description?: string; invalid: boolean; error?: string };
  spec: SettingSpec;
  form: ChannelFormState;
  set: (patch: Partial<ChannelFormState>) => void;
  readOnly: boolean;
  isReset: boolean;
  resetNote: string;
}) {
  const { common, spec, form, set, readOnly, isReset, resetNote } = props;
  const testId = testIds.channels.field(spec.key);
  const configured = form.configured.includes(spec.key);
  if (readOnly || configured) {
    return (
      <Field {...common}>
        {readOnly ? (
          <Input
            id={`channel-${spec.key}`}
            data-testid={testId}
            disabled
            value={form.stored.includes(spec.key) ? 'configured' : 'not set'}
          />
        ) : (
          <SecretInput
            id={`channel-${spec.key}`}
            data-testid={testId}
            isConfigured
            value=""
            onChange={() => undefined}
            onReset={() => set({ configured: form.configured.filter((k) => k !== spec.key), headers: [] })}
          />
        )}
      </Field>
    );
  }
  const setRow = (i: number, patch: Partial<{ name: string; value: string }>) =>
    set({ headers: form.headers.map((h, j) => (j === i ? { ...h, ...patch } : h)) });
  return (
    <Field {...common} description={isReset ? resetNote : common.description}>
      {/* a fragment: Field hands any other child `invalid`, which a Stack or div would put on the DOM */}
      <>
        <Stack direction="column" gap={1}>
          {form.headers.map((h, i) => (
            <Stack key={i} gap={1} alignItems="center">
              <Input
                aria-label={`Header ${i + 1} name`}
                data-testid={testIds.channels.headerName(i)}
                placeholder="Authorization"
                value={h.name}
                onChange={(e) => setRow(i, { name: e.currentTarget.value })}
              />
              <Input
                aria-label={`Header ${i + 1} value`}
                data-testid={testIds.channels.headerValue(i)}
                type="password"
                autoComplete="off"
                placeholder="value"
                value={h.value}
                onChange={(e) => setRow(i, { value: e.currentTarget.value })}
              />
              <IconButton
                name="trash-alt"
                tooltip="Remove this header"
                onClick={() => set({ headers: form.headers.filter((_, j) => j !== i) })}
              />
            </Stack>
          ))}
          <div>
            <Button
              size="sm"
              variant="secondary"
              icon="plus"
              type="button"
              data-testid={testIds.channels.addHeader}
              onClick={() => set({ headers: [...form.headers, { name: '', value: '' }] })}
            >
              Add header
            </Button>
          </div>
        </Stack>
      </>
    </Field>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  warning: css({ marginBottom: theme.spacing(2) }),
});
