import { Registry } from 'prom-client';
import { AlertEngine } from '../../src/alerts/alertEngine';
import { installPredefinedRules, saveRule } from '../../src/alerts/ruleStore';
import { ruleInputSchema } from '../../src/alerts/ruleSchema';
import { createWorkflowRow, recordRuns, statuses, type RunSpec } from '../support/alertFixtures';
import { createTestDatabase, silentLogger, type TestDatabase } from '../support/testDatabase';

let db: TestDatabase;
let engine: AlertEngine;
let n = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  await installPredefinedRules(db.pool);
  engine = new AlertEngine({ pool: db.pool, log: silentLogger(), registry: new Registry(), evalIntervalMs: 60_000, tickIntervalMs: 60_000, onQueued: () => undefined });
});

afterAll(async () => {
  await db?.drop();
});

/** A fresh workflow with these runs, judged as if its last execution had just been stored. */
async function scenario(runs: RunSpec[], opts: { critical?: boolean; labels?: Record<string, string> } = {}): Promise<string> {
  n += 1;
  const id = `wf-${n}`;
  await createWorkflowRow(db.pool, id, opts);
  await recordRuns(db.pool, id, runs);
  await engine.evaluate([id], 'execution');
  return id;
}

async function openAlert(ruleId: string, workflowId: string) {
  const { rows } = await db.pool.query(`SELECT * FROM alerts WHERE fingerprint = $1 AND state <> 'resolved'`, [`${ruleId}:${workflowId}`]);
  return rows[0] as { state: string; severity: string; message: string; value: number } | undefined;
}

const fires = async (ruleId: string, wf: string) => expect(await openAlert(ruleId, wf)).toEqual(expect.objectContaining({ state: 'active' }));
const quiet = async (ruleId: string, wf: string) => expect(await openAlert(ruleId, wf)).toBeUndefined();

async function addRule(rule: Record<string, unknown>): Promise<void> {
  const { workflowId, ...rest } = rule;
  await saveRule(db.pool, ruleInputSchema.parse({ severity: 'warning', name: String(rule.id), scope: { workflowIds: [workflowId] }, ...rest }), { source: 'api', mode: 'upsert' });
  engine.invalidate();
}

describe('predefined rules: each fires on its scenario and stays quiet on the near miss', () => {
  it('critical workflow failure: a critical workflow failing once pages; a non-critical one does not', async () => {
    const critical = await scenario(statuses('SF'), { critical: true });
    await fires('critical-workflow-failure', critical);
    expect((await openAlert('critical-workflow-failure', critical))!.severity).toBe('critical');
    const ordinary = await scenario(statuses('SF'), { critical: false });
    await quiet('critical-workflow-failure', ordinary);
    const criticalButDegraded = await scenario(statuses('SD'), { critical: true });
    await quiet('critical-workflow-failure', criticalButDegraded);
  });

  it('high failure rate: 6 of 10 failed (60 %) fires; 5 of 10 (50 %) does not', async () => {
    const high = await scenario(statuses('FSFSFSFSFF'));
    await fires('high-failure-rate', high);
    const fifty = await scenario(statuses('FSFSFSFSFS'));
    await quiet('high-failure-rate', fifty);
  });

  it('slow response: 30.001 s fires; 29.999 s does not', async () => {
    const slow = await scenario([{ status: 'success', durationMs: 30_001 }]);
    await fires('slow-response', slow);
    const almost = await scenario([{ status: 'success', durationMs: 29_999 }]);
    await quiet('slow-response', almost);
  });

  it('consecutive failures: three in a row fire; two after a success do not', async () => {
    const three = await scenario(statuses('SFFF'));
    await fires('consecutive-failures', three);
    const two = await scenario(statuses('FSFF'));
    await quiet('consecutive-failures', two);
  });

  it('health-check failure: a type=health workflow failing fires; a health check passing after a retry, or another workflow failing, does not', async () => {
    const health = await scenario(statuses('SF'), { labels: { type: 'health' } });
    await fires('health-check-failure', health);
    const retried = await scenario(statuses('SD'), { labels: { type: 'health' } });
    await quiet('health-check-failure', retried);
    const other = await scenario(statuses('SF'), { labels: { type: 'api' } });
    await quiet('health-check-failure', other);
  });

  it('low success rate: 79 % over the last hour fires; 81 % does not', async () => {
    const mix = (ok: number) => Array.from({ length: 100 }, (_, i): RunSpec => ({ status: i % 100 < 100 - ok ? 'failed' : 'success', agoS: 3000 - i * 25 }));
    const low = await scenario(mix(79));
    await fires('low-success-rate', low);
    expect((await openAlert('low-success-rate', low))!.value).toBe(79);
    const fine = await scenario(mix(81));
    await quiet('low-success-rate', fine);
  });
});

