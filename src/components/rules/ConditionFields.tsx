import React, { useEffect, useMemo, useState } from 'react';
import { Checkbox, Field, Input, RadioButtonGroup, Select, Stack, TextArea } from '@grafana/ui';
import { testIds } from '../testIds';
import { expressionProblem } from './expressionCheck';
import {
  ANOMALY_METRICS,
  COMPARISON_OPERATORS,
  DEFAULT_BURN_RATE_PAIRS_TEXT,
  THRESHOLD_METRICS,
  type ConditionDrafts,
  type ConditionType,
  type FieldErrors,
} from './ruleDraft';

const WINDOW_HINT = 'a duration such as 15m, 1h or 2d (1m to 7d)';
const ops = <T extends string>(values: readonly T[]) => values.map((value) => ({ label: value, value }));

/** The typed value settles for `delayMs` before it is checked, so a half-typed expression is not flagged. */
function useSettled<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

function ExpressionField(props: {
  value: string;
  onChange: (value: string) => void;
  serverError?: string;
  disabled?: boolean;
}) {
  const settled = useSettled(props.value, 300);
  const problem = useMemo(() => (settled.trim() ? expressionProblem(settled) : undefined), [settled]);
  const checked = settled === props.value && props.value.trim() !== '';
  const error = props.serverError ?? (checked ? problem : undefined);
  return (
    <Field
      label="Expression"
      data-testid={testIds.rules.field('condition.expression')}
      description={
        <>
          Jexl over <code>execution</code>, <code>window</code>, <code>workflow</code> and{' '}
          <code>consecutiveFailures</code>; functions abs, min, max, round; transforms |matches(&quot;re&quot;), |lower.
          Fires when true.
        </>
      }
      invalid={Boolean(error)}
      error={error}
    >
      {/* A fragment: Field hands invalid/disabled to an element child, and a div would put them in the DOM. */}
      <>
        <TextArea
          rows={3}
          aria-label="Expression"
          placeholder='window.successRate < 90 && execution.errorType == "timeout"'
          value={props.value}
          disabled={props.disabled}
          onChange={(e) => props.onChange(e.currentTarget.value)}
        />
        <div data-testid={testIds.rules.expressionCheck}>
          {checked && !error
            ? 'Parses, and uses only documented names; the sidecar checks it fully when the rule is saved.'
            : ''}
        </div>
      </>
    </Field>
  );
}

export type ConditionChange = <K extends ConditionType>(type: K, patch: Partial<ConditionDrafts[K]>) => void;

