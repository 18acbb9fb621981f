import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { runCliProcess } from '../support/cliProcess';
import { startTargetServer, type TargetServer } from '../support/targetServer';

jest.setTimeout(180_000);

const TOKEN = 'tok-cli-test-0123456789';

let target: TargetServer;
let dir: string;
/** Requests seen per `/flaky/<key>`: 503, 503, then 200 from the third on. */
const flakyCalls = new Map<string, number>();

function answer(res: http.ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
  return true;
}

function writeWorkflow(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** A workflow whose only step hits `/flaky/${FLAKY_KEY}`: the key comes from the CLI's environment, as a file workflow's `${NAME}` does on the sidecar. */
const FLAKY_WORKFLOW = `id: flaky
name: Flaky checkout
schedule: { every: 60s }
retry: { maxAttempts: 3, initialDelay: 100ms, maxDelay: 1s, jitter: 0 }
steps:
  - name: pay
    request: { method: POST, url: "\${TARGET_URL}/flaky/\${FLAKY_KEY}", json: { amount: 5 } }
    assert: ["status == 200", "body.ok == true"]
`;

beforeAll(async () => {
  target = await startTargetServer((req, res) => {
    const urlPath = (req.url ?? '/').split('?')[0]!;
    const flaky = /^\/flaky\/([\w-]+)$/.exec(urlPath);
    if (flaky) {
      const calls = (flakyCalls.get(flaky[1]!) ?? 0) + 1;
      flakyCalls.set(flaky[1]!, calls);
      return calls <= 2 ? answer(res, 503, { error: 'try later' }) : answer(res, 200, { ok: true });
    }
    if (urlPath === '/login') {
      return answer(res, 200, { token: TOKEN });
    }
    if (urlPath === '/me') {
      return req.headers.authorization === `Bearer ${TOKEN}` ? answer(res, 200, { user: 'demo' }) : answer(res, 401, { error: 'no token' });
    }
    if (urlPath === '/gone') {
      return answer(res, 404, { error: 'not here' });
    }
    return false;
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-cli-test-'));
});

afterAll(async () => {
  await target?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('workflow-monitor test', () => {
  it('runs a workflow against a target answering 503, 503, 200: three attempts printed, degraded, exit code 0 with a warning', async () => {
    const file = writeWorkflow('flaky.yaml', FLAKY_WORKFLOW);
    const run = await runCliProcess(['test', file], { env: { TARGET_URL: target.url, FLAKY_KEY: 'first' } });
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'flaky (Flaky checkout): running 1 step',
        expect.stringMatching(/^ {2}step 1\/1 pay: passed, HTTP 200, 3 attempts, \d+ ms$/),
        expect.stringMatching(/^ {4}attempt 1: HTTP 503, transient: target answered HTTP 503 \(waited 0 ms before it, took \d+ ms\)$/),
        expect.stringMatching(/^ {4}attempt 2: HTTP 503, transient: target answered HTTP 503 \(waited 100 ms before it, took \d+ ms\)$/),
        expect.stringMatching(/^ {4}attempt 3: HTTP 200, ok \(waited 200 ms before it, took \d+ ms\)$/),
        '    pass status == 200',
        '    pass body.ok == true',
        expect.stringMatching(/^ {2}result: degraded, 3 attempts, \d+ ms — it needed retries$/),
        '  warning: flaky only degraded (exit code 0; --strict makes it 3)',
      ])
    );
    expect(flakyCalls.get('first')).toBe(3);
    expect(run.code).toBe(0);
  });

  it('exits 3 for a degraded run under --strict', async () => {
    const file = writeWorkflow('flaky-strict.yaml', FLAKY_WORKFLOW);
    const run = await runCliProcess(['test', file, '--strict'], { env: { TARGET_URL: target.url, FLAKY_KEY: 'strict' } });
    expect(run.stdout).toContain('  warning: flaky only degraded\n');
    expect(run.code).toBe(3);
  });

  it('exits 0 without a warning when every step passes on its first attempt', async () => {
    const file = writeWorkflow(
      'healthy.yaml',
      `id: healthy\nname: Healthy\nschedule: { every: 60s }\nsteps:\n  - name: login\n    request: { url: "${target.url}/login" }\n    assert: ["status == 200"]\n`
    );
    const run = await runCliProcess(['test', file]);
    expect(run.stdout).toMatch(/ {2}result: success, 1 attempt, \d+ ms\n$/);
    expect(run.code).toBe(0);
  });

  it('exits 1 for a failed run and prints the failed assertion and the skipped steps', async () => {
    const file = writeWorkflow(
      'failing.yaml',
      `id: failing\nname: Failing\nschedule: { every: 60s }\nsteps:\n  - name: login\n    request: { url: "${target.url}/login" }\n    assert: ['body.token == "other"']\n  - name: after\n    request: { url: "${target.url}/me" }\n`
    );
    const run = await runCliProcess(['test', file]);
    expect(run.stdout).toMatch(/ {4}FAIL body\.token == "other" — /);
    expect(run.stdout).toMatch(/ {2}step 2\/2 after: skipped, 0 ms\n/);
    expect(run.stdout).toMatch(/ {2}result: failed, 1 attempt, \d+ ms — assertion: login: /);
    expect(run.code).toBe(1);

    const permanent = writeWorkflow('gone.yaml', `id: gone\nname: Gone\nschedule: { every: 60s }\nsteps:\n  - name: fetch\n    request: { url: "${target.url}/gone" }\n`);
    const gone = await runCliProcess(['test', permanent]);
    expect(gone.stdout).toMatch(/ {4}attempt 1: HTTP 404, permanent: /);
    expect(gone.stdout).toMatch(/ {4}error \(permanent\): /);
    expect(gone.code).toBe(1);
  });

  it('with --step runs the steps up to and including the named one, passing extracted values along', async () => {
    const before = target.hits.get('/gone') ?? 0;
    const file = writeWorkflow(
      'three-steps.yaml',
      `id: three
name: Three steps
schedule: { every: 60s }
steps:
  - name: login
    request: { url: "${target.url}/login" }
    extract: { token: body.token }
  - name: me
    request: { url: "${target.url}/me", headers: { Authorization: "Bearer {{token}}" } }
    assert: ['status == 200', 'body.user == "demo"']
  - name: never
    request: { url: "${target.url}/gone" }
`
    );
    const run = await runCliProcess(['test', file, '--step', 'me']);
    expect(run.stdout).toContain('three (Three steps): running 2 steps\n');
    expect(run.stdout).toContain('    extracted token\n');
    expect(run.stdout).toMatch(/ {2}step 2\/2 me: passed, HTTP 200, 1 attempt/);
    expect(run.stdout).not.toContain('never');
    expect(target.hits.get('/gone') ?? 0).toBe(before);
    expect(run.code).toBe(0);

    const unknown = await runCliProcess(['test', file, '--step', 'checkout']);
    expect(unknown.stderr).toContain('workflow-monitor test: workflow "three" has no step "checkout"; its steps: login, me, never');
    expect(unknown.code).toBe(2);
  });

  it('refuses to run a file that does not validate, with its problems placed, exit code 1', async () => {
    const text = `id: bad\nname: Bad\nschedule: { every: 60s }\nsteps:\n  - name: x\n    request: { url: "${target.url}/login" }\n    retry: { maxAttempts: 0 }\n`;
    const file = writeWorkflow('bad.yaml', text);
    const run = await runCliProcess(['test', file]);
    expect(run.stdout).toBe(`${file}:7:27: steps[0].retry.maxAttempts: maxAttempts must be between 1 and 10\n`);
    expect(run.code).toBe(1);
  });

  it('answers a wrong command line with exit code 2 and the usage', async () => {
    const none = await runCliProcess(['test']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('workflow-monitor test: give exactly one workflow file');
    expect(none.stderr).toContain('Usage: workflow-monitor test <file>');
    const flag = await runCliProcess(['test', 'x.yaml', '--steps', 'a']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^workflow-monitor test: Unknown option '--steps'/);
  });
});
