import type { QueryRequest, QueryResponse, QueryTarget } from '../api/types';

export interface FakeSeries {
  /** The series label value (workflow id, error type or step), none for an ungrouped target. */
  key?: string;
  /** One value per point; an instant target's answer uses the first. */
  values: Array<number | null>;
}

/**
 * A `POST api/v1/query` handler answering like the sidecar's query API: one wide frame per target,
 * `points` times from `from` (instant targets: one point at `to`), the series `seriesFor` gives,
 * labelled by the target's groupBy and named by its alias.
 */
export function fakeQuery(seriesFor: (target: QueryTarget) => FakeSeries[], points = 4) {
  return (req: { data?: unknown }): QueryResponse => {
    const q = req.data as QueryRequest;
    const step = Math.max(60_000, Math.floor((q.to - q.from) / points));
    const results: QueryResponse['results'] = {};
    for (const target of q.targets) {
      const times = target.instant ? [q.to] : Array.from({ length: points }, (_, i) => q.from + i * step);
      const label = target.groupBy === 'error_type' ? 'error_type' : target.groupBy === 'step' ? 'step' : target.groupBy === 'workflow' ? 'workflow' : target.groupBy === 'location' ? 'location' : undefined;
      const series = seriesFor(target);
      results[target.refId] = {
        frames: [
          {
            schema: {
              refId: target.refId,
              name: target.refId,
              fields: [
                { name: 'time', type: 'time', config: {} },
                ...series.map((s) => ({
                  name: target.metric,
                  type: 'number',
                  ...(label && s.key ? { labels: { [label]: s.key } } : {}),
                  config: { displayNameFromDS: target.alias ? target.alias.replace(/\{\{\s*\w+\s*\}\}/g, s.key ?? '') : (s.key ?? target.metric) },
                })),
              ],
            },
            data: { values: [times, ...series.map((s) => times.map((_, i) => s.values[i] ?? null))] },
          },
        ],
      };
    }
    return { results };
  };
}
