import PDFDocument from 'pdfkit';
import type { DailyUptime, SlaReport, SlaWorkflowRow } from './slaReport';

// A4 landscape, in points.
const PAGE = { width: 841.89, height: 595.28, margin: 36 };
const ROW_HEIGHT = 13;
const HEAT_ROW = 10;
const COLOURS = { text: '#1f2328', muted: '#6e7781', rule: '#d0d7de', header: '#f3f4f6', good: '#2eb67d', near: '#a3c85a', warn: '#f2c744', bad: '#e01e5a', none: '#e5e7eb' };

interface Column {
  title: string;
  width: number;
  align: 'left' | 'right';
  cell: (r: SlaWorkflowRow) => string;
}

const num = (v: number | null, decimals = 0) => (v === null ? '-' : v.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals }));
const pct = (v: number | null, decimals: number) => (v === null ? '-' : v.toFixed(decimals));

export function formatOpenTime(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return `${h}h ${String(m).padStart(2, '0')}m`;
}

const COLUMNS: Column[] = [
  { title: 'Workflow', width: 150, align: 'left', cell: (r) => r.workflowId },
  { title: 'Name', width: 150, align: 'left', cell: (r) => r.name },
  { title: 'Executions', width: 56, align: 'right', cell: (r) => num(r.executions) },
  { title: 'Good', width: 50, align: 'right', cell: (r) => num(r.good) },
  { title: 'Bad (missed)', width: 62, align: 'right', cell: (r) => `${num(r.bad)}${r.missed > 0 ? ` (${num(r.missed)})` : ''}` },
  { title: 'Uptime %', width: 52, align: 'right', cell: (r) => pct(r.uptime, 3) },
  { title: 'Objective %', width: 54, align: 'right', cell: (r) => (r.objective === null ? '-' : String(r.objective)) },
  { title: 'Met', width: 26, align: 'right', cell: (r) => (r.met === null ? '-' : r.met ? 'yes' : 'NO') },
  { title: 'Budget used %', width: 62, align: 'right', cell: (r) => pct(r.errorBudgetUsed, 2) },
  { title: 'p95 ms', width: 44, align: 'right', cell: (r) => num(r.p95DurationMs) },
  { title: 'Incidents', width: 44, align: 'right', cell: (r) => num(r.incidents) },
  { title: 'Alert open', width: 0, align: 'right', cell: (r) => formatOpenTime(r.alertOpenSeconds) },
];
// The last column takes what is left of the line.
COLUMNS[COLUMNS.length - 1]!.width = PAGE.width - 2 * PAGE.margin - COLUMNS.slice(0, -1).reduce((n, c) => n + c.width, 0);

/** The standard PDF fonts hold Latin-1 only; anything else would print as garbage. */
function printable(text: string): string {
  return text.replace(/[^\u0020-\u007e\u00a0-\u00ff]/g, '?');
}

function colourFor(uptime: number | null, objective: number | null): string {
  if (uptime === null) {
    return COLOURS.none;
  }
  if (objective !== null) {
    const allowed = 100 - objective;
    return uptime >= objective ? COLOURS.good : uptime >= 100 - 2 * allowed ? COLOURS.warn : COLOURS.bad;
  }
  return uptime >= 99.9 ? COLOURS.good : uptime >= 99 ? COLOURS.near : uptime >= 95 ? COLOURS.warn : COLOURS.bad;
}

function period(report: SlaReport): string {
  const at = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
  return `${at(report.from)} to ${at(report.to)} UTC`;
}

/**
 * The report as a PDF (pdfkit, vector drawing only): title, period, summary, the table (a header
 * repeated on every page) and a chart of daily uptime per workflow — one row of day cells per
 * workflow, coloured against its objective.
 */
