import type { Pool } from '../db/pool';
import { dailyUptime, type SlaReport, type SlaReportScope } from './slaReport';
import { slaReportCsv } from './slaReportCsv';
import { slaReportPdf } from './slaReportPdf';

export type ReportFormat = 'json' | 'csv' | 'pdf';

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
  const daily = await dailyUptime(pool, report);
  return { filename: reportFilename(report, 'pdf'), contentType: 'application/pdf', content: await slaReportPdf(report, daily, opts) };
}

export function reportScope(q: { workflowIds?: string[]; labels?: Record<string, string> }): SlaReportScope {
  return {
    ...(q.workflowIds && q.workflowIds.length > 0 ? { workflowIds: q.workflowIds } : {}),
    ...(q.labels && Object.keys(q.labels).length > 0 ? { labels: q.labels } : {}),
  };
}
