import type { Pool } from '../db/pool';
import { ValidationError } from '../errors/errors';
import { dailyUptime, type SlaReport, type SlaReportScope } from './slaReport';
import { slaReportCsv } from './slaReportCsv';
import { slaReportPdf } from './slaReportPdf';

export type ReportFormat = 'json' | 'csv' | 'pdf';

/**
 * A PDF draws a table row and a row of day cells per workflow: past this many workflows it stops
 * being a document anyone reads (and costs seconds of CPU); CSV and JSON have no such bound.
 */
export const MAX_PDF_WORKFLOWS = 2_000;

export interface RenderedReport {
  filename: string;
  contentType: string;
  content: Buffer;
}

/** `sla-report_2026-11-01_2026-12-01.pdf`: the period's UTC dates (with times when not midnight). */
export function reportFilename(report: Pick<SlaReport, 'from' | 'to'>, format: ReportFormat): string {
  const stamp = (iso: string) => (iso.slice(11, 19) === '00:00:00' ? iso.slice(0, 10) : iso.slice(0, 16).replace(':', ''));
  return `sla-report_${stamp(report.from)}_${stamp(report.to)}.${format}`;
}

/** The report rendered in a file format (CSV or PDF). */
export async function renderReport(pool: Pool, report: SlaReport, format: 'csv' | 'pdf', opts: { title?: string } = {}): Promise<RenderedReport> {
  if (format === 'csv') {
    return { filename: reportFilename(report, 'csv'), contentType: 'text/csv; charset=utf-8', content: Buffer.from(slaReportCsv(report), 'utf8') };
  }
  if (report.workflows.length > MAX_PDF_WORKFLOWS) {
    throw new ValidationError(`a PDF report holds at most ${MAX_PDF_WORKFLOWS} workflows; this one has ${report.workflows.length}`, [
      { path: 'query.format', message: `a PDF holds at most ${MAX_PDF_WORKFLOWS} workflows (this report has ${report.workflows.length}): filter with workflowIds or labels, or use format=csv` },
    ]);
  }
  const daily = await dailyUptime(pool, report);
  return { filename: reportFilename(report, 'pdf'), contentType: 'application/pdf', content: await slaReportPdf(report, daily, opts) };
}

export function reportScope(q: { workflowIds?: string[]; labels?: Record<string, string> }): SlaReportScope {
  return {
    ...(q.workflowIds && q.workflowIds.length > 0 ? { workflowIds: q.workflowIds } : {}),
    ...(q.labels && Object.keys(q.labels).length > 0 ? { labels: q.labels } : {}),
  };
}
