import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { FEATURES } from '../../src/app/features/index';
import { pdfText } from '../support/pdfText';
import { metricSum, scrapeMetrics } from '../support/prometheusText';
import { startReceiver, type ReceiverServer } from '../support/receiverServer';
import { freePort } from '../support/sidecarProcess';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';
import { eventually } from '../support/targetServer';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

jest.setTimeout(240_000);

const HOUR = 3_600_000;
const DAY = 86_400_000;

let db: TestDatabase;
let dir: string;
let smtp: SMTPServer;
let receiver: ReceiverServer;
const mails: ParsedMail[] = [];
/** Two replicas on one database, both checking report schedules every 200 ms. */
let replicas: TestSidecar[] = [];

const FILE_SCHEDULES = `
reports:
  - id: file-weekly
    name: File weekly
    schedule: { period: weekly, cron: "0 8 1 1 *", timezone: Europe/Berlin }
    format: csv
    channels: [file-mail]
  - id: file-broken
    name: Broken
    schedule: { period: monthly, timezone: Mars/Olympus_Mons }
    channels: [file-mail]
channels:
  - id: file-mail
    name: File mail
    type: email
    config: { host: 127.0.0.1, port: 25, from: monitor@example.test, to: [files@example.test] }
`;

beforeAll(async () => {
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        mails.push(mail);
        callback();
      }, callback);
    },
  });
  const smtpPort = await freePort();
  await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', resolve));
  receiver = await startReceiver();
  db = await createTestDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-reports-'));
  fs.mkdirSync(path.join(dir, 'alerting'));
  fs.writeFileSync(path.join(dir, 'alerting', 'reports.yaml'), FILE_SCHEDULES);
  const env = (worker: string) => ({ WORKFLOWS_DIR: dir, WORKER_ID: worker, REPORT_SCHEDULE_INTERVAL: '200ms', NOTIFY_POLL_INTERVAL: '100ms', ALERT_EVAL_INTERVAL: '1h' });
  // One after the other: both sync the same alerting files at start.
  replicas.push(await startTestSidecar({ db, features: FEATURES, env: env('replica-a') }));
  replicas.push(await startTestSidecar({ db, features: FEATURES, env: env('replica-b') }));
  const [a] = replicas;
  for (const channel of [
    { id: 'ops-mail', name: 'Ops mail', type: 'email', config: { host: '127.0.0.1', port: smtpPort, secure: false, from: 'monitor@example.test', to: ['sla@example.test'] } },
    { id: 'ops-hook', name: 'Ops hook', type: 'webhook', config: { url: `${receiver.url}/reports` } },
    { id: 'chat', name: 'Chat', type: 'slack', config: { url: `${receiver.url}/slack` } },
  ]) {
    expect((await a!.api('/api/v1/channels', { method: 'POST', json: channel })).status).toBe(201);
  }
});

afterAll(async () => {
  for (const replica of replicas) {
    await replica.stop();
  }
  await db?.drop();
  await receiver?.close();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  fs.rmSync(dir, { recursive: true, force: true });
});

const schedule = (overrides: Record<string, unknown> = {}) => ({
  id: 'weekly-sla',
  name: 'Weekly SLA',
  schedule: { period: 'weekly', cron: '0 8 * * 1', timezone: 'Europe/Berlin' },
  scope: { labels: { team: 'payments' } },
  format: 'pdf',
  channels: ['ops-mail'],
  ...overrides,
});

async function problems(response: Response): Promise<Array<{ path: string; message: string }>> {
  expect(response.status).toBe(400);
  return ((await response.json()) as { error: { details: Array<{ path: string; message: string }> } }).error.details;
}

