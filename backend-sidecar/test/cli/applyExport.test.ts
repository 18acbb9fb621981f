import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FEATURES } from '../../src/app/features/index';
import { runCliProcess, type CliRun } from '../support/cliProcess';
import { startTestSidecar, TEST_READONLY_TOKEN, TEST_TOKEN, type TestSidecar } from '../support/startTestSidecar';
import { startTargetServer } from '../support/targetServer';

jest.setTimeout(300_000);

const TARGET_URL = 'http://127.0.0.1:9/shop';

const CHECKOUT = `id: checkout
name: Checkout
schedule: { every: 5m }
retry: { strategy: fast }
labels: { team: payments }
steps:
  - name: login
    request: { method: POST, url: "\${SHOP_URL}/login", json: { user: demo } }
    assert: ["status == 200"]
    extract: { token: body.token }
  - name: cart
    request: { url: "\${SHOP_URL}/cart", headers: { Authorization: "Bearer {{token}}" } }
`;

const MORE = `workflows:
  - id: search
    name: Search
    schedule: { cron: "*/10 * * * *", timezone: Europe/Berlin }
    steps:
      - name: query
        request: { url: "${TARGET_URL}/search", query: { q: shoes } }
  - id: nightly-import
    name: Nightly import
    schedule: { push: { expected: 1d, grace: 1h } }
`;

const RULES = `rules:
  - id: checkout-slow
    name: Checkout is slow
    severity: warning
    scope: { workflowIds: [checkout] }
    condition: { type: duration, threshold: 5s }
    cooldown: 10m
  - id: search-failing
    name: Search keeps failing
    severity: error
    scope: { workflowIds: [search] }
    condition: { type: consecutive_failures, count: 3 }
`;

const FILE_DEFINED = `id: from-file
name: Defined on the sidecar
schedule: { every: 1h }
steps:
  - name: ping
    request: { url: "${TARGET_URL}/ping" }
`;

let root: string;
let sidecar: TestSidecar;

