import { reportsFeature } from '../../src/app/features/reports';
import type { Pool } from '../../src/db/pool';
import { CSV_COLUMNS, SUMMARY_NAME } from '../../src/reports/slaReportCsv';
import { BUCKET_COUNT, bucketIndex, quantileFromBuckets } from '../../src/rollups/histogram';
import { pdfText } from '../support/pdfText';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';

jest.setTimeout(180_000);

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** A UTC midnight four days ago: the data spans it ± a few days, entirely in the past. */
const D = Math.floor(Date.now() / DAY) * DAY - 4 * DAY;
// Partial hours and partial days at both ends: minute, hour and day rollups all take part.
const FROM = D + 13 * HOUR + 27 * MINUTE;
const TO = D + 2 * DAY + 9 * HOUR + 41 * MINUTE;

interface Run {
  workflowId: string;
  status: 'success' | 'degraded' | 'failed';
  startedAt: number;
  durationMs: number;
}

interface Workflow {
  id: string;
  name: string;
  objective?: number;
  labels?: Record<string, string>;
}

const WORKFLOWS: Workflow[] = [
  { id: 'checkout', name: 'Checkout flow', objective: 99.5, labels: { team: 'payments' } },
  { id: 'search', name: 'Search, "quoted"', objective: 99.9, labels: { team: 'discovery' } },
  { id: 'legacy', name: '=HYPERLINK("http://evil.example","click")', labels: { team: 'payments' } },
  { id: 'idle', name: '@idle', objective: 99 },
];

let sidecar: TestSidecar;
const runs: Run[] = [];
/** Missed-slot records: [workflow, slot time, count]. */
const MISSED: Array<[string, number, number]> = [
  ['checkout', FROM + 5 * HOUR, 5],
  ['checkout', FROM - 10 * MINUTE, 3], // before the period
  ['legacy', TO - MINUTE, 2],
  ['legacy', TO, 4], // the end is exclusive
];

async function insertWorkflows(pool: Pool, workflows: Workflow[]): Promise<void> {
  await pool.query(
    `INSERT INTO workflows (id, name, source, definition, labels, mode, push_expected_ms, push_grace_ms)
     SELECT id, name, 'api', definition, labels, 'push', 3600000, 60000
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, name text, definition jsonb, labels jsonb)`,
    [JSON.stringify(workflows.map((w) => ({ id: w.id, name: w.name, labels: w.labels ?? {}, definition: { id: w.id, ...(w.objective !== undefined ? { slo: { objective: w.objective, window: '30d' } } : {}) } })))]
  );
}

/** Raw executions in one statement: the rollup trigger sees them as production writes do. */
async function insertRuns(pool: Pool, rows: Run[]): Promise<void> {
  await pool.query(
    `INSERT INTO executions (workflow_id, trigger, status, started_at, finished_at, duration_ms, attempts, retries)
     SELECT w, 'schedule', s, t, t + make_interval(secs => d / 1000.0), d, 1, 0
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[]) AS x(w, s, t, d)`,
    [rows.map((r) => r.workflowId), rows.map((r) => r.status), rows.map((r) => new Date(r.startedAt)), rows.map((r) => r.durationMs)]
  );
}

async function insertAlert(pool: Pool, workflowId: string, fingerprint: string, openedAt: number, resolvedAt: number | null): Promise<void> {
  await pool.query(
    `INSERT INTO alerts (fingerprint, rule_id, workflow_id, severity, state, title, message, opened_at, last_seen_at, resolved_at)
     VALUES ($1, 'rule', $2, 'error', $3, 't', 'm', $4, $4, $5)`,
    [fingerprint, workflowId, resolvedAt === null ? 'active' : 'resolved', new Date(openedAt), resolvedAt === null ? null : new Date(resolvedAt)]
  );
}

