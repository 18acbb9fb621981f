import type { SlaReport, SlaWorkflowRow } from './slaReport';

/** Column headers, in order; the summary row shares them. */
export const CSV_COLUMNS = [
  'workflowId',
  'name',
  'executions',
  'good',
  'bad',
  'failed',
  'missed',
  'uptimePercent',
  'objectivePercent',
  'met',
  'errorBudgetUsedPercent',
  'p95DurationMs',
  'incidents',
  'alertOpenSeconds',
] as const;

/** The name cell of the summary row (its workflowId cell is empty). */
export const SUMMARY_NAME = 'All workflows';

type Cell = string | number | boolean | null;

/**
 * A spreadsheet runs a cell that starts with = + - @ (or a tab / carriage return, which some strip
 * first) as a formula: text cells get a leading apostrophe (OWASP's CSV injection advice).
 * Numbers are written as numbers.
 */
function neutralised(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** RFC 4180: a field holding a comma, quote or line break is quoted, its quotes doubled. */
function field(value: Cell): string {
  if (value === null) {
    return '';
  }
  const text = typeof value === 'string' ? neutralised(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function workflowCells(r: SlaWorkflowRow): Cell[] {
  return [r.workflowId, r.name, r.executions, r.good, r.bad, r.failed, r.missed, r.uptime, r.objective, r.met, r.errorBudgetUsed, r.p95DurationMs, r.incidents, r.alertOpenSeconds];
}

/** The report as CSV: a header row, one row per workflow, then the summary row; CRLF line ends. */
export function slaReportCsv(report: SlaReport): string {
  const s = report.summary;
  const rows: Cell[][] = [
    [...CSV_COLUMNS],
    ...report.workflows.map(workflowCells),
    ['', SUMMARY_NAME, s.executions, s.good, s.bad, s.failed, s.missed, s.uptime, null, `${s.objectivesMet} of ${s.objectivesMet + s.objectivesMissed}`, null, s.p95DurationMs, s.incidents, s.alertOpenSeconds],
  ];
  return `${rows.map((row) => row.map(field).join(',')).join('\r\n')}\r\n`;
}