describe('report schedules over the API', () => {
  it.each([
    ['a cron expression that does not parse', { schedule: { period: 'weekly', cron: '0 25 * * 1' } }, 'schedule.cron', '0 25 * * 1'],
    ['a cron expression with seconds', { schedule: { period: 'weekly', cron: '*/5 * * * * *' } }, 'schedule.cron', 'five-field'],
    ['a time zone that does not exist', { schedule: { period: 'weekly', timezone: 'Europe/Atlantis' } }, 'schedule.timezone', 'Europe/Atlantis'],
    ['a period other than weekly or monthly', { schedule: { period: 'daily' } }, 'schedule.period', 'weekly, monthly'],
    ['a format other than pdf or csv', { format: 'xlsx' }, 'format', 'pdf, csv'],
    ['no channel', { channels: [] }, 'channels', 'at least one channel'],
    ['a channel that does not exist', { channels: ['ops-mail', 'nobody'] }, 'channels[1]', '"nobody" does not exist'],
    ['a channel that cannot carry a report', { channels: ['chat'] }, 'channels[0]', 'slack channel'],
  ])('refuses %s with a 400 naming the field', async (_what, overrides, field, message) => {
    const details = await problems(await replicas[0]!.api('/api/v1/report-schedules', { method: 'POST', json: schedule(overrides) }));
    expect(details).toContainEqual({ path: field, message: expect.stringContaining(message) });
  });

  it('creates, reads, replaces and deletes a schedule, with its next run in its time zone', async () => {
    const api = replicas[0]!.api;
    const created = await api('/api/v1/report-schedules', { method: 'POST', json: schedule({ id: 'crud', schedule: { period: 'monthly', timezone: 'America/New_York' } }) });
    expect(created.status).toBe(201);
    const body = (await created.json()) as any;
    expect(body).toMatchObject({ id: 'crud', enabled: true, schedule: { period: 'monthly', cron: '0 8 1 * *', timezone: 'America/New_York' }, format: 'pdf', source: 'api', version: 1, lastRun: null });
    // The 1st of a month at 08:00 in New York: 12:00 or 13:00 UTC.
    expect(new Date(body.nextRunAt).getUTCDate()).toBe(1);
    expect([12, 13]).toContain(new Date(body.nextRunAt).getUTCHours());
    expect((await api('/api/v1/report-schedules', { method: 'POST', json: schedule({ id: 'crud' }) })).status).toBe(409);
    const replaced = await api('/api/v1/report-schedules/crud', { method: 'PUT', json: schedule({ id: 'crud', enabled: false, format: 'csv' }) });
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toMatchObject({ version: 2, enabled: false, format: 'csv', nextRunAt: null });
    const listed = (await (await api('/api/v1/report-schedules')).json()) as any;
    expect(listed.schedules.map((s: any) => s.id)).toEqual(expect.arrayContaining(['crud', 'file-weekly']));
    expect((await api('/api/v1/report-schedules/crud', { method: 'DELETE' })).status).toBe(204);
    expect((await api('/api/v1/report-schedules/crud')).status).toBe(404);
  });

  it('loads schedules from alerting/*.yaml `reports:` read-only over the API, and reports a bad entry with its file and path', async () => {
    const api = replicas[0]!.api;
    const fromFile = (await (await api('/api/v1/report-schedules/file-weekly')).json()) as any;
    expect(fromFile).toMatchObject({ source: 'file', sourceFile: path.join(dir, 'alerting', 'reports.yaml'), format: 'csv', schedule: { period: 'weekly', cron: '0 8 1 1 *', timezone: 'Europe/Berlin' } });
    const put = await api('/api/v1/report-schedules/file-weekly', { method: 'PUT', json: schedule({ id: 'file-weekly' }) });
    expect(put.status).toBe(409);
    expect(((await put.json()) as any).error.code).toBe('file_managed');
    expect((await api('/api/v1/report-schedules/file-weekly', { method: 'DELETE' })).status).toBe(409);
    const { loadErrors } = (await (await api('/api/v1/alerting/load-errors')).json()) as { loadErrors: Array<{ file: string; path: string; message: string }> };
    expect(loadErrors).toContainEqual({ file: path.join(dir, 'alerting', 'reports.yaml'), path: 'reports[1].schedule.timezone', message: expect.stringContaining('Mars/Olympus_Mons') });
    expect((await api('/api/v1/report-schedules/file-broken')).status).toBe(404);
  });
});

/** The hour of day, weekday and date of an instant on the wall clock of a time zone. */
function wallClock(ms: number, timeZone: string) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(ms)).map((p) => [p.type, p.value])
  );
  return { weekday: parts.weekday, time: `${parts.hour}:${parts.minute}` };
}

