import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { metricSum, metricValue, parsePrometheusText } from './prometheusText';

describe('parsePrometheusText (the test helper) on what prom-client writes', () => {
  it('reads counters, gauges and histograms with their labels, escaped label values included', async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 'wm_test_total', help: 'a counter', labelNames: ['route', 'status'], registers: [registry] });
    counter.inc({ route: '/a "quoted" \\ path\nnext', status: '401' }, 3);
    counter.inc({ route: '/b', status: '401' });
    new Gauge({ name: 'wm_test_gauge', help: 'a gauge', registers: [registry] }).set(-2.5);
    new Histogram({ name: 'wm_test_seconds', help: 'a histogram', buckets: [0.1, 1], registers: [registry] }).observe(0.5);
    const samples = parsePrometheusText(await registry.metrics());
    expect(metricValue(samples, 'wm_test_total', { route: '/a "quoted" \\ path\nnext', status: '401' })).toBe(3);
    expect(metricValue(samples, 'wm_test_total', { route: '/b' })).toBeUndefined();
    expect(metricSum(samples, 'wm_test_total', { status: '401' })).toBe(4);
    expect(metricValue(samples, 'wm_test_gauge')).toBe(-2.5);
    expect(metricValue(samples, 'wm_test_seconds_bucket', { le: '0.1' })).toBe(0);
    expect(metricValue(samples, 'wm_test_seconds_bucket', { le: '+Inf' })).toBe(1);
    expect(metricValue(samples, 'wm_test_seconds_count')).toBe(1);
  });

  it('reads NaN and infinities in any case (prom-client writes `Nan`)', () => {
    const samples = parsePrometheusText('wm_a Nan\nwm_b NaN\nwm_c +Inf\nwm_d -inf\nwm_e 1e3 1700000000000\n');
    expect(samples.map((s) => s.value)).toEqual([Number.NaN, Number.NaN, Infinity, -Infinity, 1000]);
  });

  it('finds no value for a metric that only has its HELP and TYPE lines', async () => {
    const registry = new Registry();
    new Counter({ name: 'wm_never_total', help: 'never counted', labelNames: ['x'], registers: [registry] });
    const text = await registry.metrics();
    expect(text).toContain('wm_never_total');
    expect(metricValue(text, 'wm_never_total', { x: 'y' })).toBeUndefined();
  });

  it('refuses a line that is not a sample', () => {
    expect(() => parsePrometheusText('wm_x{a="1" 2')).toThrow('not a sample line');
    expect(() => parsePrometheusText('wm_x{a=1} 2')).toThrow('cannot read the labels');
    expect(() => parsePrometheusText('wm_x two')).toThrow('not a sample value');
  });
});