describe('condition types: each has a firing and a non-firing case', () => {
  it('threshold: retries over the window compared with a value', async () => {
    n += 1;
    const hot = `th-${n}`;
    const cold = `th-cold-${n}`;
    for (const [id, retries] of [[hot, 3], [cold, 1]] as const) {
      await createWorkflowRow(db.pool, id);
      await addRule({ id: `retries-${id}`, workflowId: id, condition: { type: 'threshold', metric: 'retries', operator: '>=', value: 6, window: '10m' } });
      await recordRuns(db.pool, id, [{ status: 'degraded', retries }, { status: 'degraded', retries }]);
      await engine.evaluate([id], 'execution');
    }
    await fires(`retries-${hot}`, hot);
    await quiet(`retries-${cold}`, cold);
  });

  it('threshold on executions: a workflow that stopped reporting is caught by the timer', async () => {
    n += 1;
    const silent = `silent-${n}`;
    await createWorkflowRow(db.pool, silent);
    await addRule({ id: `stopped-${silent}`, workflowId: silent, condition: { type: 'threshold', metric: 'executions', operator: '<', value: 1, window: '5m' } });
    await recordRuns(db.pool, silent, [{ status: 'success', agoS: 600 }]);
    await engine.evaluate('all', 'timer');
    await fires(`stopped-${silent}`, silent);
    await recordRuns(db.pool, silent, [{ status: 'success', agoS: 1 }]);
    await engine.evaluate('all', 'timer');
    await quiet(`stopped-${silent}`, silent);
  });

  it('rate: failures / executions above the value with enough samples; too few samples is no verdict', async () => {
    n += 1;
    const ids = { hot: `rate-hot-${n}`, few: `rate-few-${n}`, cold: `rate-cold-${n}` };
    const runs = { hot: statuses('FFSFS'), few: statuses('FF'), cold: statuses('FSSSS') };
    for (const key of ['hot', 'few', 'cold'] as const) {
      await createWorkflowRow(db.pool, ids[key]);
      await addRule({ id: `rate-${ids[key]}`, workflowId: ids[key], condition: { type: 'rate', value: 40, minSamples: 5 } });
      await recordRuns(db.pool, ids[key], runs[key]);
      await engine.evaluate([ids[key]], 'execution');
    }
    await fires(`rate-${ids.hot}`, ids.hot);
    await quiet(`rate-${ids.few}`, ids.few);
    await quiet(`rate-${ids.cold}`, ids.cold);
  });

  it('pattern: a regular expression over error messages (latest execution, or a count over a window)', async () => {
    n += 1;
    const tls = `pat-${n}`;
    const other = `pat-other-${n}`;
    for (const [id, message] of [[tls, 'certificate has expired (CERT_HAS_EXPIRED)'], [other, 'target answered HTTP 503']] as const) {
      await createWorkflowRow(db.pool, id);
      await addRule({ id: `cert-${id}`, workflowId: id, condition: { type: 'pattern', regex: 'cert(ificate)?.*expired', caseInsensitive: true } });
      await addRule({ id: `cert-window-${id}`, workflowId: id, condition: { type: 'pattern', regex: 'EXPIRED', window: '10m', minMatches: 2 } });
      await recordRuns(db.pool, id, [{ status: 'failed', errorMessage: message }, { status: 'failed', errorMessage: message }]);
      await engine.evaluate([id], 'execution');
    }
    await fires(`cert-${tls}`, tls);
    await fires(`cert-window-${tls}`, tls);
    await quiet(`cert-${other}`, other);
    await quiet(`cert-window-${other}`, other);
  });

  it('duration: the slowest step (or a named step) over a threshold', async () => {
    n += 1;
    const slow = `dur-${n}`;
    const fast = `dur-fast-${n}`;
    for (const [id, ms] of [[slow, 2500], [fast, 1500]] as const) {
      await createWorkflowRow(db.pool, id);
      await addRule({ id: `pay-${id}`, workflowId: id, condition: { type: 'duration', of: 'step', step: 'pay', threshold: '2s' } });
      await recordRuns(db.pool, id, [{ status: 'success', durationMs: ms + 100, steps: [{ name: 'login', durationMs: 100 }, { name: 'pay', durationMs: ms }] }]);
      await engine.evaluate([id], 'execution');
    }
    await fires(`pay-${slow}`, slow);
    await quiet(`pay-${fast}`, fast);
  });

  it('consecutive_failures: the streak since the last passing run', async () => {
    n += 1;
    const hot = `cf-${n}`;
    const cold = `cf-cold-${n}`;
    for (const [id, runs] of [[hot, 'SFFFFF'], [cold, 'FFFFSF']] as const) {
      await createWorkflowRow(db.pool, id);
      await addRule({ id: `five-${id}`, workflowId: id, condition: { type: 'consecutive_failures', count: 5 } });
      await recordRuns(db.pool, id, statuses(runs));
      await engine.evaluate([id], 'execution');
    }
    await fires(`five-${hot}`, hot);
    await quiet(`five-${cold}`, cold);
  });

  it('custom: an expression over the latest execution and the window', async () => {
    n += 1;
    const hot = `cx-${n}`;
    const cold = `cx-cold-${n}`;
    for (const [id, runs] of [[hot, 'SDDD'], [cold, 'SSSD']] as const) {
      await createWorkflowRow(db.pool, id);
      await addRule({ id: `flaky-${id}`, workflowId: id, condition: { type: 'custom', expression: 'window.degraded >= 3 && execution.status == "degraded" && consecutiveFailures == 0', window: '10m' } });
      await recordRuns(db.pool, id, statuses(runs));
      await engine.evaluate([id], 'execution');
    }
    await fires(`flaky-${hot}`, hot);
    await quiet(`flaky-${cold}`, cold);
  });

  it('a condition that clears resolves the open alert', async () => {
    const wf = await scenario(statuses('SFFF'));
    await fires('consecutive-failures', wf);
    await recordRuns(db.pool, wf, statuses('S'));
    await engine.evaluate([wf], 'execution');
    await quiet('consecutive-failures', wf);
    const { rows } = await db.pool.query(`SELECT state, resolved_by FROM alerts WHERE fingerprint = $1`, [`consecutive-failures:${wf}`]);
    expect(rows).toEqual([{ state: 'resolved', resolved_by: 'system' }]);
  });

  it('a disabled rule does not fire', async () => {
    n += 1;
    const wf = `off-${n}`;
    await createWorkflowRow(db.pool, wf);
    await addRule({ id: `off-${wf}`, workflowId: wf, enabled: false, condition: { type: 'consecutive_failures', count: 1 } });
    await recordRuns(db.pool, wf, statuses('F'));
    await engine.evaluate([wf], 'execution');
    await quiet(`off-${wf}`, wf);
  });
});