/** The fields of one condition type: exactly what the sidecar's conditionSchema takes for it. */
export function ConditionFields(props: {
  type: ConditionType;
  drafts: ConditionDrafts;
  onChange: ConditionChange;
  errors: FieldErrors;
  disabled?: boolean;
}) {
  const { errors, disabled, drafts, onChange } = props;
  const field = (name: string) => ({
    'data-testid': testIds.rules.field(`condition.${name}`),
    invalid: Boolean(errors[`condition.${name}`]),
    error: errors[`condition.${name}`],
  });
  const text = (
    name: string,
    value: string,
    set: (value: string) => void,
    placeholder?: string,
    type: 'text' | 'number' = 'text'
  ) => (
    <Input
      aria-label={name}
      type={type}
      value={value}
      placeholder={placeholder}
      disabled={disabled}
      onChange={(e) => set(e.currentTarget.value)}
    />
  );
  switch (props.type) {
    case 'threshold': {
      const d = drafts.threshold;
      const set = (patch: Partial<ConditionDrafts['threshold']>) => onChange('threshold', patch);
      return (
        <>
          <Stack gap={2} wrap="wrap">
            <Field label="Metric" {...field('metric')}>
              <Select
                inputId="rule-condition-metric"
                width={28}
                disabled={disabled}
                value={d.metric}
                options={THRESHOLD_METRICS.map((m) => ({
                  label: m.label,
                  value: m.value,
                  description: m.unit ? `in ${m.unit}` : undefined,
                }))}
                onChange={(v) => v.value && set({ metric: v.value })}
              />
            </Field>
            <Field label="Operator" {...field('operator')}>
              <RadioButtonGroup
                options={ops(COMPARISON_OPERATORS)}
                value={d.operator}
                disabled={disabled}
                onChange={(operator) => set({ operator })}
              />
            </Field>
            <Field label="Value" {...field('value')}>
              {text('value', d.value, (value) => set({ value }), '80', 'number')}
            </Field>
          </Stack>
          <Stack gap={2} wrap="wrap">
            <Field label="Window" description={`Over ${WINDOW_HINT}`} {...field('window')}>
              {text('window', d.window, (window) => set({ window }), '15m')}
            </Field>
            <Field
              label="Minimum executions"
              description="Fewer in the window: no verdict (0 to 100000)"
              {...field('minSamples')}
            >
              {text('minSamples', d.minSamples, (minSamples) => set({ minSamples }), '1', 'number')}
            </Field>
          </Stack>
        </>
      );
    }
    case 'rate': {
      const d = drafts.rate;
      const set = (patch: Partial<ConditionDrafts['rate']>) => onChange('rate', patch);
      return (
        <Stack gap={2} wrap="wrap">
          <Field label="Operator" {...field('operator')}>
            <RadioButtonGroup
              options={ops(['>', '>='] as const)}
              value={d.operator}
              disabled={disabled}
              onChange={(operator) => set({ operator })}
            />
          </Field>
          <Field label="Failure rate (%)" description="0 to 100" {...field('value')}>
            {text('value', d.value, (value) => set({ value }), '50', 'number')}
          </Field>
          <Field label="Window" description={`Over ${WINDOW_HINT}`} {...field('window')}>
            {text('window', d.window, (window) => set({ window }), '15m')}
          </Field>
          <Field label="Minimum executions" description="1 to 100000" {...field('minSamples')}>
            {text('minSamples', d.minSamples, (minSamples) => set({ minSamples }), '5', 'number')}
          </Field>
        </Stack>
      );
    }
    case 'pattern': {
      const d = drafts.pattern;
      const set = (patch: Partial<ConditionDrafts['pattern']>) => onChange('pattern', patch);
      return (
        <>
          <Field
            label="Regular expression"
            description="RE2 syntax (no backreferences or lookaround), matched against error messages"
            {...field('regex')}
          >
            {text('regex', d.regex, (regex) => set({ regex }), 'timeout|ECONNRESET')}
          </Field>
          <Field {...field('caseInsensitive')}>
            <Checkbox
              label="Case-insensitive"
              value={d.caseInsensitive}
              disabled={disabled}
              onChange={(e) => set({ caseInsensitive: e.currentTarget.checked })}
            />
          </Field>
          <Stack gap={2} wrap="wrap">
            <Field
              label="Window (optional)"
              description="Empty: only the latest execution is looked at"
              {...field('window')}
            >
              {text('window', d.window, (window) => set({ window }), '1h')}
            </Field>
            <Field label="Minimum matching executions" description="In the window; 1 to 100" {...field('minMatches')}>
              {text('minMatches', d.minMatches, (minMatches) => set({ minMatches }), '1', 'number')}
            </Field>
          </Stack>
        </>
      );
    }
    case 'duration': {
      const d = drafts.duration;
      const set = (patch: Partial<ConditionDrafts['duration']>) => onChange('duration', patch);
      return (
        <Stack gap={2} wrap="wrap">
          <Field label="Of" {...field('of')}>
            <RadioButtonGroup<ConditionDrafts['duration']['of']>
              options={[
                { label: 'The execution', value: 'execution' },
                { label: 'A step', value: 'step' },
              ]}
              value={d.of}
              disabled={disabled}
              onChange={(of) => set({ of })}
            />
          </Field>
          {d.of === 'step' && (
            <Field label="Step name (optional)" description="Empty: the slowest step" {...field('step')}>
              {text('step', d.step, (step) => set({ step }), 'login')}
            </Field>
          )}
          <Field label="Operator" {...field('operator')}>
            <RadioButtonGroup
              options={ops(['>', '>='] as const)}
              value={d.operator}
              disabled={disabled}
              onChange={(operator) => set({ operator })}
            />
          </Field>
          <Field label="Threshold" description="A duration such as 500ms, 30s, 2m" {...field('threshold')}>
            {text('threshold', d.threshold, (threshold) => set({ threshold }), '30s')}
          </Field>
        </Stack>
      );
    }
    case 'consecutive_failures': {
      const d = drafts.consecutive_failures;
      return (
        <Field label="Failures in a row" description="1 to 100" {...field('count')}>
          {text('count', d.count, (count) => onChange('consecutive_failures', { count }), '3', 'number')}
        </Field>
      );
    }
    case 'custom': {
      const d = drafts.custom;
      const set = (patch: Partial<ConditionDrafts['custom']>) => onChange('custom', patch);
      return (
        <>
          <ExpressionField
            value={d.expression}
            serverError={errors['condition.expression']}
            disabled={disabled}
            onChange={(expression) => set({ expression })}
          />
          <Field
            label="Window"
            description={`The figures under window.* are over this: ${WINDOW_HINT}`}
            {...field('window')}
          >
            {text('window', d.window, (window) => set({ window }), '15m')}
          </Field>
        </>
      );
    }
    case 'burn_rate': {
      const d = drafts.burn_rate;
      return (
        <Field
          label="Window pairs"
          description={`One pair a line: long window, short window, burn-rate factor. Fires when both windows of a pair burn at the factor or more. Only workflows with an SLO are judged. Empty: the SRE workbook's pairs (${DEFAULT_BURN_RATE_PAIRS_TEXT.split('\n').join(', ')})`}
          {...field('pairs')}
        >
          <TextArea
            rows={3}
            aria-label="pairs"
            value={d.pairs}
            placeholder={DEFAULT_BURN_RATE_PAIRS_TEXT}
            disabled={disabled}
            onChange={(e) => onChange('burn_rate', { pairs: e.currentTarget.value })}
          />
        </Field>
      );
    }
    case 'anomaly': {
      const d = drafts.anomaly;
      const set = (patch: Partial<ConditionDrafts['anomaly']>) => onChange('anomaly', patch);
      return (
        <>
          <Stack gap={2} wrap="wrap">
            <Field label="Metric" {...field('metric')}>
              <Select
                inputId="rule-condition-anomaly-metric"
                width={24}
                disabled={disabled}
                value={d.metric}
                options={ANOMALY_METRICS.map((m) => ({ label: m.label, value: m.value }))}
                onChange={(v) => v.value && set({ metric: v.value })}
              />
            </Field>
            <Field
              label="Direction"
              description="Default: higher for durations and failures, lower for executions"
              {...field('direction')}
            >
              <RadioButtonGroup
                options={[
                  { label: 'Default', value: '' as const },
                  { label: 'Higher', value: 'higher' as const },
                  { label: 'Lower', value: 'lower' as const },
                  { label: 'Both', value: 'both' as const },
                ]}
                value={d.direction}
                disabled={disabled}
                onChange={(direction) => set({ direction })}
              />
            </Field>
          </Stack>
          <Stack gap={2} wrap="wrap">
            <Field label="Window" description="The current window, 5m to 1h" {...field('window')}>
              {text('window', d.window, (window) => set({ window }), '1h')}
            </Field>
            <Field label="Weeks" description="Same hour of the week over 2 to 8 previous weeks" {...field('weeks')}>
              {text('weeks', d.weeks, (weeks) => set({ weeks }), '4', 'number')}
            </Field>
            <Field label="Sensitivity" description="Robust z-score that fires (1 to 20)" {...field('sensitivity')}>
              {text('sensitivity', d.sensitivity, (sensitivity) => set({ sensitivity }), '3.5', 'number')}
            </Field>
            <Field
              label="Minimum executions"
              description="In the window and in each baseline hour"
              {...field('minSamples')}
            >
              {text('minSamples', d.minSamples, (minSamples) => set({ minSamples }), '5', 'number')}
            </Field>
          </Stack>
        </>
      );
    }
    case 'certificate_expiry': {
      const d = drafts.certificate_expiry;
      return (
        <Field
          label="Days"
          description="Fires while fewer whole days than this remain (1 to 365); judges workflows that assert on tls.* or set tlsExpiryAlert: true"
          {...field('days')}
        >
          {text('days', d.days, (days) => onChange('certificate_expiry', { days }), '14', 'number')}
        </Field>
      );
    }
    default:
      return null;
  }
}
