import React, { useMemo } from 'react';
import { applyFieldOverrides, FieldColorModeId, FieldType, type DataFrame, type TimeRange } from '@grafana/data';
import {
  AxisPlacement,
  BarAlignment,
  GraphDrawStyle,
  GraphGradientMode,
  LegendDisplayMode,
  LineInterpolation,
  ScaleDistribution,
  StackingMode,
  VisibilityMode,
  type GraphFieldConfig,
} from '@grafana/schema';
import { TimeSeries, useStyles2, useTheme2 } from '@grafana/ui';
import { TIME_ZONE } from '../../hooks/usePageControls';
import { testIds } from '../testIds';
import { drawnCounts } from './frames';
import { getGraphStyles } from './graphStyles';
import { useWidth } from './useWidth';

export interface TimeSeriesGraphProps {
  title: string;
  testId: string;
  frames: DataFrame[];
  range: TimeRange;
  /** `bars` draws one bar per step (counts); `stacked` stacks the series on each other. */
  style?: 'lines' | 'bars';
  stacked?: boolean;
  unit?: string;
  min?: number;
  max?: number;
  height?: number;
  note?: string;
}

function custom(style: 'lines' | 'bars', stacked: boolean): GraphFieldConfig {
  return {
    drawStyle: style === 'bars' ? GraphDrawStyle.Bars : GraphDrawStyle.Line,
    lineInterpolation: LineInterpolation.Linear,
    lineWidth: style === 'bars' ? 1 : 2,
    fillOpacity: style === 'bars' ? 80 : 10,
    gradientMode: GraphGradientMode.None,
    barAlignment: BarAlignment.Center,
    barWidthFactor: 0.8,
    showPoints: VisibilityMode.Auto,
    pointSize: 4,
    spanNulls: false,
    axisPlacement: AxisPlacement.Auto,
    axisBorderShow: false,
    scaleDistribution: { type: ScaleDistribution.Linear },
    stacking: { mode: stacked ? StackingMode.Normal : StackingMode.None, group: 'A' },
    hideFrom: { legend: false, tooltip: false, viz: false },
  };
}

/**
 * @grafana/ui's TimeSeries (uPlot) with its legend, for query-API frames. The container carries
 * `data-series` and `data-points` (what was drawn), so tests can tell a graph with data from an empty one.
 */
export function TimeSeriesGraph({ title, testId, frames, range, style = 'lines', stacked = false, unit, min, max, height = 220, note }: TimeSeriesGraphProps) {
  const s = useStyles2(getGraphStyles);
  const theme = useTheme2();
  const [ref, width] = useWidth<HTMLDivElement>();
  const prepared = useMemo(() => {
    // applyFieldOverrides only applies defaults that Grafana's field-config registry knows, and a
    // plugin's registry is empty outside a panel: the config goes on each field, which it keeps.
    const configured = frames.map((frame) => ({
      ...frame,
      fields: frame.fields.map((field) =>
        field.type !== FieldType.number
          ? field
          : {
              ...field,
              config: {
                ...(unit ? { unit } : {}),
                ...(min !== undefined ? { min } : {}),
                ...(max !== undefined ? { max } : {}),
                ...field.config,
                color: field.config.color ?? { mode: FieldColorModeId.PaletteClassic },
                custom: { ...custom(style, stacked), ...field.config.custom },
              },
            }
      ),
    }));
    return applyFieldOverrides({ data: configured, fieldConfig: { defaults: {}, overrides: [] }, replaceVariables: (value) => value, theme, timeZone: TIME_ZONE });
  }, [frames, style, stacked, unit, min, max, theme]);
  const counts = drawnCounts(frames);
  return (
    <div className={s.tile} data-testid={testId} data-series={counts.series} data-points={counts.points}>
      <div className={s.title}>{title}</div>
      <div ref={ref}>
        {counts.points === 0 ? (
          <div className={s.empty} style={{ height }} data-testid={testIds.graph.empty}>No data in this time range</div>
        ) : width > 0 ? (
          <TimeSeries
            frames={prepared}
            width={width}
            height={height}
            timeRange={range}
            timeZone={TIME_ZONE}
            legend={{ showLegend: true, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: [] }}
            options={{ style, stacked }}
          />
        ) : null}
      </div>
      {note && <div className={s.note}>{note}</div>}
    </div>
  );
}
