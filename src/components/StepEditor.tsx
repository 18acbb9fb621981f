import React, { useId, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Field, IconButton, Input, RadioButtonGroup, Select, Stack, TextArea, useStyles2 } from '@grafana/ui';
import {
  ASSERTION_OPERATORS,
  SUBJECT_LABELS,
  formatAssertion,
  parseAssertionText,
  takesValue,
  type AssertionOperator,
  type AssertionParts,
  type AssertionSubject,
} from '../utils/assertionText';
import { METHODS, type AssertionRow, type BodyMode, type StepDraft } from '../utils/workflowDraft';
import { KeyValueRows } from './KeyValueRows';
import { testIds } from './testIds';

const ids = testIds.workflowEditor;

const SUBJECT_OPTIONS = (Object.keys(SUBJECT_LABELS) as AssertionSubject[]).map((value) => ({ label: SUBJECT_LABELS[value], value }));
const OPERATOR_OPTIONS = ASSERTION_OPERATORS.map((value) => ({ label: value, value }));
const BODY_OPTIONS: Array<{ label: string; value: BodyMode }> = [
  { label: 'No body', value: 'none' },
  { label: 'JSON', value: 'json' },
  { label: 'Raw', value: 'raw' },
];

function valuePlaceholder(operator: AssertionOperator): string {
  switch (operator) {
    case 'matches':
      return '/ok|healthy/i';
    case 'in':
      return '[200, 201]';
    case '<':
    case '<=':
    case '>':
    case '>=':
      return '2000';
    default:
      return '200, "text", true or null';
  }
}

