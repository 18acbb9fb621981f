import { FieldType, dataFrameFromJSON, getFieldDisplayName, toDataFrame, type DataFrameJSON } from '@grafana/data';
import response from '../../tests/contract/queryResponse.json';

// The sidecar's POST /api/v1/query answers in Grafana's data-frame JSON (the /api/ds/query
// layout); this pins that @grafana/data reads it as a wide time series. The fixture is the
// sidecar's own answer, written and checked by backend-sidecar/test/contract/queryFrames.test.ts.
describe('sidecar query frames', () => {
  const json = response.results.A.frames[0] as unknown as DataFrameJSON;

  it('are read by dataFrameFromJSON with a time field and number fields carrying labels', () => {
    const frame = dataFrameFromJSON(json);
    expect(frame.refId).toBe('A');
    expect(frame.length).toBe(3);
    expect(frame.fields.map((f) => f.type)).toEqual([FieldType.time, FieldType.number, FieldType.number]);
    expect(frame.fields[1]!.labels).toEqual({ workflow: 'checkout', team: 'payments' });
    expect(frame.fields[2]!.values[2]).toBe(93.75);
    expect(frame.fields[1]!.values[2]).toBeNull();
    expect(getFieldDisplayName(frame.fields[2]!, frame)).toBe('search');
  });

  it('survive toDataFrame (what panels call on query results)', () => {
    const frame = toDataFrame(dataFrameFromJSON(json));
    expect(frame.fields[0]!.type).toBe(FieldType.time);
    const times = frame.fields[0]!.values as number[];
    expect(times.every((t) => t % 3_600_000 === 0)).toBe(true);
  });
});
