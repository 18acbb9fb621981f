import React, { useEffect, useMemo, useState } from 'react';
import type { QueryEditorProps, SelectableValue } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { InlineField, InlineFieldRow, Input, MultiSelect, Select } from '@grafana/ui';
import { testIds } from '../components/testIds';
import type { WorkflowDataSource } from './datasource';
import { BURN_RATE_WINDOWS, BY_ERROR_TYPE, METRICS, NOT_BY_LOCATION, type MetricName, type WorkflowDataSourceOptions, type WorkflowQuery } from './types';

type Props = QueryEditorProps<WorkflowDataSource, WorkflowQuery, WorkflowDataSourceOptions>;

/** "team=payments, env=prod" ⇄ { team: 'payments', env: 'prod' } */
export function parseLabels(text: string): Record<string, string> | string {
  const labels: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) {
      return `"${part}" is not key=value`;
    }
    labels[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return labels;
}
export const formatLabels = (labels?: Record<string, string>) => Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ');

export function QueryEditor({ query, onChange, onRunQuery, datasource }: Props) {
  const [workflows, setWorkflows] = useState<Array<SelectableValue<string>>>([]);
  const [labelText, setLabelText] = useState(formatLabels(query.labels));
  const [labelError, setLabelError] = useState<string>();
  useEffect(() => {
    let cancelled = false;
    datasource.client.workflowVariables().then(
      ({ workflows: list }) => !cancelled && setWorkflows(list.map((w) => ({ label: w.name, value: w.id, description: w.id }))),
      () => !cancelled && setWorkflows([])
    );
    return () => {
      cancelled = true;
    };
  }, [datasource]);
  const [locations, setLocations] = useState<Array<SelectableValue<string>>>([]);
  useEffect(() => {
    let cancelled = false;
    Promise.resolve()
      .then(() => datasource.client.listLocations())
      .then(
        ({ locations: list }) => !cancelled && setLocations(list.map((l) => ({ label: l.location, value: l.location, description: `${l.replicas.length} live replica(s)` }))),
        () => !cancelled && setLocations([])
      );
    return () => {
      cancelled = true;
    };
  }, [datasource]);
  const variables = useMemo(() => getTemplateSrv().getVariables().map((v) => ({ label: `$${v.name}`, value: `$${v.name}` })), []);
  const update = (patch: Partial<WorkflowQuery>) => {
    onChange({ ...query, ...patch });
    onRunQuery();
  };
  return (
    <>
      <InlineFieldRow>
        <InlineField label="Metric" labelWidth={12}>
          <Select
            data-testid={testIds.queryEditor.metric}
            inputId="wm-metric"
            width={30}
            options={METRICS.map((m) => ({ label: m.label, value: m.value, description: m.unit }))}
            value={query.metric}
            onChange={(v) => {
              const metric = v.value as MetricName;
              // Error types are known for failed attempts and retries only; a burn window only means something for burn_rate.
              update({
                metric,
                ...(query.groupBy === 'error_type' && !BY_ERROR_TYPE.includes(metric) ? { groupBy: undefined } : {}),
                ...(query.groupBy === 'location' && NOT_BY_LOCATION.includes(metric) ? { groupBy: undefined } : {}),
                ...(NOT_BY_LOCATION.includes(metric) ? { locations: undefined } : {}),
                ...(metric !== 'burn_rate' ? { burnRateWindow: undefined } : {}),
              });
            }}
          />
        </InlineField>
        <InlineField label="Group by" labelWidth={12}>
          <Select
            inputId="wm-groupby"
            width={20}
            options={[
              { label: 'Workflow', value: 'workflow' },
              ...(BY_ERROR_TYPE.includes(query.metric) ? [{ label: 'Error type', value: 'error_type', description: 'Failed attempts or retries by the error that caused them' }] : []),
              ...(NOT_BY_LOCATION.includes(query.metric) ? [] : [{ label: 'Location', value: 'location', description: 'One series per probe location' }]),
              { label: 'None (all together)', value: '' },
            ]}
            value={query.groupBy ?? ''}
            onChange={(v) => update({ groupBy: v.value === 'workflow' || v.value === 'error_type' || v.value === 'location' ? v.value : undefined })}
          />
        </InlineField>
        {query.metric === 'burn_rate' && (
          <InlineField label="Burn window" labelWidth={14} tooltip="Each point is the burn rate over this window, ending with the point">
            <Select
              inputId="wm-burn-window"
              width={12}
              options={BURN_RATE_WINDOWS.map((w) => ({ label: w, value: w }))}
              value={query.burnRateWindow ?? '1h'}
              onChange={(v) => update({ burnRateWindow: v.value })}
            />
          </InlineField>
        )}
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField label="Workflows" labelWidth={12} tooltip="Empty: all workflows. Template variables such as $workflow are expanded.">
          <MultiSelect
            data-testid={testIds.queryEditor.workflows}
            inputId="wm-workflows"
            width={50}
            options={[...variables, ...workflows]}
            value={query.workflowIds ?? []}
            allowCustomValue
            placeholder="All workflows"
            onChange={(values) => update({ workflowIds: values.map((v) => v.value!).filter(Boolean) })}
          />
        </InlineField>
        {!NOT_BY_LOCATION.includes(query.metric) && (
          <InlineField label="Locations" labelWidth={12} tooltip="Only executions from these probe locations; empty: all. Template variables are expanded.">
            <MultiSelect
              data-testid={testIds.queryEditor.locations}
              inputId="wm-locations"
              width={30}
              options={[...variables, ...locations]}
              value={query.locations ?? []}
              allowCustomValue
              placeholder="All locations"
              onChange={(values) => {
                const picked = values.map((v) => v.value!).filter(Boolean);
                update({ locations: picked.length > 0 ? picked : undefined });
              }}
            />
          </InlineField>
        )}
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField label="Labels" labelWidth={12} invalid={Boolean(labelError)} error={labelError} tooltip="Only workflows with these labels, e.g. team=payments, env=prod">
          <Input
            data-testid={testIds.queryEditor.labels}
            width={40}
            value={labelText}
            placeholder="team=payments"
            onChange={(e) => setLabelText(e.currentTarget.value)}
            onBlur={() => {
              const parsed = parseLabels(labelText);
              if (typeof parsed === 'string') {
                setLabelError(parsed);
                return;
              }
              setLabelError(undefined);
              update({ labels: Object.keys(parsed).length > 0 ? parsed : undefined });
            }}
          />
        </InlineField>
        <InlineField label="Legend" labelWidth={10} tooltip="Series name; {{workflow}} and other labels are replaced">
          <Input
            data-testid={testIds.queryEditor.alias}
            width={30}
            value={query.alias ?? ''}
            placeholder="{{workflow}}"
            onChange={(e) => onChange({ ...query, alias: e.currentTarget.value || undefined })}
            onBlur={onRunQuery}
          />
        </InlineField>
      </InlineFieldRow>
    </>
  );
}