const getStyles = (theme: GrafanaTheme2) => ({
  card: css({
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(2),
    marginBottom: theme.spacing(2),
    background: theme.colors.background.secondary,
  }),
  header: css({ display: 'flex', gap: theme.spacing(1), alignItems: 'flex-start', marginBottom: theme.spacing(1) }),
  grow: css({ flex: 1 }),
  error: css({ color: theme.colors.error.text, fontSize: theme.typography.bodySmall.fontSize }),
  note: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  assertion: css({ marginBottom: theme.spacing(1) }),
  // Labels for screen readers where a visible label per row would only repeat the column.
  srOnly: css({ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap' }),
  subheading: css({ fontSize: theme.typography.h6.fontSize, margin: theme.spacing(2, 0, 1) }),
  mono: css({ fontFamily: theme.typography.fontFamilyMonospace }),
});

/** One assertion: subject / operator / value, or free text in the sidecar's assertion language. */
function AssertionEditor(props: { row: AssertionRow; disabled: boolean; error?: string; testId: string; onChange: (row: AssertionRow) => void; onRemove: () => void }) {
  const { row, disabled, onChange } = props;
  const s = useStyles2(getStyles);
  const subjectId = useId();
  const operatorId = useId();
  const [unreadable, setUnreadable] = useState<string>();
  const setParts = (patch: Partial<AssertionParts>) => row.mode === 'builder' && onChange({ mode: 'builder', parts: { ...row.parts, ...patch } });
  const toBuilder = () => {
    if (row.mode !== 'text') {
      return;
    }
    const parts = parseAssertionText(row.text);
    if (parts) {
      setUnreadable(undefined);
      onChange({ mode: 'builder', parts });
    } else {
      setUnreadable('The builder cannot show this assertion as written; keep it as text (the sidecar checks it on Test and Save).');
    }
  };
  return (
    <div className={s.assertion} data-testid={props.testId}>
      <Stack gap={1} alignItems="center" wrap="wrap">
        {row.mode === 'builder' ? (
          <>
            <label htmlFor={subjectId} className={s.srOnly}>Assertion subject</label>
            {/* Select, not Combobox: Combobox measures text on a canvas, which jsdom lacks. */}
            <Select
              inputId={subjectId}
              width={18}
              disabled={disabled}
              options={SUBJECT_OPTIONS}
              value={row.parts.subject}
              onChange={(v) => v.value && setParts({ subject: v.value!, ...(v.value === 'body.path' || v.value === 'header' ? {} : { target: '' }) })}
            />
            {(row.parts.subject === 'body.path' || row.parts.subject === 'header') && (
              <Input
                aria-label={row.parts.subject === 'header' ? 'Header name' : 'Body path'}
                width={22}
                placeholder={row.parts.subject === 'header' ? 'content-type' : 'items[0].id'}
                value={row.parts.target}
                disabled={disabled}
                onChange={(e) => setParts({ target: e.currentTarget.value.trim() })}
              />
            )}
            <label htmlFor={operatorId} className={s.srOnly}>Assertion operator</label>
            <Select
              inputId={operatorId}
              width={16}
              disabled={disabled}
              options={OPERATOR_OPTIONS}
              value={row.parts.operator}
              onChange={(v) => v.value && setParts({ operator: v.value, ...(takesValue(v.value) ? {} : { value: '' }) })}
            />
            {takesValue(row.parts.operator) && (
              <Input aria-label="Assertion value" width={26} placeholder={valuePlaceholder(row.parts.operator)} value={row.parts.value} disabled={disabled} onChange={(e) => setParts({ value: e.currentTarget.value })} />
            )}
            {!disabled && (
              <Button size="sm" variant="secondary" fill="text" onClick={() => onChange({ mode: 'text', text: formatAssertion(row.parts) })}>
                Edit as text
              </Button>
            )}
          </>
        ) : (
          <>
            <Input aria-label="Assertion text" width={56} placeholder='body.status == "ok"' value={row.text} disabled={disabled} onChange={(e) => onChange({ mode: 'text', text: e.currentTarget.value })} />
            {!disabled && (
              <Button size="sm" variant="secondary" fill="text" onClick={toBuilder}>
                Use the builder
              </Button>
            )}
          </>
        )}
        {!disabled && <IconButton name="trash-alt" aria-label="Remove assertion" onClick={props.onRemove} />}
      </Stack>
      {unreadable && row.mode === 'text' && <div role="status" className={s.note}>{unreadable}</div>}
      {props.error && <div role="alert" className={s.error}>{props.error}</div>}
    </div>
  );
}

/** One step of a workflow: request, assertions and extractions, with its server errors on its fields. */
export function StepEditor(props: {
  step: StepDraft;
  index: number;
  count: number;
  disabled: boolean;
  error: (key: string) => string | undefined;
  onChange: (step: StepDraft) => void;
  onMove: (delta: -1 | 1) => void;
  onRemove: () => void;
}) {
  const { step, index: i, disabled, error } = props;
  const s = useStyles2(getStyles);
  const methodId = useId();
  const set = (patch: Partial<StepDraft>) => props.onChange({ ...step, ...patch });
  const key = (field: string) => `steps[${i}].${field}`;
  const fieldError = (field: string) => ({ invalid: Boolean(error(key(field))), error: error(key(field)) });
  const methodOptions = (METHODS as readonly string[]).includes(step.method) ? METHODS.map((m) => ({ label: m, value: m })) : [...METHODS, step.method].map((m) => ({ label: m, value: m }));
  const bodyError = error(key('request.json')) ?? error(key('request.body'));
  return (
    <div className={s.card} data-testid={ids.step(i)}>
      <div className={s.header}>
        <div className={s.grow}>
          <Field label={`Step ${i + 1}`} {...fieldError('name')}>
            <Input data-testid={ids.stepField(i, 'name')} value={step.name} disabled={disabled} onChange={(e) => set({ name: e.currentTarget.value })} />
          </Field>
        </div>
        {!disabled && (
          <Stack gap={0.5}>
            <IconButton name="arrow-up" aria-label={`Move step ${i + 1} up`} disabled={i === 0} onClick={() => props.onMove(-1)} />
            <IconButton name="arrow-down" aria-label={`Move step ${i + 1} down`} disabled={i === props.count - 1} onClick={() => props.onMove(1)} />
            <IconButton name="trash-alt" aria-label={`Remove step ${i + 1}`} onClick={props.onRemove} />
          </Stack>
        )}
      </div>
      {error(`steps[${i}]`) && <div role="alert" className={s.error}>{error(`steps[${i}]`)}</div>}
      <Stack gap={1} alignItems="flex-start" wrap="wrap">
        <Field label="Method" {...fieldError('request.method')}>
          <Select inputId={methodId} width={14} disabled={disabled} options={methodOptions} value={step.method} onChange={(v) => v.value && set({ method: v.value })} />
        </Field>
        <div className={s.grow}>
          <Field label="URL" description="Absolute http(s) URL; {{name}} inserts a value extracted by an earlier step" {...fieldError('request.url')}>
            <Input data-testid={ids.stepField(i, 'url')} placeholder="https://example.com/api/health" value={step.url} disabled={disabled} onChange={(e) => set({ url: e.currentTarget.value })} />
          </Field>
        </div>
        <Field label="Timeout" description="10ms – 10m (default 10s)" {...fieldError('request.timeout')}>
          <Input data-testid={ids.stepField(i, 'timeout')} width={12} placeholder="10s" value={step.timeout} disabled={disabled} onChange={(e) => set({ timeout: e.currentTarget.value })} />
        </Field>
      </Stack>
      <Field label="Headers" {...fieldError('request.headers')}>
        <KeyValueRows testId={ids.stepField(i, 'headers')} rows={step.headers} disabled={disabled} keyLabel="Header" valueLabel="Header value" keyPlaceholder="Authorization" valuePlaceholder="Bearer {{token}}" addLabel="Add header" onChange={(headers) => set({ headers })} />
      </Field>
      <Field label="Query parameters" {...fieldError('request.query')}>
        <KeyValueRows testId={ids.stepField(i, 'query')} rows={step.query} disabled={disabled} keyLabel="Parameter" valueLabel="Parameter value" addLabel="Add parameter" onChange={(query) => set({ query })} />
      </Field>
      <Field label="Body">
        <RadioButtonGroup size="sm" disabled={disabled} options={BODY_OPTIONS} value={step.bodyMode} onChange={(bodyMode) => set({ bodyMode })} />
      </Field>
      {step.bodyMode !== 'none' && (
        <Field invalid={Boolean(bodyError)} error={bodyError}>
          <TextArea
            data-testid={ids.stepField(i, 'body')}
            className={s.mono}
            rows={5}
            placeholder={step.bodyMode === 'json' ? '{ "username": "monitor" }' : 'user=monitor&password=…'}
            value={step.body}
            disabled={disabled}
            onChange={(e) => set({ body: e.currentTarget.value })}
          />
        </Field>
      )}
      {step.bodyMode === 'none' && bodyError && <div role="alert" className={s.error}>{bodyError}</div>}
      <div className={s.subheading}>Assertions</div>
      {error(key('assert')) && <div role="alert" className={s.error}>{error(key('assert'))}</div>}
      {step.assertions.map((row, j) => (
        <AssertionEditor
          key={j}
          testId={ids.assertion(i, j)}
          row={row}
          disabled={disabled}
          error={error(`steps[${i}].assert[${j}]`)}
          onChange={(next) => set({ assertions: step.assertions.map((r, k) => (k === j ? next : r)) })}
          onRemove={() => set({ assertions: step.assertions.filter((_, k) => k !== j) })}
        />
      ))}
      {!disabled && (
        <Button
          data-testid={ids.addAssertion(i)}
          size="sm"
          variant="secondary"
          fill="text"
          icon="plus"
          onClick={() => set({ assertions: [...step.assertions, { mode: 'builder', parts: { subject: 'status', target: '', operator: '==', value: '200' } }] })}
        >
          Add assertion
        </Button>
      )}
      <div className={s.subheading}>Extract</div>
      <Field label="" description="Later steps use {{name}} in their URL, headers, query and body. Sources: body.<path>, header.<name>, status" {...fieldError('extract')}>
        <KeyValueRows testId={ids.stepField(i, 'extract')} rows={step.extractions} disabled={disabled} keyLabel="Variable" valueLabel="Source" keyPlaceholder="token" valuePlaceholder="body.token" addLabel="Add extraction" onChange={(extractions) => set({ extractions })} />
      </Field>
    </div>
  );
}
