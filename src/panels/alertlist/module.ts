import { PanelPlugin } from '@grafana/data';
import { AlertListPanel, type AlertListOptions } from './AlertListPanel';

export const plugin = new PanelPlugin<AlertListOptions>(AlertListPanel).setPanelOptions((builder) =>
  builder
    .addSelect({
      path: 'state',
      name: 'State',
      defaultValue: 'open',
      settings: { options: [{ value: 'open', label: 'Open' }, { value: 'active', label: 'Active' }, { value: 'acknowledged', label: 'Acknowledged' }, { value: 'suppressed', label: 'Suppressed' }, { value: 'resolved', label: 'Resolved' }, { value: '', label: 'All' }] },
    })
    .addSelect({
      path: 'severity',
      name: 'Severity',
      defaultValue: '',
      settings: { options: [{ value: '', label: 'Any' }, { value: 'critical', label: 'Critical' }, { value: 'error', label: 'Error' }, { value: 'warning', label: 'Warning' }, { value: 'info', label: 'Info' }] },
    })
    .addTextInput({ path: 'workflowId', name: 'Workflow id', description: 'Only this workflow (template variables allowed)', defaultValue: '' })
    .addNumberInput({ path: 'limit', name: 'Show at most', defaultValue: 20 })
    .addTextInput({ path: 'datasourceUid', name: 'Data source uid', description: 'Empty: the first Workflow Monitor data source' })
);
