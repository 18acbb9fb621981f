import React from 'react';
import { Button, IconButton, Input, Stack } from '@grafana/ui';
import type { KeyValue } from '../utils/workflowDraft';

/** Editable name → value rows (labels, headers, query parameters, extractions). */
export function KeyValueRows(props: {
  rows: KeyValue[];
  onChange: (rows: KeyValue[]) => void;
  disabled?: boolean;
  keyLabel: string;
  valueLabel: string;
  keyPlaceholder?: string;
  valuePlaceholder?: string;
  addLabel: string;
  testId?: string;
}) {
  const { rows, onChange, disabled } = props;
  const set = (i: number, patch: Partial<KeyValue>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div data-testid={props.testId}>
      {rows.map((row, i) => (
        <Stack key={i} gap={1} alignItems="center">
          <Input aria-label={props.keyLabel} placeholder={props.keyPlaceholder} value={row.key} disabled={disabled} onChange={(e) => set(i, { key: e.currentTarget.value })} />
          <span aria-hidden>→</span>
          <Input aria-label={props.valueLabel} placeholder={props.valuePlaceholder} value={row.value} disabled={disabled} onChange={(e) => set(i, { value: e.currentTarget.value })} />
          {!disabled && <IconButton name="trash-alt" aria-label={`Remove ${props.keyLabel.toLowerCase()} ${row.key}`} onClick={() => onChange(rows.filter((_, j) => j !== i))} />}
        </Stack>
      ))}
      {!disabled && (
        <Button size="sm" variant="secondary" fill="text" icon="plus" onClick={() => onChange([...rows, { key: '', value: '' }])}>
          {props.addLabel}
        </Button>
      )}
    </div>
  );
}
