import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from '../../src/db/pool';
import { MIGRATIONS_DIR } from '../../src/db/migrate';
import { runWorkflow } from '../../src/executor/runWorkflow';
import { executionRows } from '../../src/store/recordExecution';
import { BreakerRegistry } from '../../src/retry/breakerRegistry';
import { loadWorkflowFile } from '../../src/workflows/loadWorkflowFiles';
import { workflowsFeature } from '../../src/app/features/workflows';
import { TEST_READONLY_TOKEN, startTestSidecar, type TestSidecar } from '../support/startTestSidecar';
import { eventually, startTargetServer, type TargetServer } from '../support/targetServer';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

/**
 * Issue 15, "nothing secret stored or shown": what a target answers and what the sidecar's
 * environment holds never reach the database (every column of every table is searched) or the API,
 * except at most 200 characters of a failed assertion's value.
 */
jest.setTimeout(180_000);

const TOKEN = `s3cr3t-${crypto.randomBytes(8).toString('hex')}`;
const SECRET = `env-secret-${crypto.randomBytes(8).toString('hex')}`;
const ENV_NAMES = ['X_SECRET', 'X_TEAM', 'WM_TEST_TARGET'] as const;

let target: TargetServer;
let sidecar: TestSidecar;
let dir: string;
const savedEnv: Record<string, string | undefined> = {};
const seen: Array<{ path: string; authorization?: string; literal?: string; query: string }> = [];

