import { FieldType } from '@grafana/data';
import response from '../../tests/contract/queryResponse.json';
import type { FrameJson } from '../api/types';
import { applyAlias, buildTarget, toFrames } from './datasource';
import { formatLabels, parseLabels } from './QueryEditor';

const replace = (value: string, _vars: unknown, format?: string) => {
  const vars: Record<string, string[]> = { $workflow: ['checkout', 'search'], $team: ['payments'] };
  const hit = vars[value];
  return hit ? (format === 'csv' ? hit.join(',') : hit[0]!) : value;
};

describe('query building', () => {
  it('expands multi-value template variables into workflow ids and keeps labels and group by', () => {
    const target = buildTarget({ refId: 'A', metric: 'duration_p95', workflowIds: ['$workflow', 'inventory', 'checkout'], labels: { team: '$team' }, groupBy: 'workflow' }, {}, replace);
    expect(target).toEqual({ refId: 'A', metric: 'duration_p95', workflowIds: ['checkout', 'search', 'inventory'], labels: { team: 'payments' }, groupBy: 'workflow' });
  });

  it('expands template variables in the locations filter and keeps group by location', () => {
    const vars = (value: string, _s: unknown, format?: string) => (value === '$location' ? (format === 'csv' ? 'eu,us' : 'eu') : value);
    const target = buildTarget({ refId: 'L', metric: 'executions', locations: ['$location', 'ap', 'eu'], groupBy: 'location' }, {}, vars);
    expect(target).toEqual({ refId: 'L', metric: 'executions', groupBy: 'location', locations: ['eu', 'us', 'ap'] });
    expect(buildTarget({ refId: 'M', metric: 'executions', locations: ['$__all'] }, {}, (v) => v)).toEqual({ refId: 'M', metric: 'executions' });
  });

  it('leaves workflows out when none (or "All") is chosen', () => {
    expect(buildTarget({ refId: 'B', metric: 'executions', workflowIds: ['$__all'] }, {}, (v) => v)).toEqual({ refId: 'B', metric: 'executions' });
  });

  it('reads and writes the label filter text', () => {
    expect(parseLabels('team=payments, env = prod')).toEqual({ team: 'payments', env: 'prod' });
    expect(parseLabels('team')).toBe('"team" is not key=value');
    expect(formatLabels({ team: 'payments', env: 'prod' })).toBe('team=payments, env=prod');
  });
});

describe('frames from the sidecar', () => {
  const frames = response.results.A.frames as unknown as FrameJson[];

  it('become Grafana data frames with a time field and labelled number fields', () => {
    const [frame] = toFrames(frames);
    expect(frame!.refId).toBe('A');
    expect(frame!.fields.map((f) => f.type)).toEqual([FieldType.time, FieldType.number, FieldType.number]);
    expect(frame!.fields[1]!.labels).toEqual({ workflow: 'checkout', team: 'payments' });
  });

  it('take the legend from the alias with labels filled in', () => {
    const [frame] = toFrames(frames, { alias: '{{workflow}} ({{team}})' });
    expect(frame!.fields[1]!.config.displayNameFromDS).toBe('checkout (payments)');
    expect(frame!.fields[2]!.config.displayNameFromDS).toBe('search (discovery)');
    expect(applyAlias('{{ missing }}x', {})).toBe('x');
  });
});

describe('the queries the data source sends', () => {
  // The sidecar's own request schema (the one that validates POST /api/v1/query and generates its OpenAPI entry).
  const { queryRequestSchema } = require('../../backend-sidecar/src/metricsApi/queryApi') as { queryRequestSchema: { safeParse(v: unknown): { success: boolean; error?: unknown } } };

  it.each([
    [{ refId: 'A', metric: 'success_rate', groupBy: 'workflow' }],
    [{ refId: 'B', metric: 'duration_p95', workflowIds: ['$workflow'], labels: { team: '$team' } }],
    [{ refId: 'C', metric: 'active_alerts', workflowIds: ['$__all'] }],
  ])('are accepted by the sidecar: %j', (query) => {
    const body = { from: Date.now() - 3_600_000, to: Date.now(), intervalMs: 60_000, maxDataPoints: 500, targets: [buildTarget(query as never, {}, replace)] };
    const result = queryRequestSchema.safeParse(body);
    expect({ success: result.success, error: result.error }).toEqual({ success: true, error: undefined });
  });

  it('and an unknown metric is refused by it (the schema is really checking)', () => {
    const body = { from: 0, to: 1000, intervalMs: 1000, maxDataPoints: 10, targets: [buildTarget({ refId: 'X', metric: 'nope' as never }, {}, replace)] };
    expect(queryRequestSchema.safeParse(body).success).toBe(false);
  });
});