describe('a scheduled report with two replicas on one database', () => {
  it('is e-mailed once per period with the PDF attached and posted once to the webhook, however many passes both replicas make', async () => {
    const [a, b] = replicas as [TestSidecar, TestSidecar];
    const { pool } = db;
    await pool.query(
      `INSERT INTO workflows (id, name, source, definition, labels, mode, push_expected_ms, push_grace_ms) VALUES
         ('pay-api', 'Payments API', 'api', '{"id":"pay-api","slo":{"objective":99.5,"window":"30d"}}', '{"team":"payments"}', 'push', 3600000, 60000),
         ('pay-batch', 'Payments batch', 'api', '{"id":"pay-batch"}', '{"team":"payments"}', 'push', 3600000, 60000),
         ('other', 'Other team', 'api', '{"id":"other"}', '{"team":"other"}', 'push', 3600000, 60000)`
    );
    // Hourly runs over the last 15 days: the previous calendar week is full of them.
    await pool.query(
      `INSERT INTO executions (workflow_id, trigger, status, started_at, finished_at, duration_ms, attempts, retries)
       SELECT w, 'schedule', CASE WHEN w = 'pay-batch' AND g % 9 = 0 THEN 'failed' ELSE 'success' END, t, t, 120, 1, 0
         FROM unnest(ARRAY['pay-api', 'pay-batch', 'other']) AS w, generate_series(1, 360) AS g,
              LATERAL (SELECT now() - make_interval(hours => g)) AS x(t)`
    );
    const created = await a.api('/api/v1/report-schedules', { method: 'POST', json: schedule({ channels: ['ops-mail', 'ops-hook'], schedule: { period: 'weekly', cron: '* * * * *', timezone: 'Europe/Berlin' } }) });
    expect(created.status).toBe(201);
    // Its cron fires every minute; a fire before the schedule existed is not sent, so it is dated back.
    await pool.query(`UPDATE report_schedules SET created_at = now() - interval '2 hours' WHERE id = 'weekly-sla'`);

    await eventually(() => mails.length >= 1 && receiver.on('/reports').length >= 1, 60_000);
    // Both replicas keep looking, past the next time the cron fires: nothing more is sent for this period.
    const passes = async (r: TestSidecar) => metricSum(await scrapeMetrics(r.url), 'workflow_monitor_report_schedule_passes_total');
    const nextMinute = Math.ceil(Date.now() / 60_000) * 60_000;
    const before = await Promise.all([passes(a), passes(b)]);
    await eventually(async () => Date.now() > nextMinute + 1_000 && (await passes(a)) >= before[0] + 5 && (await passes(b)) >= before[1] + 5, 120_000, 200);
    // Deliveries already queued would have arrived by now: the outbox polls every 100 ms.
    await eventually(async () => (await pool.query(`SELECT 1 FROM notifications WHERE kind = 'report' AND state <> 'delivered'`)).rowCount === 0, 30_000);
    expect(mails).toHaveLength(1);
    expect(receiver.on('/reports')).toHaveLength(1);
    const runs = (await pool.query(`SELECT period_start, period_end, due_at, notifications FROM report_runs WHERE schedule_id = 'weekly-sla'`)).rows;
    expect(runs).toHaveLength(1);
    expect(runs[0].notifications).toBe(2);
    const queuedBy = metricSum(await scrapeMetrics(a.url), 'workflow_monitor_reports_queued_total') + metricSum(await scrapeMetrics(b.url), 'workflow_monitor_reports_queued_total');
    expect(queuedBy).toBe(1);

    // The period is the previous calendar week on Berlin's wall clock: Monday 00:00 to Monday 00:00.
    const start = (runs[0].period_start as Date).getTime();
    const end = (runs[0].period_end as Date).getTime();
    expect(wallClock(start, 'Europe/Berlin')).toEqual({ weekday: 'Mon', time: '00:00' });
    expect(wallClock(end, 'Europe/Berlin')).toEqual({ weekday: 'Mon', time: '00:00' });
    expect(Math.abs(end - start - 7 * DAY)).toBeLessThanOrEqual(HOUR);
    expect(end).toBeLessThanOrEqual(Date.now());
    expect(end).toBeGreaterThan(Date.now() - 7 * DAY);

    const hook = receiver.on('/reports')[0]!.json;
    expect(hook).toMatchObject({ kind: 'report', schedule: { id: 'weekly-sla', period: 'weekly', timezone: 'Europe/Berlin', format: 'pdf' }, report: { from: new Date(start).toISOString(), to: new Date(end).toISOString() } });
    expect(hook.path).toBe(`/api/v1/reports/sla?from=${encodeURIComponent(new Date(start).toISOString())}&to=${encodeURIComponent(new Date(end).toISOString())}&format=pdf&labels=team%3Dpayments`);
    expect(hook.report.workflows.map((w: any) => w.workflowId)).toEqual(['pay-api', 'pay-batch']);
    // The path renders the same report again.
    const again = (await (await a.api(hook.path.replace('format=pdf', 'format=json'))).json()) as any;
    expect(again.workflows).toEqual(hook.report.workflows);

    const mail = mails[0]!;
    expect(mail.subject).toBe(`[REPORT] Weekly SLA: ${hook.report.from.slice(0, 16).replace('T', ' ')} UTC to ${hook.report.to.slice(0, 16).replace('T', ' ')} UTC`);
    expect(mail.to).toMatchObject({ text: 'sla@example.test' });
    expect(mail.attachments).toHaveLength(1);
    const attachment = mail.attachments[0]!;
    expect(attachment.contentType).toBe('application/pdf');
    expect(attachment.filename).toMatch(/^sla-report_.+\.pdf$/);
    const { text } = await pdfText(attachment.content);
    expect(text).toContain('Weekly SLA');
    for (const w of hook.report.workflows) {
      expect(text.split('\n').some((line) => line.includes(w.workflowId) && line.includes(w.uptime.toFixed(3)))).toBe(true);
    }
    expect(text).not.toContain('Other team');
  });
});
