import React from 'react';
import { FieldType, getDisplayProcessor, getFieldDisplayName, type PanelProps } from '@grafana/data';
import { useTheme2 } from '@grafana/ui';
import { testIds } from '../../components/testIds';
import { computeTrend } from './trend';
import { DirectionText, Sparkline, directionColour, useTrendStyles } from './TrendView';

export interface TrendOptions {
  higherIsBetter: boolean;
  stablePercent: number;
  reducer: 'mean' | 'last';
  showSparkline: boolean;
}

/**
 * One metric now against the previous period: value (with the field's unit and thresholds),
 * change in percent and direction. Reads the first numeric field of the first frame.
 */
export function TrendPanel({ data, options, fieldConfig }: PanelProps<TrendOptions>) {
  const theme = useTheme2();
  const s = useTrendStyles();
  if (data.errors?.length || data.error) {
    return <div className={s.message}>Query failed: {(data.errors?.[0] ?? data.error)?.message}</div>;
  }
  const frame = data.series.find((f) => f.fields.some((x) => x.type === FieldType.number));
  const field = frame?.fields.find((x) => x.type === FieldType.number);
  if (!frame || !field) {
    return <div className={s.message}>No data</div>;
  }
  const values = Array.from(field.values as ArrayLike<number | null>);
  const trend = computeTrend(values, options);
  if (trend.current === null) {
    return <div className={s.message}>No data in this time range</div>;
  }
  const display = getDisplayProcessor({ field: { ...field, config: { ...fieldConfig.defaults, ...field.config } }, theme })(trend.current);
  const delta = trend.deltaPercent === null ? '–' : `${trend.deltaPercent >= 0 ? '+' : ''}${trend.deltaPercent.toFixed(1)} %`;
  return (
    <div className={s.root} title={getFieldDisplayName(field, frame)}>
      <div className={s.value} data-testid={testIds.trendPanel.value} style={{ color: display.color }}>
        {display.prefix ?? ''}{display.text}{display.suffix ?? ''}
      </div>
      <div className={s.delta}>
        <span data-testid={testIds.trendPanel.delta}>{delta}</span> vs previous period · <DirectionText direction={trend.direction} />
      </div>
      {options.showSparkline && <Sparkline values={values} colour={directionColour(theme, trend.direction)} />}
    </div>
  );
}
