import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alertsFeature } from '../../src/app/features/alerts';
import { PREDEFINED_RULES } from '../../src/alerts/predefinedRules';
import { workflowsFeature } from '../../src/app/features/workflows';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';
import { eventually } from '../support/targetServer';

jest.setTimeout(180_000);

/** Room for two rules of our own next to the predefined ones. */
const MAX_RULES = PREDEFINED_RULES.length + 2;
const LIMITS = { MAX_WORKFLOWS: '3', MAX_RULES: String(MAX_RULES), MAX_CHANNELS: '2', ALERTING: 'false' };

async function expectStatus(response: Response, status: number): Promise<any> {
  const body = await response.json().catch(() => undefined);
  expect({ status: response.status, body }).toMatchObject({ status });
  return body;
}

const workflow = (id: string) => ({ id, name: `Push ${id}`, schedule: { push: { expected: '1h' } } });
const rule = (id: string) => ({ id, name: `Rule ${id}`, severity: 'error', condition: { type: 'consecutive_failures', count: 3 } });
const channel = (id: string) => ({ id, name: id, type: 'webhook', config: { url: `http://127.0.0.1:9/${id}` } });

describe('over the API: creating beyond the limit is a 409 naming the limit and its variable', () => {
  let sidecar: TestSidecar;
  beforeAll(async () => {
    sidecar = await startTestSidecar({ features: [workflowsFeature, alertsFeature], env: LIMITS });
  });
  afterAll(async () => {
    await sidecar?.stop();
  });

  it('workflows: the fourth POST and a PUT of a new id are refused; replacing one, or creating after a delete, is not', async () => {
    for (const id of ['w1', 'w2', 'w3']) {
      await expectStatus(await sidecar.api('/api/v1/workflows', { method: 'POST', json: workflow(id) }), 201);
    }
    const refused = await expectStatus(await sidecar.api('/api/v1/workflows', { method: 'POST', json: workflow('w4') }), 409);
    expect(refused.error).toEqual({
      code: 'limit_reached',
      message: 'cannot create "w4": the limit of 3 workflows is reached (MAX_WORKFLOWS=3); delete some or raise MAX_WORKFLOWS',
      details: { resource: 'workflows', limit: 3, setting: 'MAX_WORKFLOWS' },
    });
    expect((await expectStatus(await sidecar.api('/api/v1/workflows/w4', { method: 'PUT', json: workflow('w4') }), 409)).error.code).toBe('limit_reached');
    await expectStatus(await sidecar.api('/api/v1/workflows/w2', { method: 'PUT', json: { ...workflow('w2'), name: 'Renamed' } }), 200);
    const { workflows } = await expectStatus(await sidecar.api('/api/v1/workflows'), 200);
    expect(workflows.map((w: any) => w.id)).toEqual(['w1', 'w2', 'w3']);
    expect((await sidecar.api('/api/v1/workflows/w3', { method: 'DELETE' })).status).toBe(204);
    await expectStatus(await sidecar.api('/api/v1/workflows', { method: 'POST', json: workflow('w4') }), 201);
  });

  it(`rules: the predefined ones count; with MAX_RULES=${MAX_RULES} the third rule of our own is refused, replacing one is not`, async () => {
    await expectStatus(await sidecar.api('/api/v1/rules', { method: 'POST', json: rule('r1') }), 201);
    await expectStatus(await sidecar.api('/api/v1/rules/r2', { method: 'PUT', json: rule('r2') }), 201);
    const refused = await expectStatus(await sidecar.api('/api/v1/rules', { method: 'POST', json: rule('r3') }), 409);
    expect(refused.error).toMatchObject({ code: 'limit_reached', message: expect.stringContaining(`the limit of ${MAX_RULES} rules is reached (MAX_RULES=${MAX_RULES})`) });
    expect((await expectStatus(await sidecar.api('/api/v1/rules/r3', { method: 'PUT', json: rule('r3') }), 409)).error.code).toBe('limit_reached');
    await expectStatus(await sidecar.api('/api/v1/rules/r1', { method: 'PUT', json: { ...rule('r1'), name: 'Renamed' } }), 200);
    const { rules } = await expectStatus(await sidecar.api('/api/v1/rules'), 200);
    expect(rules).toHaveLength(MAX_RULES);
  });

  it('channels: the third is refused with MAX_CHANNELS=2; replacing one is not', async () => {
    await expectStatus(await sidecar.api('/api/v1/channels', { method: 'POST', json: channel('c1') }), 201);
    await expectStatus(await sidecar.api('/api/v1/channels', { method: 'POST', json: channel('c2') }), 201);
    const refused = await expectStatus(await sidecar.api('/api/v1/channels', { method: 'POST', json: channel('c3') }), 409);
    expect(refused.error).toMatchObject({ code: 'limit_reached', message: expect.stringContaining('the limit of 2 channels is reached (MAX_CHANNELS=2)') });
    expect((await expectStatus(await sidecar.api('/api/v1/channels/c3', { method: 'PUT', json: channel('c3') }), 409)).error.code).toBe('limit_reached');
    await expectStatus(await sidecar.api('/api/v1/channels/c2', { method: 'PUT', json: { ...channel('c2'), name: 'Renamed' } }), 200);
    const { channels } = await expectStatus(await sidecar.api('/api/v1/channels'), 200);
    expect(channels.map((c: any) => c.id)).toEqual(['c1', 'c2']);
  });
});