beforeAll(async () => {
  // ALERTING off: the engine would judge these workflows and open alerts of its own.
  sidecar = await startTestSidecar({ features: [reportsFeature], env: { ALERTING: 'false' } });
  const { pool } = sidecar.db;
  await insertWorkflows(pool, WORKFLOWS);
  // Every 7 minutes from a day before the period to a day after it, so every minute of an hour is hit.
  let i = 0;
  for (let t = D - DAY + 3 * MINUTE + 11_000; t < D + 3 * DAY + 5 * HOUR; t += 7 * MINUTE) {
    i += 1;
    runs.push({ workflowId: 'checkout', status: i % 53 === 0 ? 'failed' : i % 11 === 0 ? 'degraded' : 'success', startedAt: t, durationMs: 40 + ((i * 37) % 900) });
    runs.push({ workflowId: 'search', status: i % 7 === 0 ? 'degraded' : 'success', startedAt: t + 20_000, durationMs: 5 + ((i * 13) % 300) });
    runs.push({ workflowId: 'legacy', status: i % 10 === 0 ? 'failed' : 'success', startedAt: t + 45_000, durationMs: 1000 + ((i * 101) % 9000) });
  }
  // Right on the edges: the start is inclusive, the end exclusive.
  runs.push({ workflowId: 'search', status: 'failed', startedAt: FROM, durationMs: 70_000 });
  runs.push({ workflowId: 'search', status: 'failed', startedAt: TO, durationMs: 70_000 });
  for (let k = 0; k < runs.length; k += 2_000) {
    await insertRuns(pool, runs.slice(k, k + 2_000));
  }
  for (const [workflowId, slotAt, count] of MISSED) {
    await pool.query(`INSERT INTO scheduled_runs (workflow_id, slot_at, state, missed_slots, finished_at) VALUES ($1, $2, 'missed', $3, now())`, [workflowId, new Date(slotAt), count]);
  }
  await insertAlert(pool, 'checkout', 'a-before', FROM - HOUR, FROM + 30 * MINUTE); // 30 min inside, opened before: not an incident
  await insertAlert(pool, 'checkout', 'b', FROM + HOUR, FROM + 3 * HOUR);
  await insertAlert(pool, 'checkout', 'c-overlap', FROM + 2 * HOUR, FROM + 4 * HOUR); // overlaps b: 3 h together
  await insertAlert(pool, 'checkout', 'd-open', TO - 10 * MINUTE, null); // still open: 10 min inside
  await insertAlert(pool, 'checkout', 'e-after', TO + MINUTE, TO + HOUR);
  await insertAlert(pool, 'search', 'f-outside', FROM - 3 * HOUR, FROM - HOUR);
});

afterAll(async () => {
  await sidecar?.stop();
});