export function slaReportPdf(report: SlaReport, daily: DailyUptime, opts: { title?: string } = {}): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', layout: 'landscape', margin: PAGE.margin, info: { Title: opts.title ?? 'SLA report', Producer: 'Workflow Monitor' } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const left = PAGE.margin;
  const bottom = PAGE.height - PAGE.margin;
  const lineWidth = PAGE.width - 2 * PAGE.margin;

  doc.fillColor(COLOURS.text).font('Helvetica-Bold').fontSize(18).text(printable(opts.title ?? 'SLA report'), left, PAGE.margin);
  doc.font('Helvetica').fontSize(10).fillColor(COLOURS.muted).text(`Period: ${period(report)}    Generated: ${report.generatedAt.slice(0, 19).replace('T', ' ')} UTC`);
  const s = report.summary;
  doc
    .moveDown(0.4)
    .fillColor(COLOURS.text)
    .text(
      `${s.workflows} workflows · ${num(s.executions)} executions · uptime ${pct(s.uptime, 3)} % · ` +
        `objectives met ${s.objectivesMet} of ${s.objectivesMet + s.objectivesMissed} · p95 ${num(s.p95DurationMs)} ms · ` +
        `${s.incidents} incidents · alerts open ${formatOpenTime(s.alertOpenSeconds)}`
    );
  let y = doc.y + 10;

  const cellText = (text: string, x: number, top: number, column: Column) =>
    doc.text(printable(text), x + 2, top + 3, { width: column.width - 4, align: column.align, lineBreak: false, ellipsis: true, height: ROW_HEIGHT });
  const header = () => {
    doc.rect(left, y, lineWidth, ROW_HEIGHT).fill(COLOURS.header);
    doc.fillColor(COLOURS.text).font('Helvetica-Bold').fontSize(7.5);
    let x = left;
    for (const column of COLUMNS) {
      cellText(column.title, x, y, column);
      x += column.width;
    }
    y += ROW_HEIGHT;
    doc.font('Helvetica').fontSize(7.5);
  };
  const row = (cells: string[], bold = false) => {
    if (y + ROW_HEIGHT > bottom) {
      doc.addPage();
      y = PAGE.margin;
      header();
    }
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fillColor(COLOURS.text);
    let x = left;
    COLUMNS.forEach((column, i) => {
      cellText(cells[i]!, x, y, column);
      x += column.width;
    });
    doc.moveTo(left, y + ROW_HEIGHT).lineTo(left + lineWidth, y + ROW_HEIGHT).lineWidth(0.3).strokeColor(COLOURS.rule).stroke();
    y += ROW_HEIGHT;
  };
  header();
  for (const r of report.workflows) {
    row(COLUMNS.map((c) => c.cell(r)));
  }
  row(
    ['', 'All workflows', num(s.executions), num(s.good), `${num(s.bad)}${s.missed > 0 ? ` (${num(s.missed)})` : ''}`, pct(s.uptime, 3), '-', `${s.objectivesMet}/${s.objectivesMet + s.objectivesMissed}`, '-', num(s.p95DurationMs), num(s.incidents), formatOpenTime(s.alertOpenSeconds)],
    true
  );

  drawDailyChart(doc, report, daily);
  doc.end();
  return done;
}

function drawDailyChart(doc: PDFKit.PDFDocument, report: SlaReport, daily: DailyUptime): void {
  const left = PAGE.margin;
  const bottom = PAGE.height - PAGE.margin;
  const labelWidth = 150;
  const gridLeft = left + labelWidth;
  const gridWidth = PAGE.width - PAGE.margin - gridLeft;
  const dayCount = Math.max(daily.days.length, 1);
  const cellWidth = gridWidth / dayCount;
  // Day labels that fit: every n-th day so labels are at least 28 pt apart.
  const labelEvery = Math.max(1, Math.ceil(28 / cellWidth));
  let y = 0;
  const page = (first: boolean) => {
    doc.addPage();
    y = PAGE.margin;
    doc.fillColor(COLOURS.text).font('Helvetica-Bold').fontSize(first ? 14 : 10).text(first ? 'Daily uptime per workflow' : 'Daily uptime per workflow (continued)', left, y);
    if (first) {
      doc.font('Helvetica').fontSize(8).fillColor(COLOURS.muted).text('One cell per UTC day. Against the objective: green met; amber within twice the error budget; red beyond. Without an objective: green >= 99.9 %, light green >= 99 %, amber >= 95 %, red below. Grey: nothing ran.', { width: PAGE.width - 2 * PAGE.margin });
      const legend: Array<[string, string]> = [[COLOURS.good, 'met / >= 99.9'], [COLOURS.near, '>= 99'], [COLOURS.warn, 'near / >= 95'], [COLOURS.bad, 'missed / < 95'], [COLOURS.none, 'no runs']];
      let x = left;
      const ly = doc.y + 4;
      for (const [colour, label] of legend) {
        doc.rect(x, ly, 8, 8).fill(colour);
        doc.fillColor(COLOURS.text).fontSize(7).text(label, x + 11, ly + 1, { lineBreak: false });
        x += 90;
      }
      y = ly + 16;
    } else {
      y = doc.y + 4;
    }
    doc.font('Helvetica').fontSize(6).fillColor(COLOURS.muted);
    daily.days.forEach((day, i) => {
      if (i % labelEvery === 0) {
        doc.text(day.slice(5), gridLeft + i * cellWidth, y, { lineBreak: false });
      }
    });
    y += 9;
  };
  page(true);
  for (const r of report.workflows) {
    if (y + HEAT_ROW > bottom) {
      page(false);
    }
    doc.font('Helvetica').fontSize(7).fillColor(COLOURS.text).text(printable(r.workflowId), left, y + 1.5, { width: labelWidth - 6, lineBreak: false, ellipsis: true, height: HEAT_ROW });
    const values = daily.byWorkflow.get(r.workflowId) ?? [];
    daily.days.forEach((_, i) => {
      doc.rect(gridLeft + i * cellWidth + 0.3, y + 0.5, Math.max(cellWidth - 0.6, 0.4), HEAT_ROW - 1).fill(colourFor(values[i] ?? null, r.objective));
    });
    y += HEAT_ROW;
  }
}