describe('from files: entries beyond the limit are load errors naming the file', () => {
  let sidecar: TestSidecar;
  let dir: string;
  const yaml = (id: string) => `id: ${id}\nname: File ${id}\nschedule: { push: { expected: 1h } }\n`;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-limits-'));
    for (const id of ['fa', 'fb', 'fc', 'fd']) {
      fs.writeFileSync(path.join(dir, `${id}.yaml`), yaml(id));
    }
    fs.mkdirSync(path.join(dir, 'alerting'));
    fs.writeFileSync(path.join(dir, 'alerting', 'team.yaml'), [
      'channels:',
      ...['fc1', 'fc2', 'fc3'].map((id) => `  - { id: ${id}, name: ${id}, type: webhook, config: { url: "http://127.0.0.1:9/${id}" } }`),
      'rules:',
      ...['fr1', 'fr2', 'fr3'].map((id) => `  - { id: ${id}, name: ${id}, severity: error, condition: { type: consecutive_failures, count: 3 } }`),
      '',
    ].join('\n'));
    sidecar = await startTestSidecar({ features: [workflowsFeature, alertsFeature], env: { ...LIMITS, WORKFLOWS_DIR: dir } });
  });
  afterAll(async () => {
    await sidecar?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('workflow files are taken in name order: the fourth is not loaded and its file is named in loadErrors', async () => {
    const { workflows, loadErrors } = await expectStatus(await sidecar.api('/api/v1/workflows'), 200);
    expect(workflows.map((w: any) => w.id)).toEqual(['fa', 'fb', 'fc']);
    expect(loadErrors).toEqual([{
      file: path.join(dir, 'fd.yaml'),
      path: 'id',
      message: 'workflow "fd" not loaded: the limit of 3 workflows is reached (MAX_WORKFLOWS=3); raise MAX_WORKFLOWS or remove workflows',
    }]);
  });

  it('a workflow file removed makes room for a new one (the vanished workflow no longer counts)', async () => {
    fs.rmSync(path.join(dir, 'fa.yaml'));
    fs.rmSync(path.join(dir, 'fd.yaml'));
    fs.writeFileSync(path.join(dir, 'fe.yaml'), yaml('fe'));
    const { workflows, loadErrors } = await eventually(async () => {
      const body = await expectStatus(await sidecar.api('/api/v1/workflows'), 200);
      return body.workflows.some((w: any) => w.id === 'fe') && !body.workflows.some((w: any) => w.id === 'fa') ? body : undefined;
    }, 30_000);
    expect(workflows.map((w: any) => w.id)).toEqual(['fb', 'fc', 'fe']);
    expect(loadErrors).toEqual([]);
  });

  it('alerting files: the channel and the rule beyond the limits are load errors with file and path, the others apply', async () => {
    const { loadErrors } = await expectStatus(await sidecar.api('/api/v1/alerting/load-errors'), 200);
    const file = path.join(dir, 'alerting', 'team.yaml');
    expect(loadErrors).toEqual([
      { file, path: 'channels[2]', message: 'cannot create "fc3": the limit of 2 channels is reached (MAX_CHANNELS=2); delete some or raise MAX_CHANNELS' },
      { file, path: 'rules[2]', message: `cannot create "fr3": the limit of ${MAX_RULES} rules is reached (MAX_RULES=${MAX_RULES}); delete some or raise MAX_RULES` },
    ]);
    const { channels } = await expectStatus(await sidecar.api('/api/v1/channels'), 200);
    expect(channels.map((c: any) => c.id)).toEqual(['fc1', 'fc2']);
    const { rules } = await expectStatus(await sidecar.api('/api/v1/rules'), 200);
    expect(rules.filter((r: any) => r.source === 'file').map((r: any) => r.id)).toEqual(['fr1', 'fr2']);
  });
});