/** What the report must say, computed from the raw rows generated above. */
function expectedRow(w: Workflow) {
  const inRange = runs.filter((r) => r.workflowId === w.id && r.startedAt >= FROM && r.startedAt < TO);
  const good = inRange.filter((r) => r.status !== 'failed').length;
  const failed = inRange.length - good;
  const missed = MISSED.filter(([id, at]) => id === w.id && at >= FROM && at < TO).reduce((n, [, , c]) => n + c, 0);
  const bad = failed + missed;
  const buckets = Array.from({ length: BUCKET_COUNT }, () => 0);
  for (const r of inRange) {
    buckets[bucketIndex(r.durationMs)]! += 1;
  }
  const durations = inRange.map((r) => r.durationMs);
  const p95 = inRange.length === 0 ? null : quantileFromBuckets(buckets, 0.95, Math.min(...durations), Math.max(...durations));
  const uptime = good + bad === 0 ? null : Math.round(((good * 100) / (good + bad)) * 1000) / 1000;
  return {
    workflowId: w.id,
    name: w.name,
    executions: inRange.length,
    good,
    bad,
    failed,
    missed,
    uptime,
    objective: w.objective ?? null,
    met: w.objective === undefined || good + bad === 0 ? null : (good * 100) / (good + bad) >= w.objective,
    errorBudgetUsed: w.objective === undefined || good + bad === 0 ? null : Math.round((bad / ((good + bad) * (1 - w.objective / 100))) * 100 * 100) / 100,
    p95DurationMs: p95 === null ? null : Math.round(p95 * 10) / 10,
    incidents: w.id === 'checkout' ? 3 : 0,
    alertOpenSeconds: w.id === 'checkout' ? (30 + 180 + 10) * 60 : 0,
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

async function report(query: string): Promise<Response> {
  return sidecar.api(`/api/v1/reports/sla?${query}`);
}

/** RFC 4180, as a spreadsheet reads it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 1;
    } else {
      field += c;
    }
  }
  return rows;
}

const cell = (v: unknown) => (v === null || v === undefined ? '' : String(v));

describe('GET /api/v1/reports/sla', () => {
  it('gives per-workflow counts, uptime, objective, budget, p95, incidents and alert time equal to a raw-row computation over partial hours and days', async () => {
    const response = await report(`from=${iso(FROM)}&to=${iso(TO)}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as any;
    expect(body.from).toBe(iso(FROM));
    expect(body.to).toBe(iso(TO));
    const expected = [...WORKFLOWS].sort((a, b) => a.id.localeCompare(b.id)).map(expectedRow);
    expect(body.workflows).toEqual(expected);
    // The generated data makes each case real: failures, missed slots, an SLO met and one missed.
    expect(expected.find((r) => r.workflowId === 'checkout')).toMatchObject({ missed: 5, met: false });
    expect(expected.find((r) => r.workflowId === 'search')).toMatchObject({ failed: 1, met: false });
    expect(expected.find((r) => r.workflowId === 'legacy')).toMatchObject({ missed: 2, objective: null, met: null, errorBudgetUsed: null });
    expect(expected.find((r) => r.workflowId === 'idle')).toMatchObject({ executions: 0, uptime: null, met: null });
    const good = expected.reduce((n, r) => n + r.good, 0);
    const bad = expected.reduce((n, r) => n + r.bad, 0);
    expect(body.summary).toMatchObject({
      workflows: 4,
      executions: expected.reduce((n, r) => n + r.executions, 0),
      good,
      bad,
      missed: 7,
      uptime: Math.round(((good * 100) / (good + bad)) * 1000) / 1000,
      objectivesMet: 0,
      objectivesMissed: 2,
      incidents: 3,
      alertOpenSeconds: 13_200,
    });
  });

  it('meets an objective the uptime reaches and filters by workflowIds and labels', async () => {
    const byIds = (await (await report(`from=${iso(FROM)}&to=${iso(TO)}&workflowIds=search,legacy`)).json()) as any;
    expect(byIds.workflows.map((w: any) => w.workflowId)).toEqual(['legacy', 'search']);
    const byLabel = (await (await report(`from=${iso(FROM)}&to=${iso(TO)}&labels=team=payments`)).json()) as any;
    expect(byLabel.workflows.map((w: any) => w.workflowId)).toEqual(['checkout', 'legacy']);
    // A period between two of checkout's failures, after its missed slots: its 99.5 % objective is met.
    const failures = runs.filter((r) => r.workflowId === 'checkout' && r.status === 'failed' && r.startedAt > FROM + 5 * HOUR && r.startedAt < TO).map((r) => r.startedAt);
    const [quietFrom, quietTo] = [failures[0]! + MINUTE, failures[1]! - MINUTE];
    const quiet = (await (await report(`from=${iso(quietFrom)}&to=${iso(quietTo)}&workflowIds=checkout`)).json()) as any;
    const row = quiet.workflows[0];
    expect(row.bad).toBe(0);
    expect(row).toMatchObject({ uptime: 100, met: true, errorBudgetUsed: 0 });
  });

  it('writes CSV (text/csv, attachment) whose rows equal the JSON report, summary row included, with formula cells neutralised', async () => {
    const query = `from=${iso(FROM)}&to=${iso(TO)}`;
    const json = (await (await report(query)).json()) as any;
    const response = await report(`${query}&format=csv`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="sla-report_${iso(FROM).slice(0, 16).replace(':', '')}_${iso(TO).slice(0, 16).replace(':', '')}.csv"`);
    const rows = parseCsv(await response.text());
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const neutral = (name: string) => (/^[=+\-@]/.test(name) ? `'${name}` : name);
    expect(rows.slice(1, -1)).toEqual(
      json.workflows.map((w: any) => [w.workflowId, neutral(w.name), w.executions, w.good, w.bad, w.failed, w.missed, w.uptime, w.objective, w.met, w.errorBudgetUsed, w.p95DurationMs, w.incidents, w.alertOpenSeconds].map(cell))
    );
    const s = json.summary;
    expect(rows.at(-1)).toEqual(['', SUMMARY_NAME, s.executions, s.good, s.bad, s.failed, s.missed, s.uptime, '', `${s.objectivesMet} of ${s.objectivesMet + s.objectivesMissed}`, '', s.p95DurationMs, s.incidents, s.alertOpenSeconds].map(cell));
    expect(rows.find((r) => r[0] === 'legacy')![1]).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(rows.find((r) => r[0] === 'idle')![1]).toBe(`'@idle`);
    expect(rows.find((r) => r[0] === 'search')![1]).toBe('Search, "quoted"');
  });

  it('renders a PDF (application/pdf) with title, period, the table paginated over 200+ workflows and the daily chart, holding each workflow id and its uptime', async () => {
    const { pool } = sidecar.db;
    const many: Workflow[] = Array.from({ length: 230 }, (_, k) => ({ id: `bulk-${String(k).padStart(3, '0')}`, name: `Bulk workflow ${k}`, objective: 99, labels: { fleet: 'bulk' } }));
    await insertWorkflows(pool, many);
    const bulkRuns: Run[] = many.flatMap((w, k) =>
      Array.from({ length: 12 }, (_, n) => ({ workflowId: w.id, status: n < k % 4 ? ('failed' as const) : ('success' as const), startedAt: D + n * 2 * HOUR + k * 1000, durationMs: 100 + n }))
    );
    await insertRuns(pool, bulkRuns);
    const from = D - DAY;
    const to = D + 2 * DAY;
    const json = (await (await report(`from=${iso(from)}&to=${iso(to)}&labels=fleet=bulk`)).json()) as any;
    const response = await report(`from=${iso(from)}&to=${iso(to)}&labels=fleet=bulk&format=pdf`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="sla-report_${iso(from).slice(0, 10)}_${iso(to).slice(0, 10)}.pdf"`);
    const pdf = Buffer.from(await response.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const { pages, text } = await pdfText(pdf);
    expect(text).toContain('SLA report');
    expect(text).toContain(`Period: ${iso(from).slice(0, 10)} 00:00 to ${iso(to).slice(0, 10)} 00:00 UTC`);
    expect(text).toContain('Daily uptime per workflow');
    // 230 table rows need several pages, and the chart more.
    expect(pages).toBeGreaterThanOrEqual(8);
    const lines = text.split('\n');
    const missing = json.workflows.filter((w: any) => !lines.some((line) => line.includes(w.workflowId) && line.includes(w.uptime.toFixed(3))));
    expect(missing).toEqual([]);
    expect(json.workflows).toHaveLength(230);
    expect(new Set(json.workflows.map((w: any) => w.uptime))).toEqual(new Set([100, 91.667, 83.333, 75]));
  });

  it('refuses a PDF over more than 2000 workflows with a 400 naming query.format, and gives the CSV of the same scope', async () => {
    await sidecar.db.pool.query(
      `INSERT INTO workflows (id, name, source, definition, labels, mode, push_expected_ms, push_grace_ms)
       SELECT 'huge-' || g, 'Huge ' || g, 'api', '{}', '{"fleet":"huge"}', 'push', 3600000, 60000 FROM generate_series(1, 2001) g`
    );
    const query = `from=${iso(FROM)}&to=${iso(TO)}&labels=fleet=huge`;
    const details = ((await (await report(`${query}&format=pdf`)).json()) as any).error.details;
    expect(details).toEqual([{ path: 'query.format', message: expect.stringContaining('at most 2000 workflows (this report has 2001)') }]);
    const csv = await report(`${query}&format=csv`);
    expect(csv.status).toBe(200);
    expect((await csv.text()).trim().split('\r\n')).toHaveLength(2003);
  });

  it.each([
    ['from=yesterday&to=2026-01-01T00:00:00Z', 'query.from', 'yesterday'],
    ['from=2024-01-01T00:00:00Z&to=2024-02-30T00:00:00Z', 'query.to', '2024-02-30'],
    ['to=2024-01-01T00:00:00Z', 'query.from', 'is required'],
    ['from=2024-01-02T00:00:00Z&to=2024-01-01T00:00:00Z', 'query.from', 'must be before to'],
    ['from=2024-01-01T00:00:00Z&to=2025-03-01T00:00:00Z', 'query.to', 'at most 400 days'],
    ['from=2024-01-01T00:00:00Z&to=2024-01-02T00:00:00Z&format=xlsx', 'query.format', 'json, csv, pdf'],
    ['from=2024-01-01T00:00:00Z&to=2024-01-02T00:00:00Z&labels=noequals', 'query.labels', 'key=value'],
  ])('answers %s with a 400 naming %s', async (query, path, message) => {
    const response = await report(query);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; details: Array<{ path: string; message: string }> } };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details).toContainEqual({ path, message: expect.stringContaining(message) });
  });
});
