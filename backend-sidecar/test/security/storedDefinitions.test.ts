import { Writable } from 'node:stream';
import type { RuleInput } from '../../src/alerts/ruleSchema';
import { saveRule } from '../../src/alerts/ruleStore';
import { FEATURES } from '../../src/app/features/index';
import { createLogger } from '../../src/log/logger';
import { enqueueManualRun } from '../../src/scheduler/claimDueRuns';
import { upsertWorkflow } from '../../src/workflows/workflowStore';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';
import { startTargetServer, type TargetServer } from '../support/targetServer';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

/**
 * Definitions and rules stored before today's checks existed (a backreference in an assertion or
 * a pattern rule, a computed member key in a custom expression) are reported when the sidecar
 * starts, never silently dropped: the workflow is not scheduled and says why, the rule is disabled
 * with the reason, and each gets a log line. Saving a corrected one clears it.
 */
jest.setTimeout(180_000);

let target: TargetServer;
let db: TestDatabase;
let sidecar: TestSidecar;
const logLines: Array<{ level: number; msg: string }> = [];

const storedWorkflow = (id: string, assert: string[]) => ({
  id,
  name: id,
  schedule: { every: '1m' },
  steps: [{ name: 'ping', request: { url: `${target.url}/ping` }, assert }],
});

const storedRule = (id: string, condition: RuleInput['condition']): RuleInput =>
  ({ id, name: id, enabled: true, severity: 'info', scope: {}, condition, cooldown: 0, flapping: { window: 1_800_000, threshold: 6 }, channels: [] });

beforeAll(async () => {
  target = await startTargetServer();
  db = await createTestDatabase();
  // Written straight to the store, as a sidecar without today's checks would have.
  for (const [id, assert] of [['stored-backref', ['status == 200', 'body matches /(a)\\1/']], ['stored-fine', ['body matches /ok/']]] as const) {
    await upsertWorkflow(db.pool, { spec: { id, name: id, schedule: { every: 60_000 } }, definition: storedWorkflow(id, [...assert]), source: 'api' });
  }
  await enqueueManualRun(db.pool, 'stored-backref');
  await saveRule(db.pool, storedRule('stored-pattern', { type: 'pattern', regex: '(a)\\1', caseInsensitive: false, minMatches: 1 }), { source: 'api', mode: 'create' });
  await saveRule(db.pool, storedRule('stored-custom', { type: 'custom', expression: 'execution.workflowId["constr" + "uctor"]["na" + "me"] == "String"', window: 900_000 }), { source: 'api', mode: 'create' });
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        logLines.push(JSON.parse(line) as { level: number; msg: string });
      }
      done();
    },
  });
  sidecar = await startTestSidecar({
    db,
    features: FEATURES,
    log: createLogger({ level: 'info', format: 'json', destination }),
    env: { SCHEDULER: 'true', SCHEDULER_POLL_INTERVAL: '50ms', ALERT_EVAL_INTERVAL: '1h' },
  });
});

afterAll(async () => {
  await sidecar?.stop();
  await db?.drop();
  await target?.close();
});

const errorLogged = (text: string) => logLines.some((l) => l.level === 50 && l.msg.includes(text));

describe('stored definitions that fail today’s checks are reported on start', () => {
  it('a stored workflow asserting with a backreference is not scheduled; its GET says where and why; a log line names it', async () => {
    const workflow = (await (await sidecar.api('/api/v1/workflows/stored-backref')).json()) as Record<string, unknown>;
    expect(workflow).toMatchObject({
      loadError: { path: 'steps[0].assert[1]', message: expect.stringMatching(/backreferences such as \\1 are not supported/) },
      nextRunAt: null,
    });
    const { rows } = await db.pool.query(`SELECT kind, state FROM scheduled_runs WHERE workflow_id = 'stored-backref'`);
    expect(rows).toEqual([{ kind: 'manual', state: 'cancelled' }]);
    expect(errorLogged('stored workflow "stored-backref" is not scheduled: steps[0].assert[1]')).toBe(true);

    const run = await sidecar.api('/api/v1/workflows/stored-backref/run', { method: 'POST' });
    expect(run.status).toBe(409);
    expect(((await run.json()) as any).error).toMatchObject({ code: 'invalid_definition', message: expect.stringContaining('steps[0].assert[1]') });

    const fine = (await (await sidecar.api('/api/v1/workflows/stored-fine')).json()) as Record<string, unknown>;
    expect(fine.loadError).toBeUndefined();
    expect(fine.nextRunAt).toEqual(expect.any(String));
  });

  it('saving a corrected definition clears the load error and schedules the workflow again', async () => {
    const put = await sidecar.api('/api/v1/workflows/stored-backref', { method: 'PUT', json: storedWorkflow('stored-backref', ['status == 200', 'body matches /(a)a/']) });
    expect(put.status).toBe(200);
    const workflow = (await put.json()) as Record<string, unknown>;
    expect(workflow.loadError).toBeUndefined();
    expect(workflow.nextRunAt).toEqual(expect.any(String));
  });

  it('a stored pattern rule with a backreference and a custom rule computing a member name are disabled with the reason', async () => {
    const pattern = (await (await sidecar.api('/api/v1/rules/stored-pattern')).json()) as Record<string, unknown>;
    expect(pattern).toMatchObject({ enabled: false, disabledReason: expect.stringMatching(/^disabled on start: condition\.regex: .*backreferences such as \\1 are not supported/) });
    const custom = (await (await sidecar.api('/api/v1/rules/stored-custom')).json()) as Record<string, unknown>;
    expect(custom).toMatchObject({ enabled: false, disabledReason: expect.stringMatching(/^disabled on start: condition\.expression: .*needs a literal key/) });
    expect(errorLogged('alert rule "stored-pattern" disabled on start: condition.regex')).toBe(true);
    expect(errorLogged('alert rule "stored-custom" disabled on start: condition.expression')).toBe(true);
  });

  it('saving a corrected rule enables it and clears the reason', async () => {
    const put = await sidecar.api('/api/v1/rules/stored-pattern', { method: 'PUT', json: { id: 'stored-pattern', name: 'fixed', severity: 'info', condition: { type: 'pattern', regex: '(a)a' } } });
    expect(put.status).toBe(200);
    const rule = (await put.json()) as Record<string, unknown>;
    expect(rule.enabled).toBe(true);
    expect(rule.disabledReason).toBeUndefined();
  });
});
