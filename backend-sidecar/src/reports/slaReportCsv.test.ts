import type { SlaReport, SlaWorkflowRow } from './slaReport';
import { slaReportCsv } from './slaReportCsv';

const row = (workflowId: string, name: string): SlaWorkflowRow => ({
  workflowId, name, executions: 10, good: 9, bad: 1, failed: 1, missed: 0, uptime: 90, objective: null, met: null, errorBudgetUsed: null, p95DurationMs: 12.5, incidents: 0, alertOpenSeconds: 0,
});

const report = (rows: SlaWorkflowRow[]): SlaReport => ({
  from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', generatedAt: '2026-12-01T08:00:00.000Z', workflows: rows,
  summary: { workflows: rows.length, executions: 10, good: 9, bad: 1, failed: 1, missed: 0, uptime: 90, objectivesMet: 0, objectivesMissed: 0, p95DurationMs: 12.5, incidents: 0, alertOpenSeconds: 0 },
});

describe('SLA report CSV', () => {
  it.each([
    ['=1+2', "'=1+2"],
    ['+SUM(A1)', "'+SUM(A1)"],
    ['-2+3', "'-2+3"],
    ['@cmd', "'@cmd"],
    ['\tindent', "'\tindent"],
    ['plain - name', 'plain - name'],
  ])('neutralises the spreadsheet formula in the name %j', (name, cell) => {
    const line = slaReportCsv(report([row('w', name)])).split('\r\n')[1]!;
    expect(line.split(',')[1]).toBe(cell);
  });

  it('quotes fields holding commas, quotes and line breaks (RFC 4180) and ends every line with CRLF', () => {
    const csv = slaReportCsv(report([row('w', 'a, "b"\nc')]));
    expect(csv.split('\r\n')[1]).toBe('w,"a, ""b""\nc",10,9,1,1,0,90,,,,12.5,0,0');
    expect(csv.endsWith('\r\n')).toBe(true);
  });
});
