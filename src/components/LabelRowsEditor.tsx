import React from 'react';
import { Button, IconButton, Input, Stack } from '@grafana/ui';
import type { LabelRow } from './labelRows';
import { testIds } from './testIds';

/** Name = value rows with add and remove; `name` tells the test ids of two editors on one page apart. */
export function LabelRowsEditor(props: {
  name: string;
  rows: LabelRow[];
  onChange: (rows: LabelRow[]) => void;
  disabled?: boolean;
  invalid?: boolean;
}) {
  const { name, rows, onChange, disabled, invalid } = props;
  const update = (index: number, patch: Partial<LabelRow>) =>
    onChange(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  return (
    <Stack direction="column" gap={1}>
      {rows.map((row, i) => (
        <Stack key={i} gap={1} alignItems="center">
          <Input
            aria-label={`${name} label name ${i + 1}`}
            data-testid={testIds.labels.key(name, i)}
            placeholder="name"
            value={row.key}
            invalid={invalid}
            disabled={disabled}
            onChange={(e) => update(i, { key: e.currentTarget.value })}
          />
          <span>=</span>
          <Input
            aria-label={`${name} label value ${i + 1}`}
            data-testid={testIds.labels.value(name, i)}
            placeholder="value"
            value={row.value}
            invalid={invalid}
            disabled={disabled}
            onChange={(e) => update(i, { value: e.currentTarget.value })}
          />
          {!disabled && (
            <IconButton
              name="trash-alt"
              tooltip="Remove this label"
              onClick={() => onChange(rows.filter((_, j) => j !== i))}
            />
          )}
        </Stack>
      ))}
      {!disabled && (
        <div>
          <Button
            size="sm"
            variant="secondary"
            icon="plus"
            data-testid={testIds.labels.add(name)}
            onClick={() => onChange([...rows, { key: '', value: '' }])}
          >
            Add label
          </Button>
        </div>
      )}
    </Stack>
  );
}