function mkdir(name: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** A directory of definitions as a repository would hold them. */
function definitionsDir(name: string): string {
  const dir = mkdir(name);
  fs.mkdirSync(path.join(dir, 'alerting'));
  fs.writeFileSync(path.join(dir, 'checkout.yaml'), CHECKOUT);
  fs.writeFileSync(path.join(dir, 'more.yaml'), MORE);
  fs.writeFileSync(path.join(dir, 'alerting', 'rules.yaml'), RULES);
  return dir;
}

function cli(args: string[], to: TestSidecar = sidecar, env: Record<string, string> = {}): Promise<CliRun> {
  return runCliProcess(args, { env: { WORKFLOW_MONITOR_URL: to.url, WORKFLOW_MONITOR_TOKEN: TEST_TOKEN, SHOP_URL: TARGET_URL, ...env } });
}

async function getJson<T>(to: TestSidecar, urlPath: string): Promise<T> {
  const response = await to.api(urlPath);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

interface Listed {
  id: string;
  name: string;
  source: string;
  version: number;
  definition?: Record<string, unknown>;
}

async function versions(to: TestSidecar = sidecar): Promise<Record<string, number>> {
  const { workflows } = await getJson<{ workflows: Listed[] }>(to, '/api/v1/workflows');
  const { rules } = await getJson<{ rules: Listed[] }>(to, '/api/v1/rules');
  return Object.fromEntries([...workflows.map((w) => [`workflow ${w.id}`, w.version]), ...rules.map((r) => [`rule ${r.id}`, r.version])]);
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-cli-apply-'));
  const sidecarFiles = mkdir('sidecar-files');
  fs.writeFileSync(path.join(sidecarFiles, 'from-file.yaml'), FILE_DEFINED);
  sidecar = await startTestSidecar({ features: FEATURES, env: { WORKFLOWS_DIR: sidecarFiles } });
});

afterAll(async () => {
  await sidecar?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('workflow-monitor apply and export', () => {
  it('creates the files\' workflows and rules as API-defined ones, and a second apply changes nothing and says so', async () => {
    const dir = definitionsDir('repo');
    const first = await cli(['apply', dir]);
    expect(first.stderr).toBe('');
    for (const line of ['create     workflow  checkout', 'create     workflow  search', 'create     workflow  nightly-import', 'create     rule      checkout-slow', 'create     rule      search-failing']) {
      expect(first.stdout).toContain(line);
    }
    expect(first.stdout).toContain('applied: 5 created, 0 updated, 0 deleted, 0 unchanged\n');
    expect(first.code).toBe(0);

    const checkout = await getJson<Listed>(sidecar, '/api/v1/workflows/checkout');
    expect(checkout.source).toBe('api');
    // The sidecar never substitutes an API definition: apply sent the values from its own environment.
    expect((checkout.definition as { steps: Array<{ request: { url: string } }> }).steps[0]!.request.url).toBe(`${TARGET_URL}/login`);
    const rule = await getJson<Listed>(sidecar, '/api/v1/rules/checkout-slow');
    expect(rule.source).toBe('api');

    const before = await versions();
    const second = await cli(['apply', dir]);
    expect(second.stdout).toContain('unchanged  workflow  checkout');
    expect(second.stdout).toMatch(/no changes: the sidecar already matches the files \(5 unchanged\)\n$/);
    expect(second.code).toBe(0);
    expect(await versions()).toEqual(before);
  });

  it('updates only the definitions that changed, and --dry-run prints the plan without changing anything', async () => {
    const dir = definitionsDir('repo-changed');
    fs.writeFileSync(path.join(dir, 'checkout.yaml'), CHECKOUT.replace('name: Checkout', 'name: Checkout flow'));
    fs.writeFileSync(path.join(dir, 'alerting', 'rules.yaml'), RULES.replace('cooldown: 10m', 'cooldown: 15m'));
    fs.writeFileSync(path.join(dir, 'new.yaml'), FILE_DEFINED.replace('id: from-file', 'id: brand-new'));
    const before = await versions();

    const plan = await cli(['apply', dir, '--dry-run']);
    expect(plan.stdout).toContain('update     workflow  checkout');
    expect(plan.stdout).toContain('create     workflow  brand-new');
    expect(plan.stdout).toContain('update     rule      checkout-slow');
    expect(plan.stdout).toContain('unchanged  workflow  search');
    expect(plan.stdout).toContain('dry run, nothing changed: 1 to create, 2 to update, 0 to delete, 3 unchanged\n');
    expect(plan.code).toBe(0);
    expect(await versions()).toEqual(before);

    const applied = await cli(['apply', dir]);
    expect(applied.stdout).toContain('applied: 1 created, 2 updated, 0 deleted, 3 unchanged\n');
    expect(applied.code).toBe(0);
    const after = await versions();
    expect(after['workflow checkout']).toBe(before['workflow checkout']! + 1);
    expect(after['rule checkout-slow']).toBe(before['rule checkout-slow']! + 1);
    expect(after['workflow search']).toBe(before['workflow search']);
    expect(after['rule search-failing']).toBe(before['rule search-failing']);
    expect((await getJson<Listed>(sidecar, '/api/v1/workflows/checkout')).name).toBe('Checkout flow');
  });

  it('with --prune deletes the API-defined workflows and rules missing from the files, never file-defined or predefined ones', async () => {
    const dir = definitionsDir('repo-pruned');
    const kept = await cli(['apply', dir]);
    expect(kept.stdout).toContain('note: API-defined workflow "brand-new" on the sidecar is not in the files (--prune deletes it)');
    expect(kept.code).toBe(0);
    expect((await sidecar.api('/api/v1/workflows/brand-new')).status).toBe(200);
    const predefined = (await getJson<{ rules: Listed[] }>(sidecar, '/api/v1/rules')).rules.filter((r) => r.source === 'builtin').map((r) => r.id);
    expect(predefined.length).toBeGreaterThan(0);

    fs.rmSync(path.join(dir, 'alerting', 'rules.yaml'));
    const dryRun = await cli(['apply', dir, '--prune', '--dry-run']);
    expect(dryRun.stdout).toContain('delete     workflow  brand-new  (not in the files)');
    expect((await sidecar.api('/api/v1/workflows/brand-new')).status).toBe(200);

    const pruned = await cli(['apply', dir, '--prune']);
    expect(pruned.stdout).toContain('delete     workflow  brand-new');
    expect(pruned.stdout).toContain('delete     rule      checkout-slow');
    expect(pruned.stdout).toContain('delete     rule      search-failing');
    expect(pruned.stdout).toContain('applied: 0 created, 0 updated, 3 deleted, 3 unchanged\n');
    expect(pruned.code).toBe(0);
    expect((await sidecar.api('/api/v1/workflows/brand-new')).status).toBe(404);
    expect((await sidecar.api('/api/v1/rules/checkout-slow')).status).toBe(404);
    expect((await getJson<Listed>(sidecar, '/api/v1/workflows/from-file')).source).toBe('file');
    const rulesLeft = (await getJson<{ rules: Listed[] }>(sidecar, '/api/v1/rules')).rules.map((r) => r.id);
    expect(rulesLeft).toEqual(expect.arrayContaining(predefined));

    // An empty directory would delete everything API-defined: refused.
    const empty = mkdir('empty');
    const refused = await cli(['apply', empty, '--prune']);
    expect(refused.stderr).toContain('holds no workflow or rule: apply --prune would delete every API-defined one on the sidecar; refusing');
    expect(refused.code).toBe(1);
    expect((await sidecar.api('/api/v1/workflows/checkout')).status).toBe(200);
  });

  it('export writes the API-defined workflows and rules as files that apply takes back unchanged, on the same sidecar and on another', async () => {
    await cli(['apply', definitionsDir('repo-full')]);
    const out = path.join(root, 'exported');
    const exported = await cli(['export', '--out', out], sidecar, { WORKFLOW_MONITOR_TOKEN: TEST_READONLY_TOKEN });
    expect(exported.stdout).toContain('exported 3 workflows and 2 rules');
    expect(exported.stdout).toContain('(1 file-defined workflow left out)');
    expect(exported.code).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['alerting', 'checkout.yaml', 'nightly-import.yaml', 'search.yaml']);
    expect(fs.readdirSync(path.join(out, 'alerting'))).toEqual(['rules.yaml']);

    const again = await cli(['apply', out]);
    expect(again.stdout).toMatch(/no changes: the sidecar already matches the files \(5 unchanged\)\n$/);
    expect(again.code).toBe(0);

    const other = await startTestSidecar({ features: FEATURES });
    try {
      const created = await cli(['apply', out], other);
      expect(created.stdout).toContain('applied: 5 created, 0 updated, 0 deleted, 0 unchanged\n');
      const outOther = path.join(root, 'exported-other');
      expect((await cli(['export', '--out', outOther], other)).code).toBe(0);
      for (const file of ['checkout.yaml', 'nightly-import.yaml', 'search.yaml', path.join('alerting', 'rules.yaml')]) {
        expect(fs.readFileSync(path.join(outOther, file), 'utf8')).toBe(fs.readFileSync(path.join(out, file), 'utf8'));
      }
    } finally {
      await other.stop();
    }
  });

  it('refuses to take over a workflow the sidecar loads from its own files: nothing applied, exit code 1', async () => {
    const dir = definitionsDir('repo-conflict');
    fs.writeFileSync(path.join(dir, 'from-file.yaml'), FILE_DEFINED.replace('Defined on the sidecar', 'Taken over'));
    const before = await versions();
    const run = await cli(['apply', dir]);
    expect(run.stdout).toMatch(/conflict: workflow "from-file" \(.*from-file\.yaml\) is defined in .*sidecar-files\/from-file\.yaml on the sidecar; apply manages API-defined ones only\n/);
    expect(run.code).toBe(1);
    expect(await versions()).toEqual(before);
  });

  it('sends nothing when a file does not validate, and places the problem in the file', async () => {
    const dir = definitionsDir('repo-invalid');
    fs.writeFileSync(path.join(dir, 'checkout.yaml'), CHECKOUT.replace('strategy: fast', 'strategy: fastest'));
    const before = await versions();
    const run = await cli(['apply', dir]);
    expect(run.stdout).toContain(`${path.join(dir, 'checkout.yaml')}:4:20: retry.strategy: strategy must be one of default, aggressive, fast\n`);
    expect(run.stdout).toContain('nothing applied: 1 problem in the files\n');
    expect(run.code).toBe(1);
    expect(await versions()).toEqual(before);
  });

  it('says clearly what is wrong with the URL or the token, with a non-zero exit code', async () => {
    const dir = definitionsDir('repo-errors');

    const wrongToken = await cli(['apply', dir], sidecar, { WORKFLOW_MONITOR_TOKEN: 'not-the-token-0123456789' });
    expect(wrongToken.stderr).toMatch(new RegExp(`^workflow-monitor apply: the sidecar at ${sidecar.url} refused the token \\(401 unauthorized: .*\\); check --token / WORKFLOW_MONITOR_TOKEN\\n$`));
    expect(wrongToken.code).toBe(1);

    const readOnly = await cli(['apply', dir, '--prune'], sidecar, { WORKFLOW_MONITOR_TOKEN: TEST_READONLY_TOKEN });
    fs.writeFileSync(path.join(dir, 'checkout.yaml'), CHECKOUT.replace('name: Checkout', 'name: Read-only'));
    const refused = await cli(['apply', dir], sidecar, { WORKFLOW_MONITOR_TOKEN: TEST_READONLY_TOKEN });
    expect(readOnly.code).toBe(0);
    expect(refused.stderr).toContain('refused PUT /api/v1/workflows/checkout (403 forbidden');
    expect(refused.stderr).toContain('changes need the full API token (SIDECAR_API_TOKEN), not the read-only one');
    expect(refused.code).toBe(1);

    const closed = await startTargetServer();
    const closedUrl = closed.url;
    await closed.close();
    const unreachable = await runCliProcess(['export', '--url', closedUrl, '--token', TEST_TOKEN, '--out', path.join(root, 'never')]);
    expect(unreachable.stderr).toBe(`workflow-monitor export: cannot reach the sidecar at ${closedUrl} (GET /api/v1/workflows): ECONNREFUSED\n`);
    expect(unreachable.code).toBe(1);
    expect(fs.existsSync(path.join(root, 'never'))).toBe(false);

    const notASidecar = await startTargetServer();
    try {
      const run = await runCliProcess(['export', '--url', notASidecar.url, '--token', TEST_TOKEN, '--out', path.join(root, 'never')]);
      expect(run.stderr).toContain(`${notASidecar.url}/api/v1/workflows did not answer with the list a Workflow Monitor sidecar gives: is --url the sidecar's base URL?`);
      expect(run.code).toBe(1);
    } finally {
      await notASidecar.close();
    }

    const notAUrl = await runCliProcess(['apply', dir, '--url', 'localhost:3001', '--token', TEST_TOKEN]);
    expect(notAUrl.stderr).toMatch(/^workflow-monitor apply: --url "localhost:3001" must be an http:\/\/ or https:\/\/ URL\n\nUsage: workflow-monitor apply/);
    expect(notAUrl.code).toBe(2);

    const noToken = await runCliProcess(['export', '--url', sidecar.url]);
    expect(noToken.stderr).toMatch(/^workflow-monitor export: the API token is missing: set WORKFLOW_MONITOR_TOKEN \(or give --token\)/);
    expect(noToken.code).toBe(2);
  });
});
