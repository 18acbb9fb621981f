import type http from 'node:http';
import { FEATURES } from '../../src/app/features/index';
import { locationsFeature } from '../../src/app/features/locations';
import { workflowsFeature } from '../../src/app/features/workflows';
import { evaluateQuorum, quorumNeeded } from '../../src/alerts/quorum';
import type { WorkflowFacts } from '../../src/alerts/workflowFacts';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';
import { eventually, startTargetServer, type TargetServer } from '../support/targetServer';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

jest.setTimeout(240_000);

describe('quorum arithmetic', () => {
  const facts = (statuses: Array<'success' | 'failed'>): WorkflowFacts => ({
    workflow: { id: 'w', name: 'W', critical: false, labels: {} },
    windows: new Map(),
    recent: statuses.map((status, i) => ({ id: i, status, trigger: 'schedule', startedAt: new Date(Date.now() - i * 1000), durationMs: 10, attempts: 1, retries: 0, steps: [] })),
  });
  const condition = { type: 'consecutive_failures', count: 2 } as const;

  it('needs min locations (all of them when fewer are listed) or the fraction rounded up, at least one', () => {
    expect(quorumNeeded({ min: 2 }, 3)).toBe(2);
    expect(quorumNeeded({ min: 5 }, 3)).toBe(3);
    expect(quorumNeeded({ fraction: 0.5 }, 3)).toBe(2);
    expect(quorumNeeded({ fraction: 0.5 }, 4)).toBe(2);
    expect(quorumNeeded({ fraction: 0.01 }, 4)).toBe(1);
    expect(quorumNeeded({ fraction: 1 }, 5)).toBe(5);
  });

  it('fires at the quorum naming the failing locations, clears below it, and waits while a location without a verdict could tip it', () => {
    const three = (eu: Array<'success' | 'failed'>, us: Array<'success' | 'failed'>, ap: Array<'success' | 'failed'>) =>
      new Map([['eu', facts(eu)], ['us', facts(us)], ['ap', facts(ap)]]);
    const firing = evaluateQuorum(condition, { min: 2 }, three(['failed', 'failed'], ['failed', 'failed'], ['success']), 'execution');
    expect(firing).toMatchObject({ state: 'firing', value: 2, failingLocations: ['eu', 'us'] });
    expect(firing.message).toMatch(/^failing in 2 of 3 locations \(eu, us; quorum 2 of 3\) — eu: 2 consecutive failures.*; us: 2 consecutive failures/);
    expect(evaluateQuorum(condition, { min: 2 }, three(['failed', 'failed'], ['success'], ['success']), 'execution')).toMatchObject({ state: 'clear', failingLocations: ['eu'] });
    // ap has no executions yet: with it, two could still fail.
    expect(evaluateQuorum(condition, { min: 2 }, three(['failed', 'failed'], ['success'], []), 'execution')).toMatchObject({ state: 'unknown' });
    expect(evaluateQuorum(condition, { fraction: 1 }, three(['failed', 'failed'], ['failed', 'failed'], ['failed', 'failed']), 'execution')).toMatchObject({ state: 'firing', failingLocations: ['ap', 'eu', 'us'] });
  });
});