/** Table names and how many rows of each hold `needle` anywhere (the row as text covers every column). */
async function tablesContaining(pool: Pool, needle: string): Promise<Record<string, number>> {
  const { rows: tables } = await pool.query<{ name: string }>(
    `SELECT format('%I', table_name) AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`
  );
  expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['executions', 'execution_steps', 'step_attempts', 'workflows']));
  const found: Record<string, number> = {};
  for (const { name } of tables) {
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name} t WHERE strpos(t::text, $1) > 0`, [needle]);
    if (rows[0]!.n > 0) {
      found[name] = rows[0]!.n;
    }
  }
  return found;
}

/** Queues a run and returns the recorded execution's detail as the API serves it. */
async function runAndFetch(id: string): Promise<{ detail: any; text: string }> {
  const run = await sidecar.api(`/api/v1/workflows/${id}/run`, { method: 'POST' });
  expect(run.status).toBe(202);
  const { runId } = (await run.json()) as { runId: number };
  const execution = await eventually(async () => {
    const page = (await (await sidecar.api(`/api/v1/workflows/${id}/executions`)).json()) as any;
    return page.executions.find((e: any) => e.runId === runId);
  }, 60_000);
  const response = await sidecar.api(`/api/v1/executions/${execution.id}`);
  const text = await response.text();
  return { detail: JSON.parse(text), text };
}

beforeAll(async () => {
  target = await startTargetServer((req, res) => {
    const [p, query = ''] = (req.url ?? '/').split('?') as [string, string?];
    seen.push({ path: p, authorization: req.headers.authorization, literal: req.headers['x-literal'] as string | undefined, query });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
      return true;
    };
    if (p === '/login') {
      return json(200, { token: TOKEN, user: 'demo' });
    }
    if (p === '/smuggle') {
      return json(200, { token: '${X_SECRET}' });
    }
    if (p === '/echo') {
      return json(200, { seen: req.headers.authorization ?? null });
    }
    if (p === '/long') {
      return json(200, { long: 'x'.repeat(5000), obj: { a: 'y'.repeat(500) }, n: 7, emoji: `${'e'.repeat(198)}😀😀` });
    }
    return undefined;
  });
  for (const name of ENV_NAMES) {
    savedEnv[name] = process.env[name];
  }
  // The file sync and the executor read the sidecar's own environment: the in-process sidecar's is ours.
  process.env.X_SECRET = SECRET;
  process.env.X_TEAM = 'payments';
  process.env.WM_TEST_TARGET = target.url;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-secrets-'));
  fs.writeFileSync(
    path.join(dir, 'file-secret.yaml'),
    [
      'id: file-secret',
      'name: A secret from the environment',
      'schedule: { every: 1h }',
      'labels: { team: "${X_TEAM}" }',
      'steps:',
      '  - name: call',
      '    request:',
      '      url: "${WM_TEST_TARGET}/secured"',
      '      headers: { Authorization: "Bearer ${X_SECRET}", X-Literal: "$${X_SECRET}" }',
      '      query: { key: "${X_SECRET}" }',
      '    assert: ["status == 200"]',
      '  - name: echo',
      '    request: { url: "${WM_TEST_TARGET}/echo", headers: { Authorization: "Bearer ${X_SECRET}" } }',
      '    assert: [\'body.seen == "nope"\']',
      '',
    ].join('\n')
  );
  fs.writeFileSync(
    path.join(dir, 'file-smuggle.yaml'),
    [
      'id: file-smuggle',
      'name: A response cannot name the environment',
      'schedule: { every: 1h }',
      'steps:',
      '  - name: login',
      '    request: { url: "${WM_TEST_TARGET}/smuggle" }',
      '    extract: { token: body.token }',
      '  - name: use',
      '    request: { url: "${WM_TEST_TARGET}/smuggled", headers: { Authorization: "Bearer {{token}}" } }',
      '',
    ].join('\n')
  );
  sidecar = await startTestSidecar({ features: [workflowsFeature], env: { SCHEDULER: 'true', SCHEDULER_POLL_INTERVAL: '50ms', WORKFLOWS_DIR: dir } });
});

afterAll(async () => {
  await sidecar?.stop();
  await target?.close();
  for (const name of ENV_NAMES) {
    if (savedEnv[name] === undefined) {
      delete process.env[name];
    } else {
      process.env[name] = savedEnv[name];
    }
  }
  if (dir) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('stored executions keep no response values', () => {
  it('`body.token exists` and `body exists` store nothing of the response; an extracted token is stored nowhere, not even where a later step echoes it', async () => {
    const created = await sidecar.api('/api/v1/workflows', {
      method: 'POST',
      json: {
        id: 'token-checks',
        name: 'Token checks',
        schedule: { every: '1h' },
        steps: [
          { name: 'login', request: { url: `${target.url}/login` }, assert: ['status == 200', 'body.token exists', 'body exists', 'body.user == "demo"'], extract: { token: 'body.token' } },
          { name: 'use', request: { url: `${target.url}/echo?t={{token}}`, headers: { Authorization: 'Bearer {{token}}' } }, assert: ['body.seen not exists', 'body.seen == "nope"'] },
        ],
      },
    });
    expect(created.status).toBe(201);
    const { detail, text } = await runAndFetch('token-checks');
    expect(seen.some((s) => s.path === '/echo' && s.authorization === `Bearer ${TOKEN}`)).toBe(true);

    const [login, use] = detail.steps;
    expect(login).toMatchObject({ status: 'passed', extracted: ['token'] });
    for (const assertion of login.assertions) {
      expect(assertion.passed).toBe(true);
      expect(assertion).not.toHaveProperty('actual');
    }
    expect(use.status).toBe('failed');
    const [notExists, equals] = use.assertions;
    expect(notExists).toEqual({ assertion: 'body.seen not exists', passed: false, message: 'assertion "body.seen not exists" failed: expected body.seen not to exist, got a string' });
    expect(equals).toMatchObject({ passed: false, actual: 'Bearer {{token}}' });

    expect(text).not.toContain(TOKEN);
    expect(await tablesContaining(sidecar.db.pool, TOKEN)).toEqual({});
  });

  it('a failed assertion stores at most 200 characters of its value: strings cut, longer values as their cut JSON text, short ones as they are', async () => {
    await sidecar.api('/api/v1/workflows', {
      method: 'POST',
      json: {
        id: 'long-values',
        name: 'Long values',
        schedule: { every: '1h' },
        steps: [{ name: 'long', request: { url: `${target.url}/long` }, assert: ['body.long == "short"', 'body.obj == 1', 'body.n == 8', 'body == "whole"', 'body.emoji == "x"'] }],
      },
    });
    const { detail } = await runAndFetch('long-values');
    const [long, obj, n, whole, emoji] = detail.steps[0].assertions;
    expect(long.actual).toBe(`${'x'.repeat(199)}…`);
    expect(obj.actual).toBe(`{"a":"${'y'.repeat(193)}…`);
    expect(obj.actual).toHaveLength(200);
    expect(n.actual).toBe(7);
    expect(whole.actual).toHaveLength(200);
    expect(whole.actual.startsWith('{"long":"xxx')).toBe(true);
    // Cut before a surrogate pair, never through it (PostgreSQL refuses half a pair).
    expect(emoji.actual).toBe(`${'e'.repeat(198)}…`);
    for (const a of detail.steps[0].assertions) {
      expect(a.message.length).toBeLessThan(400);
    }
    const { rows } = await sidecar.db.pool.query<{ longest: number }>(
      `SELECT max(length(a ->> 'actual'))::int AS longest FROM execution_steps s, jsonb_array_elements(s.assertions) a WHERE s.name = 'long'`
    );
    expect(rows[0]!.longest).toBe(200);
  });
});

