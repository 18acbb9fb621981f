import React, { useMemo } from 'react';
import { FieldColorModeId, FieldType, getDisplayProcessor, type Field, type TimeRange } from '@grafana/data';
import { GraphDrawStyle, LineInterpolation, VisibilityMode } from '@grafana/schema';
import { Sparkline, useTheme2 } from '@grafana/ui';
import { useWidth } from './useWidth';

/**
 * A small success-rate line for a table row (@grafana/ui's Sparkline); `data-points` says how many
 * points it has. Nothing is drawn when no point has a value.
 */
export function RowSparkline({ testId, times, values, range, width = 140, height = 28 }: { testId: string; times: number[]; values: Array<number | null>; range: TimeRange; width?: number; height?: number }) {
  const theme = useTheme2();
  // Measured like every graph, so jsdom (no layout, no canvas) draws nothing.
  const [ref, measured] = useWidth<HTMLDivElement>();
  const points = values.filter((v) => v !== null).length;
  const sparkline = useMemo(() => {
    const config = { min: 0, max: 100, unit: 'percent', color: { mode: FieldColorModeId.Fixed, fixedColor: 'green' } };
    const y: Field = { name: 'success rate', type: FieldType.number, values, config, state: { range: { min: 0, max: 100, delta: 100 } } };
    y.display = getDisplayProcessor({ field: y, theme });
    const x: Field = { name: 'time', type: FieldType.time, values: times, config: {} };
    return { y, x, timeRange: range };
  }, [times, values, range, theme]);
  return (
    <div ref={ref} data-testid={testId} data-points={points} style={{ width, height }}>
      {points > 0 && measured > 0 && (
        <Sparkline
          theme={theme}
          width={width}
          height={height}
          sparkline={sparkline}
          config={{ custom: { drawStyle: GraphDrawStyle.Line, lineInterpolation: LineInterpolation.Linear, lineWidth: 1, fillOpacity: 10, showPoints: VisibilityMode.Never, spanNulls: true } }}
        />
      )}
    </div>
  );
}
