import { PanelPlugin } from '@grafana/data';
import { TrendPanel, type TrendOptions } from './TrendPanel';

export const plugin = new PanelPlugin<TrendOptions>(TrendPanel).useFieldConfig().setPanelOptions((builder) =>
  builder
    .addBooleanSwitch({ path: 'higherIsBetter', name: 'Higher is better', description: 'On for success rate and executions, off for durations and failures', defaultValue: true })
    .addNumberInput({ path: 'stablePercent', name: 'Stable within (%)', description: 'A change smaller than this is "stable"', defaultValue: 2 })
    .addRadio({ path: 'reducer', name: 'Value', defaultValue: 'mean', settings: { options: [{ value: 'mean', label: 'Mean of the period' }, { value: 'last', label: 'Last value' }] } })
    .addBooleanSwitch({ path: 'showSparkline', name: 'Sparkline', defaultValue: true })
);