describe('${NAME} in workflow files', () => {
  it('a header with ${X_SECRET} reaches the target resolved, GET /api/v1/workflows/{id} shows ${X_SECRET}, and the value is stored nowhere', async () => {
    const workflow = (await (await sidecar.api('/api/v1/workflows/file-secret', { token: TEST_READONLY_TOKEN })).json()) as any;
    expect(workflow.source).toBe('file');
    expect(workflow.labels).toEqual({ team: 'payments' });
    expect(workflow.definition.labels).toEqual({ team: 'payments' });
    expect(workflow.definition.steps[0].request).toEqual({
      url: '${WM_TEST_TARGET}/secured',
      headers: { Authorization: 'Bearer ${X_SECRET}', 'X-Literal': '$${X_SECRET}' },
      query: { key: '${X_SECRET}' },
    });
    expect(JSON.stringify(workflow)).not.toContain(SECRET);

    const { detail, text } = await runAndFetch('file-secret');
    const secured = seen.filter((s) => s.path === '/secured').at(-1)!;
    expect(secured.authorization).toBe(`Bearer ${SECRET}`);
    expect(secured.query).toBe(`key=${SECRET}`);
    expect(secured.literal).toBe('${X_SECRET}');
    // The target echoed the header into a failed assertion: shown as written.
    expect(detail.steps[1].assertions[0]).toMatchObject({ passed: false, actual: 'Bearer ${X_SECRET}' });
    expect(text).not.toContain(SECRET);
    expect(await tablesContaining(sidecar.db.pool, SECRET)).toEqual({});
  });

  it('a value extracted from a response is never resolved against the environment', async () => {
    await runAndFetch('file-smuggle');
    expect(seen.filter((s) => s.path === '/smuggled').at(-1)!.authorization).toBe('Bearer ${X_SECRET}');
  });

  it('a workflow created over the API sends ${X_SECRET} as written', async () => {
    const created = await sidecar.api('/api/v1/workflows', {
      method: 'POST',
      json: { id: 'api-literal', name: 'API literal', schedule: { every: '1h' }, steps: [{ name: 'call', request: { url: `${target.url}/literal`, headers: { Authorization: 'Bearer ${X_SECRET}' } } }] },
    });
    expect(created.status).toBe(201);
    const { detail } = await runAndFetch('api-literal');
    expect(detail.status).toBe('success');
    expect(seen.filter((s) => s.path === '/literal').at(-1)!.authorization).toBe('Bearer ${X_SECRET}');
  });

  it('an error message that quotes the resolved URL shows it as written', async () => {
    const file = path.join(dir, 'refused.yml.txt');
    fs.writeFileSync(file, 'id: refused\nname: R\nschedule: { every: 1h }\nretry: { maxAttempts: 1 }\nsteps:\n  - name: s\n    request: { url: "http://127.0.0.1:9/?token=${X_SECRET}" }\n');
    const [loaded] = (await loadWorkflowFile(file, process.env)).workflows;
    const result = await runWorkflow(loaded!.definition, {
      trigger: 'manual',
      breakers: new BreakerRegistry(),
      env: process.env,
      // Some clients quote the whole URL in their errors; undici's own name only the address.
      send: async (url) => {
        throw Object.assign(new Error(`connect ECONNREFUSED ${url.href}`), { code: 'ECONNREFUSED' });
      },
    });
    expect(result.steps[0]).toMatchObject({ status: 'failed', errorType: 'network', errorMessage: 'connect ECONNREFUSED http://127.0.0.1:9/?token=${X_SECRET}' });
    expect(result.steps[0]!.attempts[0]).toMatchObject({ errorMessage: 'connect ECONNREFUSED http://127.0.0.1:9/?token=${X_SECRET}', startedAt: expect.any(Date) });
    // What the recorder reads: an attempt without its start time made the whole batch fail to store.
    expect(() => executionRows(result)).not.toThrow();
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  it('a missing variable in a request is a load error naming the file, the path and the variable', async () => {
    const file = path.join(dir, 'missing.yml.txt');
    fs.writeFileSync(file, 'id: m\nname: M\nschedule: { every: 1h }\nsteps:\n  - name: s\n    request:\n      url: "http://127.0.0.1:9/"\n      headers: { Authorization: "Bearer ${X_NOT_SET_ANYWHERE}" }\n');
    const loaded = await loadWorkflowFile(file, { X_SECRET: SECRET });
    expect(loaded.workflows).toEqual([]);
    expect(loaded.errors).toEqual([
      { file, path: 'steps[0].request.headers.Authorization', message: 'environment variable ${X_NOT_SET_ANYWHERE} is not set and has no default (use ${X_NOT_SET_ANYWHERE:-default})' },
    ]);
  });
});

describe('migration 0025', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('scrubs values stored by earlier versions, and running it again changes nothing', async () => {
    const sql = fs.readFileSync(path.join(MIGRATIONS_DIR, '0025_no_stored_response_values.sql'), 'utf8');
    const oldPresence = `assertion "body.token not exists" failed: expected body.token not to exist, got "${TOKEN}"`;
    const oldObject = `assertion "body.auth not exists" failed: expected body.auth not to exist, got {"token":"${TOKEN}"}`;
    const { rows } = await db.pool.query<{ id: number }>(
      `INSERT INTO executions (workflow_id, trigger, status, started_at, finished_at, duration_ms, error_message)
       VALUES ('old', 'schedule', 'failed', now(), now(), 5, $1) RETURNING id`,
      [`login: ${oldPresence}`]
    );
    const executionId = rows[0]!.id;
    const assertions = [
      { assertion: 'status == 200', passed: true, expected: 200, actual: 200 },
      { assertion: 'body.token exists', passed: true, actual: TOKEN },
      { assertion: 'body exists', passed: true, actual: `{"token":"${TOKEN}","pad":"${'p'.repeat(100_000)}"}` },
      { assertion: 'body.token not exists', passed: false, actual: TOKEN, message: oldPresence },
      { assertion: 'body.auth not exists', passed: false, actual: { token: TOKEN }, message: oldObject },
      { assertion: 'body.long == "x"', passed: false, expected: 'x', actual: `${'l'.repeat(200)}…`, message: 'assertion "body.long == "x"" failed: expected body.long == "x", got "lll"' },
      { assertion: 'body.obj == 1', passed: false, expected: 1, actual: { a: 'o'.repeat(300) } },
      { assertion: 'body.n == 8', passed: false, expected: 8, actual: 7 },
      { assertion: 'body.token exists', passed: false, message: 'assertion "body.token exists" failed: expected body.token to exist, got undefined' },
    ];
    await db.pool.query(
      `INSERT INTO execution_steps (execution_id, position, name, status, started_at, duration_ms, error_message, assertions, extracted)
       VALUES ($1, 0, 'login', 'failed', now(), 5, $2, $3, '["token"]'), ($1, 1, 'clean', 'passed', now(), 5, NULL, '[]', '[]')`,
      [executionId, oldPresence, JSON.stringify(assertions)]
    );
    const { rows: alerts } = await db.pool.query<{ id: number }>(
      `INSERT INTO alerts (fingerprint, rule_id, workflow_id, severity, state, title, message)
       VALUES ('f', 'r', 'old', 'error', 'active', 't', $1) RETURNING id`,
      [`3 consecutive failures (latest: login: ${oldObject}); fires at 3`]
    );
    await db.pool.query(`INSERT INTO alert_events (alert_id, type, actor, comment) VALUES ($1, 'opened', 'system', $2)`, [alerts[0]!.id, `latest execution's error matches /token/: login: ${oldPresence}`]);
    await db.pool.query(`INSERT INTO notifications (alert_id, channel_id, kind, idempotency_key, payload, state) VALUES ($1, 'c', 'firing', 'k', $2, 'delivered')`, [
      alerts[0]!.id,
      JSON.stringify({ kind: 'firing', alert: { id: alerts[0]!.id, message: `3 consecutive failures (latest: login: ${oldPresence}); fires at 3` } }),
    ]);

    await db.pool.query(sql);

    const step = (await db.pool.query(`SELECT assertions, error_message FROM execution_steps WHERE execution_id = $1 AND position = 0`, [executionId])).rows[0];
    expect(step.assertions).toEqual([
      { assertion: 'status == 200', passed: true, expected: 200 },
      { assertion: 'body.token exists', passed: true },
      { assertion: 'body exists', passed: true },
      { assertion: 'body.token not exists', passed: false, message: 'assertion "body.token not exists" failed: expected body.token not to exist, got a value' },
      { assertion: 'body.auth not exists', passed: false, message: 'assertion "body.auth not exists" failed: expected body.auth not to exist, got a value' },
      { ...assertions[5], actual: `${'l'.repeat(199)}…` },
      { ...assertions[6], actual: `{"a": "${'o'.repeat(192)}…` },
      assertions[7],
      assertions[8],
    ]);
    expect(step.error_message).toBe('assertion "body.token not exists" failed: expected body.token not to exist, got a value');
    const execution = (await db.pool.query(`SELECT error_message FROM executions WHERE id = $1`, [executionId])).rows[0];
    expect(execution.error_message).toBe('login: assertion "body.token not exists" failed: expected body.token not to exist, got a value');
    const alert = (await db.pool.query(`SELECT message FROM alerts WHERE id = $1`, [alerts[0]!.id])).rows[0];
    expect(alert.message).toBe('3 consecutive failures (latest: login: assertion "body.auth not exists" failed: expected body.auth not to exist, got a value); fires at 3');
    const notification = (await db.pool.query(`SELECT payload FROM notifications WHERE idempotency_key = 'k'`)).rows[0];
    expect(notification.payload.alert.message).toBe('3 consecutive failures (latest: login: assertion "body.token not exists" failed: expected body.token not to exist, got a value); fires at 3');
    expect(await tablesContaining(db.pool, TOKEN)).toEqual({});

    const snapshot = async () => (await db.pool.query(`SELECT (SELECT json_agg(s ORDER BY position) FROM execution_steps s) AS steps, (SELECT json_agg(e) FROM executions e) AS executions, (SELECT json_agg(a) FROM alerts a) AS alerts`)).rows[0];
    const before = await snapshot();
    const updated = await db.pool.query(sql);
    expect(await snapshot()).toEqual(before);
    // Every UPDATE of the second run found nothing to change.
    const counts = (Array.isArray(updated) ? updated : [updated]).filter((r: { command: string }) => r.command === 'UPDATE').map((r: { rowCount: number }) => r.rowCount);
    expect(counts).toEqual([0, 0, 0, 0, 0]);
  });
});
