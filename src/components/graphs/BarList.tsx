import React, { useMemo } from 'react';
import { FieldColorModeId, FieldType, getDisplayProcessor, VizOrientation, type FieldConfig } from '@grafana/data';
import { BarGaugeDisplayMode, BarGaugeNamePlacement, BarGaugeValueMode } from '@grafana/schema';
import { BarGauge, useStyles2, useTheme2 } from '@grafana/ui';
import { testIds } from '../testIds';
import { getGraphStyles } from './graphStyles';
import { useWidth } from './useWidth';

export interface Bar {
  label: string;
  value: number | null;
  /** A theme colour name ('green', 'orange', …) or CSS colour. */
  color?: string;
}

/**
 * Categorical bars (hour of day, error type, step) drawn with @grafana/ui's BarGauge, one per bar:
 * horizontal bars stacked in rows, or vertical bars side by side. The container carries `data-bars`
 * (bars with a value) for tests.
 */
export function BarList({ title, testId, bars, unit, orientation = 'horizontal', height = 200, note }: { title: string; testId: string; bars: Bar[]; unit?: string; orientation?: 'horizontal' | 'vertical'; height?: number; note?: string }) {
  const s = useStyles2(getGraphStyles);
  const theme = useTheme2();
  const [ref, width] = useWidth<HTMLDivElement>();
  const max = Math.max(1, ...bars.map((b) => b.value ?? 0));
  const drawn = bars.filter((b) => b.value !== null);
  const fields = useMemo(
    () =>
      bars.map((bar) => {
        const config: FieldConfig = { min: 0, max, unit, color: { mode: FieldColorModeId.Fixed, fixedColor: bar.color ?? 'blue' } };
        const display = getDisplayProcessor({ field: { config, type: FieldType.number }, theme });
        return { bar, config, display, value: { ...display(bar.value ?? 0), title: bar.label } };
      }),
    [bars, max, unit, theme]
  );
  const vertical = orientation === 'vertical';
  const rowHeight = vertical ? height : Math.max(24, Math.min(40, Math.floor(height / Math.max(1, bars.length))));
  const barWidth = vertical ? Math.floor(width / Math.max(1, bars.length)) : width;
  return (
    <div className={s.tile} data-testid={testId} data-bars={drawn.length}>
      <div className={s.title}>{title}</div>
      <div ref={ref} style={vertical ? { display: 'flex' } : undefined}>
        {drawn.length === 0 ? (
          <div className={s.empty} style={{ height, width: '100%' }} data-testid={testIds.graph.empty}>No data in this time range</div>
        ) : width > 0 ? (
          fields.map(({ bar, config, display, value }) => (
            // BarGauge fills its parent (as in Grafana's VizRepeater): the parent carries the size.
            <div key={bar.label} title={`${bar.label}: ${value.text}${value.suffix ?? ''}`} style={{ display: 'flex', width: barWidth, height: rowHeight }}>
              <BarGauge
                theme={theme}
                width={barWidth}
                height={rowHeight}
                field={config}
                display={display}
                value={value}
                orientation={vertical ? VizOrientation.Vertical : VizOrientation.Horizontal}
                displayMode={BarGaugeDisplayMode.Basic}
                valueDisplayMode={BarGaugeValueMode.Color}
                namePlacement={vertical ? BarGaugeNamePlacement.Auto : BarGaugeNamePlacement.Left}
                showUnfilled
                itemSpacing={4}
              />
            </div>
          ))
        ) : null}
      </div>
      {note && <div className={s.note}>{note}</div>}
    </div>
  );
}
