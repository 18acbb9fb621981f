import React from 'react';
import { FieldType, LoadingState, createDataFrame, getDefaultTimeRange, type PanelProps } from '@grafana/data';
import { render, screen } from '@testing-library/react';
import { testIds } from '../../components/testIds';
import { computeTrend } from './trend';
import { TrendPanel, type TrendOptions } from './TrendPanel';

const options: TrendOptions = { higherIsBetter: true, stablePercent: 2, reducer: 'mean', showSparkline: true };

describe('computeTrend', () => {
  it('improving, stable and degrading against the earlier half of the range', () => {
    expect(computeTrend([90, 90, 95, 95], options)).toMatchObject({ current: 95, previous: 90, direction: 'improving' });
    expect(computeTrend([90, 90, 90.5, 90.5], options).direction).toBe('stable');
    expect(computeTrend([95, 95, 80, 80], options).direction).toBe('degrading');
    expect(computeTrend([100, 100, 200, 200], { ...options, higherIsBetter: false }).direction).toBe('degrading');
  });

  it('no data', () => {
    expect(computeTrend([null, null], options)).toEqual({ current: null, previous: null, deltaPercent: null, direction: null });
  });
});

function renderPanel(values: Array<number | null>, unit = 'percent') {
  const frame = createDataFrame({ fields: [
    { name: 'time', type: FieldType.time, values: values.map((_, i) => i * 60_000) },
    { name: 'success_rate', type: FieldType.number, values, config: { unit } },
  ] });
  const props = {
    data: { series: values.length ? [frame] : [], state: LoadingState.Done, timeRange: getDefaultTimeRange() },
    options,
    fieldConfig: { defaults: {}, overrides: [] },
  } as unknown as PanelProps<TrendOptions>;
  render(<TrendPanel {...props} />);
}

describe('TrendPanel', () => {
  it.each([
    [[80, 80, 90, 90], 'improving', '+12.5 %'],
    [[90, 90, 90, 90], 'stable', '+0.0 %'],
    [[90, 90, 72, 72], 'degrading', '-20.0 %'],
  ])('%j → %s with the change', (values, direction, delta) => {
    renderPanel(values);
    expect(screen.getByTestId(testIds.trendPanel.direction)).toHaveTextContent(direction);
    expect(screen.getByTestId(testIds.trendPanel.delta)).toHaveTextContent(delta);
    expect(screen.getByTestId(testIds.trendPanel.value).textContent).toMatch(/%/);
  });

  it('says when there is no data', () => {
    renderPanel([]);
    expect(screen.getByText('No data')).toBeInTheDocument();
  });
});