describe('a quorum rule across two locations (a replica in eu, one in us, one PostgreSQL)', () => {
  let db: TestDatabase;
  let target: TargetServer;
  let eu: TestSidecar;
  let us: TestSidecar;
  /** The target answers 500 to probes from these locations (by X-Workflow-Monitor-Location). */
  const failingFrom = new Set<string>();

  beforeAll(async () => {
    db = await createTestDatabase();
    target = await startTargetServer((req: http.IncomingMessage, res: http.ServerResponse) => {
      if (failingFrom.has(String(req.headers['x-workflow-monitor-location']))) {
        res.writeHead(500).end('down from here');
        return true;
      }
      return false;
    });
    const env = { SCHEDULER: 'true', SCHEDULER_POLL_INTERVAL: '50ms', ALERT_EVAL_INTERVAL: '1s', REPLICA_HEARTBEAT_INTERVAL: '500ms', REPLICA_HEARTBEAT_EXPIRY: '10s' };
    eu = await startTestSidecar({ db, features: FEATURES, env: { ...env, LOCATION: 'eu' } });
    us = await startTestSidecar({ db, features: [workflowsFeature, locationsFeature], env: { ...env, LOCATION: 'us' } });
  });

  afterAll(async () => {
    await us?.stop();
    await eu?.stop();
    await target?.close();
    await db?.drop();
  });

  const openAlert = async (ruleId = 'needs-two') =>
    (await db.pool.query<{ id: string; message: string; failing_locations: string[] | null }>(
      `SELECT id, message, failing_locations FROM alerts WHERE fingerprint = $1 AND state <> 'resolved'`,
      [`${ruleId}:probe`]
    )).rows[0];

  /** The newest executions of each location, newest first. */
  const latest = async () => {
    const { rows } = await db.pool.query<{ location: string; statuses: string[] }>(
      `SELECT location, (array_agg(status ORDER BY started_at DESC))[1:3] AS statuses FROM executions WHERE workflow_id = 'probe' GROUP BY location`
    );
    return Object.fromEntries(rows.map((r) => [r.location, r.statuses]));
  };

  /** Executions recorded from now on in `location`. */
  const countSince = async (location: string, since: Date) =>
    (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM executions WHERE workflow_id = 'probe' AND location = $1 AND started_at > $2`, [location, since])).rows[0]!.n;

  it('opens no alert while only one location fails, opens one naming both when both fail, and resolves when fewer than the quorum fail', async () => {
    const rule = await eu.api('/api/v1/rules', {
      method: 'POST',
      json: { id: 'needs-two', name: 'Down from two places', severity: 'error', scope: { workflowIds: ['probe'] }, condition: { type: 'consecutive_failures', count: 2 }, quorum: { min: 2 } },
    });
    expect(rule.status).toBe(201);
    expect(await rule.json()).toMatchObject({ quorum: { min: 2 } });
    const badQuorum = await eu.api('/api/v1/rules', {
      method: 'POST',
      json: { id: 'bad-quorum', name: 'Bad', severity: 'error', condition: { type: 'consecutive_failures', count: 2 }, quorum: { fraction: 1.5 } },
    });
    expect(badQuorum.status).toBe(400);
    expect(JSON.stringify(await badQuorum.json())).toContain('quorum');
    // The same window condition with and without a quorum: without one, failures from one place suffice.
    const failures = { type: 'threshold', metric: 'failures', operator: '>=', value: 2, window: '1m' };
    for (const [id, quorum] of [['failures-two', { quorum: { fraction: 1 } }], ['failures-any', {}]] as const) {
      const saved = await eu.api('/api/v1/rules', { method: 'POST', json: { id, name: id, severity: 'warning', scope: { workflowIds: ['probe'] }, condition: failures, ...quorum } });
      expect(saved.status).toBe(201);
    }

    failingFrom.add('us');
    const created = await eu.api('/api/v1/workflows', {
      method: 'POST',
      json: { id: 'probe', name: 'Probe', schedule: { every: '1s' }, locations: ['eu', 'us'], retry: { maxAttempts: 1 }, steps: [{ name: 'ping', request: { url: `${target.url}/probe` }, assert: ['status == 200'] }] },
    });
    expect(created.status).toBe(201);

    // Phase 1: us fails, eu does not. Wait until us has failed at least twice in a row, then let
    // several more rounds be judged (executions and the 1 s timer) before looking.
    await eventually(async () => {
      const l = await latest();
      return l.us?.[0] === 'failed' && l.us?.[1] === 'failed' && l.eu?.[0] === 'success';
    }, 90_000, 100);
    const judgedFrom = new Date();
    await eventually(async () => (await countSince('eu', judgedFrom)) >= 4 && (await countSince('us', judgedFrom)) >= 4, 90_000, 100);
    expect(await openAlert()).toBeUndefined();
    expect(await openAlert('failures-two')).toBeUndefined();
    expect(await openAlert('failures-any')).toMatchObject({ failing_locations: null });
    const { rows: eachLocation } = await db.pool.query<{ location: string; worker_id: string }>(
      `SELECT DISTINCT location, worker_id FROM executions WHERE workflow_id = 'probe' ORDER BY location`
    );
    expect(eachLocation).toEqual([{ location: 'eu', worker_id: eu.context.workerId }, { location: 'us', worker_id: us.context.workerId }]);

    // Phase 2: both fail: one alert, naming both locations.
    failingFrom.add('eu');
    const alert = await eventually(async () => await openAlert(), 90_000, 100);
    expect(alert.failing_locations).toEqual(['eu', 'us']);
    expect(alert.message).toMatch(/^failing in 2 of 2 locations \(eu, us; quorum 2 of 2\) — eu: .*; us: /);
    const api = (await (await eu.api(`/api/v1/alerts/${alert.id}`)).json()) as { failingLocations: string[]; state: string };
    expect(api).toMatchObject({ state: 'active', failingLocations: ['eu', 'us'] });
    const { rows: alerts } = await db.pool.query(`SELECT id FROM alerts WHERE fingerprint = 'needs-two:probe'`);
    expect(alerts).toHaveLength(1);
    const byFraction = await eventually(async () => await openAlert('failures-two'), 90_000, 100);
    expect(byFraction.failing_locations).toEqual(['eu', 'us']);

    // Phase 3: eu recovers: one failing location is fewer than the quorum.
    failingFrom.delete('eu');
    await eventually(async () => (await openAlert()) === undefined, 90_000, 100);
    const { rows: resolved } = await db.pool.query<{ state: string; resolved_by: string }>(`SELECT state, resolved_by FROM alerts WHERE id = $1`, [alert.id]);
    expect(resolved).toEqual([{ state: 'resolved', resolved_by: 'system' }]);
  });
});
