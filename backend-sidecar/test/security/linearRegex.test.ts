import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { FEATURES } from '../../src/app/features/index';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';
import { eventually, startTargetServer, type TargetServer } from '../support/targetServer';

/**
 * Issue 15, acceptance 2: user regexes run on a linear-time engine. `^(a+)+$` against forty `a`
 * and a `!` takes a backtracking engine hours (each extra character doubles it); here it must not
 * stall the event loop, which `/health` answering quickly throughout shows. Without the change the
 * first evaluation freezes the process and these tests never finish. Patterns RE2 cannot run are
 * refused at save with their path.
 */
jest.setTimeout(180_000);

const HOSTILE_TEXT = `${'a'.repeat(40)}!`;
const CATASTROPHIC = '^(a+)+$';
/** Generous: an idle machine answers in a few ms; a backtracking match of the text above takes hours. */
const HEALTH_BOUND_MS = 500;

let target: TargetServer;
let sidecar: TestSidecar;
let dir: string;

beforeAll(async () => {
  target = await startTargetServer((req, res) => {
    if (req.url === '/hostile') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(HOSTILE_TEXT);
      return true;
    }
    return false;
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-regex-'));
  fs.writeFileSync(path.join(dir, 'good.yaml'), `id: good\nname: Good\nschedule: { every: 1h }\nsteps:\n  - name: ping\n    request: { url: "${target.url}/good" }\n    assert: ["body matches /ok/"]\n`);
  fs.writeFileSync(
    path.join(dir, 'backref.yaml'),
    `id: backref\nname: Backreference\nschedule: { every: 1h }\nsteps:\n  - name: ping\n    request: { url: "${target.url}/backref" }\n    assert: ["status == 200", 'body matches /(a)\\1/']\n`
  );
  fs.mkdirSync(path.join(dir, 'alerting'));
  fs.writeFileSync(
    path.join(dir, 'alerting', 'rules.yaml'),
    `rules:\n  - id: file-backref\n    name: Backreference\n    severity: info\n    condition: { type: pattern, regex: '(a)\\1' }\n`
  );
  sidecar = await startTestSidecar({
    features: FEATURES,
    env: { SCHEDULER: 'true', SCHEDULER_POLL_INTERVAL: '50ms', ALERT_EVAL_INTERVAL: '1s', WORKFLOWS_DIR: dir },
  });
});

afterAll(async () => {
  await sidecar?.stop();
  await target?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Asks `/health` back to back until stopped and keeps the slowest answer: a stalled event loop shows
 * there. One answer is awaited first, so opening the first connection is not counted.
 */
async function probeHealth() {
  await (await fetch(`${sidecar.url}/health`)).arrayBuffer();
  let stopped = false;
  let maxMs = 0;
  let answers = 0;
  const latencies: number[] = [];
  const loop = (async () => {
    while (!stopped) {
      const started = performance.now();
      const response = await fetch(`${sidecar.url}/health`);
      await response.arrayBuffer();
      const tookMs = performance.now() - started;
      maxMs = Math.max(maxMs, tookMs);
      latencies.push(tookMs);
      answers += response.status === 200 ? 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      const medianMs = latencies.sort((a, b) => a - b)[Math.floor(latencies.length / 2)] ?? 0;
      return { maxMs, answers, medianMs };
    },
  };
}

async function evaluations(): Promise<number> {
  const text = await (await sidecar.api('/metrics', { token: null })).text();
  return Number(/^workflow_monitor_alert_evaluation_seconds_count\{trigger="execution"\} (\d+)/m.exec(text)?.[1] ?? 0);
}

async function post(pathname: string, json: unknown): Promise<Response> {
  return sidecar.api(pathname, { method: 'POST', json });
}

describe('user regexes cannot stall the sidecar', () => {
  it('a workflow asserting body matches /^(a+)+$/ on forty a and a !, every second: /health answers quickly throughout', async () => {
    const created = await post('/api/v1/workflows', {
      id: 'hostile-body',
      name: 'Hostile body',
      schedule: { every: '1s' },
      retry: { maxAttempts: 1 },
      steps: [{ name: 'fetch', request: { url: `${target.url}/hostile` }, assert: ['status == 200', `body matches /${CATASTROPHIC}/`] }],
    });
    expect(created.status).toBe(201);
    const probe = await probeHealth();
    const page = await eventually(async () => {
      const body = (await (await sidecar.api('/api/v1/workflows/hostile-body/executions?limit=50')).json()) as { executions: Array<{ status: string; errorType: string | null }> };
      return body.executions.length >= 5 ? body : undefined;
    }, 120_000, 200);
    const { maxMs, answers, medianMs } = await probe.stop();
    // The regex really ran: it did not match (the body ends in "!"), so every execution failed its assertion.
    expect(page.executions.every((e) => e.status === 'failed' && e.errorType === 'assertion')).toBe(true);
    expect(answers).toBeGreaterThan(10);
    console.log(`/health while a workflow matched ^(a+)+$ every second: ${answers} answers, median ${medianMs.toFixed(1)} ms, slowest ${maxMs.toFixed(1)} ms`);
    expect(maxMs).toBeLessThan(HEALTH_BOUND_MS);
    await sidecar.api('/api/v1/workflows/hostile-body', { method: 'DELETE' });
  });

  it('a pattern rule and a custom |matches rule with the same pattern, judged on error messages of forty a and a !: /health answers quickly throughout', async () => {
    expect((await post('/api/v1/workflows', { id: 'hostile-push', name: 'Hostile push', schedule: { push: { expected: '1h' } } })).status).toBe(201);
    const scope = { workflowIds: ['hostile-push'] };
    const rules = [
      { id: 'hostile-pattern', condition: { type: 'pattern', regex: CATASTROPHIC } },
      { id: 'hostile-pattern-window', condition: { type: 'pattern', regex: CATASTROPHIC, window: '10m' } },
      { id: 'hostile-custom', condition: { type: 'custom', expression: `execution.errorMessage|matches("${CATASTROPHIC}")` } },
    ];
    for (const rule of rules) {
      expect((await post('/api/v1/rules', { ...rule, name: rule.id, severity: 'warning', scope })).status).toBe(201);
    }
    const probe = await probeHealth();
    // One failed execution a second, each judged before the next is pushed; the timer (1 s) judges them too.
    for (let i = 0; i < 5; i += 1) {
      const before = await evaluations();
      const pushed = await post('/api/v1/executions', { workflowId: 'hostile-push', status: 'failed', errorType: 'unknown', errorMessage: HOSTILE_TEXT });
      expect(pushed.status).toBe(201);
      await eventually(async () => (await evaluations()) > before, 60_000, 50);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const { maxMs, answers, medianMs } = await probe.stop();
    console.log(`/health while pattern and custom rules matched ^(a+)+$: ${answers} answers, median ${medianMs.toFixed(1)} ms, slowest ${maxMs.toFixed(1)} ms`);
    expect(answers).toBeGreaterThan(10);
    expect(maxMs).toBeLessThan(HEALTH_BOUND_MS);
    for (const { id } of rules) {
      const response = await sidecar.api(`/api/v1/alerts?workflowId=hostile-push&ruleId=${id}&state=open`);
      expect({ id, alerts: ((await response.json()) as { alerts: unknown[] }).alerts }).toEqual({ id, alerts: [] });
    }
    // The same rules do fire on text the pattern matches: they were judging these messages all along.
    expect((await post('/api/v1/executions', { workflowId: 'hostile-push', status: 'failed', errorType: 'unknown', errorMessage: 'a'.repeat(40) })).status).toBe(201);
    for (const { id } of rules) {
      await eventually(async () => {
        const response = await sidecar.api(`/api/v1/alerts?workflowId=hostile-push&ruleId=${id}&state=open`);
        return ((await response.json()) as { alerts: unknown[] }).alerts.length === 1;
      }, 60_000);
    }
  });
});

describe('patterns the linear-time engine cannot run are refused at save, naming the path and why', () => {
  const workflow = (assert: string[]) => ({
    id: 'refused',
    name: 'Refused',
    schedule: { every: '1h' },
    steps: [{ name: 'ping', request: { url: `${target.url}/ping` }, assert }],
  });

  it('a workflow assertion with a backreference → 400 at steps[0].assert[1]', async () => {
    const response = await post('/api/v1/workflows', workflow(['status == 200', 'body matches /(a)\\1/']));
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; details: Array<{ path: string; message: string }> } };
    expect(error.code).toBe('validation_failed');
    expect(error.details).toEqual([{ path: 'steps[0].assert[1]', message: expect.stringMatching(/\/\(a\)\\1\/ cannot be used: backreferences such as \\1 are not supported/) }]);
    expect((await sidecar.api('/api/v1/workflows/refused')).status).toBe(404);
  });

  it('lookaround and flags RE2 lacks are refused the same way', async () => {
    for (const [assertion, reason] of [['body matches /a(?=b)/', /lookahead/], ['body matches /ok/y', /flag "y" is not supported/]] as const) {
      const response = await post('/api/v1/workflows', workflow([assertion]));
      expect(response.status).toBe(400);
      const { error } = (await response.json()) as { error: { details: Array<{ path: string; message: string }> } };
      expect(error.details).toEqual([{ path: 'steps[0].assert[0]', message: expect.stringMatching(reason) }]);
    }
  });

  it('a pattern rule with a backreference → 400 at condition.regex; a custom |matches with one → 400 at condition.expression', async () => {
    const pattern = await post('/api/v1/rules', { id: 'refused-pattern', name: 'x', severity: 'info', condition: { type: 'pattern', regex: '(a)\\1' } });
    expect(pattern.status).toBe(400);
    expect(((await pattern.json()) as any).error.details).toEqual([{ path: 'condition.regex', message: expect.stringMatching(/backreferences such as \\1 are not supported/) }]);
    const custom = await post('/api/v1/rules', { id: 'refused-custom', name: 'x', severity: 'info', condition: { type: 'custom', expression: 'execution.errorMessage|matches("(a)\\\\1")' } });
    expect(custom.status).toBe(400);
    expect(((await custom.json()) as any).error.details).toEqual([{ path: 'condition.expression', message: expect.stringMatching(/\|matches\("\(a\)\\1"\) cannot be used: backreferences/) }]);
    expect((await sidecar.api('/api/v1/rules/refused-pattern')).status).toBe(404);
  });

  it('a workflow file with a backreference is a load error naming file, path and why; the valid file still loads', async () => {
    const { workflows, loadErrors } = (await (await sidecar.api('/api/v1/workflows')).json()) as { workflows: Array<{ id: string }>; loadErrors: unknown[] };
    expect(loadErrors).toEqual([{ file: path.join(dir, 'backref.yaml'), path: 'steps[0].assert[1]', message: expect.stringMatching(/backreferences such as \\1 are not supported/) }]);
    expect(workflows.map((w) => w.id)).toContain('good');
    expect(workflows.map((w) => w.id)).not.toContain('backref');
  });

  it('an alerting file rule with a backreference is a load error naming file, path and why', async () => {
    const { loadErrors } = (await (await sidecar.api('/api/v1/alerting/load-errors')).json()) as { loadErrors: unknown[] };
    expect(loadErrors).toEqual([
      { file: path.join(dir, 'alerting', 'rules.yaml'), path: 'rules[0].condition.regex', message: expect.stringMatching(/backreferences such as \\1 are not supported/) },
    ]);
    expect((await sidecar.api('/api/v1/rules/file-backref')).status).toBe(404);
  });
});
