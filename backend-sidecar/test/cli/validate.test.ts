import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FEATURES } from '../../src/app/features/index';
import { runCliProcess } from '../support/cliProcess';
import { startTestSidecar } from '../support/startTestSidecar';

jest.setTimeout(180_000);

/** `line:column` (1-based) of the first occurrence of `needle` in `text`: where an editor would put the cursor. */
function at(text: string, needle: string): string {
  const offset = text.indexOf(needle);
  if (offset < 0) {
    throw new Error(`"${needle}" is not in the text`);
  }
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

const GOOD_WORKFLOW = `id: checkout
name: Checkout
schedule: { every: 60s }
retry: { maxAttempts: 3, initialDelay: 100ms }
steps:
  - name: login
    request: { method: POST, url: "\${SHOP_URL}/login", json: { user: demo } }
    assert: ["status == 200", "body.token exists"]
    extract: { token: body.token }
  - name: cart
    request: { url: "\${SHOP_URL:-http://localhost:8080}/cart", headers: { Authorization: "Bearer {{token}}" } }
`;

const GOOD_LIST = `workflows:
  - id: health
    name: Health
    schedule: { cron: "*/5 * * * *" }
    steps:
      - name: ping
        request: { url: "http://localhost:8080/health" }
  - id: nightly
    name: Nightly report
    schedule: { push: { expected: 1d } }
`;

const GOOD_ALERTING = `rules:
  - id: checkout-slow
    name: Checkout is slow
    severity: warning
    scope: { workflowIds: [checkout] }
    condition: { type: duration, threshold: 5s }
`;

const BAD_WORKFLOW = `id: Checkout!
name: Checkout
schedule: { every: 60s }
retry:
  maxAttempts: 99
retires: 3
steps:
  - name: login
    request:
      method: FETCH
      url: "\${MISSING_BASE}/login"
    assert: ["status === 200"]
`;

const BAD_ALERTING = `rules:
  - id: noisy
    name: Noisy
    severity: fatal
    condition: { type: threshold, metric: failures, operator: ">", value: 1, window: 5m }
silences: []
`;

const BROKEN_YAML = `id: broken
name: Broken
schedule: { every: 60s }
name: Twice
steps: []
`;

let dir: string;
let goodDir: string;
let badDir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-cli-validate-'));
  goodDir = path.join(dir, 'good');
  badDir = path.join(dir, 'bad');
  fs.mkdirSync(path.join(goodDir, 'alerting'), { recursive: true });
  fs.mkdirSync(path.join(badDir, 'alerting'), { recursive: true });
  fs.writeFileSync(path.join(goodDir, 'checkout.yaml'), GOOD_WORKFLOW);
  fs.writeFileSync(path.join(goodDir, 'more.yml'), GOOD_LIST);
  fs.writeFileSync(path.join(goodDir, 'alerting', 'rules.yaml'), GOOD_ALERTING);
  fs.writeFileSync(path.join(badDir, 'checkout.yaml'), BAD_WORKFLOW);
  fs.writeFileSync(path.join(badDir, 'broken.yaml'), BROKEN_YAML);
  fs.writeFileSync(path.join(badDir, 'alerting', 'rules.yaml'), BAD_ALERTING);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('workflow-monitor validate', () => {
  it('passes a directory of valid workflows and alerting files with exit code 0 and says what it checked', async () => {
    const run = await runCliProcess(['validate', goodDir], { env: { SHOP_URL: 'https://shop.example' } });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('ok: 3 workflows, 1 rule, 0 channels, 0 escalation policies valid in 3 files\n');
    expect(run.code).toBe(0);
  });

  it('reads WORKFLOWS_DIR when no directory is given', async () => {
    const run = await runCliProcess(['validate'], { env: { SHOP_URL: 'https://shop.example', WORKFLOWS_DIR: goodDir } });
    expect(run.stdout).toMatch(/^ok: 3 workflows/);
    expect(run.code).toBe(0);
  });

  it('reports every problem as file:line:column: path: message at its place in the YAML and exits 1', async () => {
    const run = await runCliProcess(['validate', badDir]);
    expect(run.code).toBe(1);
    const workflowFile = path.join(badDir, 'checkout.yaml');
    const lines = run.stdout.trim().split('\n');
    // A request's missing variable is caught first, as the sidecar does, at the reference itself.
    expect(lines).toContain(
      `${workflowFile}:${at(BAD_WORKFLOW, '"${MISSING_BASE}')}: steps[0].request.url: environment variable \${MISSING_BASE} is not set and has no default (use \${MISSING_BASE:-default})`
    );
    const brokenFile = path.join(badDir, 'broken.yaml');
    expect(lines).toContain(`${brokenFile}:${at(BROKEN_YAML, 'name: Twice')}: (yaml): invalid YAML: Map keys must be unique`);
    const rulesFile = path.join(badDir, 'alerting', 'rules.yaml');
    expect(lines).toContain(`${rulesFile}:${at(BAD_ALERTING, 'fatal')}: rules[0].severity: must be one of info, warning, error, critical`);
    expect(lines).toContain(`${rulesFile}:${at(BAD_ALERTING, 'silences')}: silences: unknown section; allowed: channels, escalationPolicies, rules, reports`);
    expect(lines[lines.length - 1]).toBe('4 problems found; 0 workflows, 0 rules, 0 channels, 0 escalation policies valid in 3 files');
  });

  it('places schema errors of a workflow at the offending value, and an unknown key at the key', async () => {
    const run = await runCliProcess(['validate', path.join(badDir, 'checkout.yaml')], { env: { MISSING_BASE: 'https://shop.example' } });
    expect(run.code).toBe(1);
    const file = path.join(badDir, 'checkout.yaml');
    const lines = run.stdout.trim().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${escape(file)}:${at(BAD_WORKFLOW, 'Checkout!')}: id: id must be 1–63 characters`)),
        expect.stringMatching(new RegExp(`^${escape(file)}:${at(BAD_WORKFLOW, '99')}: retry\\.maxAttempts: `)),
        expect.stringMatching(new RegExp(`^${escape(file)}:${at(BAD_WORKFLOW, 'retires')}: \\(root\\): Unrecognized key: "retires"`)),
        expect.stringMatching(new RegExp(`^${escape(file)}:${at(BAD_WORKFLOW, 'FETCH')}: steps\\[0\\]\\.request\\.method: method must be one of GET`)),
        expect.stringMatching(new RegExp(`^${escape(file)}:${at(BAD_WORKFLOW, '"status === 200"')}: steps\\[0\\]\\.assert\\[0\\]: `)),
      ])
    );
  });

  it('gives tools the same findings as JSON with --format json', async () => {
    const run = await runCliProcess(['validate', badDir, '--format', 'json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { valid: boolean; files: string[]; errors: Array<{ file: string; line: number; column: number; path: string; message: string }> };
    expect(report.valid).toBe(false);
    expect(report.files).toHaveLength(3);
    const [line, column] = at(BAD_ALERTING, 'fatal').split(':').map(Number);
    expect(report.errors).toContainEqual(expect.objectContaining({ file: path.join(badDir, 'alerting', 'rules.yaml'), line, column, path: 'rules[0].severity' }));

    const clean = await runCliProcess(['validate', goodDir, '--format=json'], { env: { SHOP_URL: 'https://shop.example' } });
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toEqual(expect.objectContaining({ valid: true, workflows: 3, rules: 1, errors: [] }));
  });

  it('finds exactly the problems the sidecar reports when it loads the same directory', async () => {
    const cli = JSON.parse((await runCliProcess(['validate', badDir, '--format', 'json'], { env: { MISSING_BASE: 'https://shop.example' } })).stdout) as { errors: Array<{ file: string; path: string; message: string }> };
    process.env.MISSING_BASE = 'https://shop.example';
    const sidecar = await startTestSidecar({ features: FEATURES, env: { WORKFLOWS_DIR: badDir } });
    try {
      const workflows = (await (await sidecar.api('/api/v1/workflows')).json()) as { loadErrors: Array<{ file: string; path: string; message: string }> };
      const alerting = (await (await sidecar.api('/api/v1/alerting/load-errors')).json()) as { loadErrors: Array<{ file: string; path: string; message: string }> };
      const fromSidecar = [...workflows.loadErrors, ...alerting.loadErrors].map(({ file, path: p, message }) => ({ file, path: p, message }));
      const fromCli = cli.errors.map(({ file, path: p, message }) => ({ file, path: p, message }));
      expect(fromCli.length).toBeGreaterThan(4);
      expect(new Set(fromCli.map((e) => JSON.stringify(e)))).toEqual(new Set(fromSidecar.map((e) => JSON.stringify(e))));
    } finally {
      delete process.env.MISSING_BASE;
      await sidecar.stop();
    }
  });

  it('takes single files and sorts them into workflows and alerting files as the sidecar would read them', async () => {
    const run = await runCliProcess(['validate', path.join(goodDir, 'checkout.yaml'), path.join(goodDir, 'alerting', 'rules.yaml')], { env: { SHOP_URL: 'https://shop.example' } });
    expect(run.stdout).toBe('ok: 1 workflow, 1 rule, 0 channels, 0 escalation policies valid in 2 files\n');
    expect(run.code).toBe(0);
  });

  it('says a path that does not exist cannot be read, with exit code 1', async () => {
    const missing = path.join(dir, 'nowhere');
    const run = await runCliProcess(['validate', missing]);
    expect(run.stdout).toContain(`${missing}: (file): cannot read: no such file or directory`);
    expect(run.code).toBe(1);
  });

  it('refuses an unknown flag or format with exit code 2 and the usage, and prints help with --help', async () => {
    const unknown = await runCliProcess(['validate', goodDir, '--strict']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^workflow-monitor validate: Unknown option '--strict'\n\nUsage: workflow-monitor validate/);
    expect(unknown.stdout).toBe('');

    const format = await runCliProcess(['validate', '--format', 'xml']);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format must be one of text, json, got "xml"');

    const help = await runCliProcess(['validate', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: workflow-monitor validate/);

    const noCommand = await runCliProcess([]);
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toMatch(/^Usage: workflow-monitor <command>/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
