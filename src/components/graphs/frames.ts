import { dataFrameFromJSON, FieldType, type DataFrame, type DataFrameJSON, type Field } from '@grafana/data';
import type { QueryResponse } from '../../api/types';

export interface Series {
  /** The sidecar's display name (alias, workflow id, error type, step name or metric). */
  name: string;
  labels: Record<string, string>;
  values: Array<number | null>;
}

/** The frames the query API answered for `refId`, as Grafana data frames. */
export function framesOf(response: QueryResponse | undefined, refId: string): DataFrame[] {
  return (response?.results[refId]?.frames ?? []).map((frame) => dataFrameFromJSON(frame as unknown as DataFrameJSON));
}

const displayName = (field: Field) => String(field.config.displayNameFromDS ?? field.name);

/** The value series of `refId` (one per workflow, error type or step), with their times. */
export function seriesOf(response: QueryResponse | undefined, refId: string): { times: number[]; series: Series[] } {
  const frame = framesOf(response, refId)[0];
  if (!frame) {
    return { times: [], series: [] };
  }
  const time = frame.fields.find((f) => f.type === FieldType.time);
  return {
    times: (time?.values ?? []) as number[],
    series: frame.fields
      .filter((f) => f.type === FieldType.number)
      .map((f) => ({ name: displayName(f), labels: f.labels ?? {}, values: f.values as Array<number | null> })),
  };
}

/** An instant target's figure: the first series' one value (null when nothing ran). */
export function instantValue(response: QueryResponse | undefined, refId: string): number | null {
  return seriesOf(response, refId).series[0]?.values[0] ?? null;
}

/** A wide time-series frame from times and named series (for graphs derived from several targets). */
export function seriesFrame(refId: string, times: number[], series: Array<{ name: string; values: Array<number | null>; color?: string; unit?: string }>): DataFrame {
  return {
    refId,
    length: times.length,
    fields: [
      { name: 'time', type: FieldType.time, values: times, config: {} },
      ...series.map((s) => ({
        name: s.name,
        type: FieldType.number,
        values: s.values,
        config: { displayNameFromDS: s.name, ...(s.unit ? { unit: s.unit } : {}), ...(s.color ? { color: { mode: 'fixed', fixedColor: s.color } } : {}) },
      })),
    ],
  } as DataFrame;
}

/** What a set of frames draws: value fields and non-null points (graph containers expose both for tests). */
export function drawnCounts(frames: DataFrame[]): { series: number; points: number } {
  let series = 0;
  let points = 0;
  for (const frame of frames) {
    for (const field of frame.fields) {
      if (field.type === FieldType.number) {
        series += 1;
        points += (field.values as Array<number | null>).filter((v) => v !== null && v !== undefined && !Number.isNaN(v)).length;
      }
    }
  }
  return { series, points };
}
