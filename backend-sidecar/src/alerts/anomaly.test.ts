import { BUCKET_COUNT } from '../rollups/histogram';
import { judgeAnomaly, median, medianAbsoluteDeviation, robustZ, type SpanSample } from './anomaly';

const span = (executions: number, failures = 0): SpanSample => ({ executions, failures, durationMin: null, durationMax: null, durationBuckets: Array.from({ length: BUCKET_COUNT }, () => 0) });
const spec = { metric: 'failure_rate' as const, weeks: 4, sensitivity: 3.5, minSamples: 5, window: 3_600_000 };

describe('robust z-score', () => {
  it('is 0.6745 · (x − median) / MAD', () => {
    expect(median([3, 1, 2, 10])).toBe(2.5);
    expect(medianAbsoluteDeviation([1, 2, 3, 4, 100])).toBe(1);
    expect(robustZ(13, [10, 11, 12, 13, 50]).z).toBeCloseTo((0.6745 * (13 - 12)) / Math.max(1, 12 * 0.05), 12);
    expect(robustZ(200, [100, 110, 120, 130, 140])).toEqual({ z: (0.6745 * 80) / 10, median: 120, mad: 10 });
  });

  it('stays finite when the baseline never varied (MAD 0): the MAD is raised to 5 % of the median', () => {
    const { z, mad } = robustZ(210, [200, 200, 200, 200]);
    expect(mad).toBe(0);
    expect(z).toBeCloseTo((0.6745 * 10) / 10, 12);
  });

  it('judges failure rate higher by default and needs minSamples runs and half the weeks', () => {
    const baseline = [span(12, 0), span(12, 0), span(12, 1), span(12, 0)];
    expect(judgeAnomaly(spec, { current: span(12, 6), baseline })).toMatchObject({ state: 'firing' });
    expect(judgeAnomaly(spec, { current: span(12, 0), baseline })).toMatchObject({ state: 'clear' });
    expect(judgeAnomaly({ ...spec, direction: 'lower' }, { current: span(12, 6), baseline })).toMatchObject({ state: 'clear' });
    expect(judgeAnomaly(spec, { current: span(4, 4), baseline })).toMatchObject({ state: 'unknown' });
    expect(judgeAnomaly(spec, { current: span(12, 6), baseline: [span(12), span(3)] })).toMatchObject({ state: 'unknown' });
    expect(judgeAnomaly(spec, undefined)).toMatchObject({ state: 'unknown' });
  });
});
