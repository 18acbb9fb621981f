import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureBuilt } from '../../scripts/launch.cjs';
import { COMPILED, SIDECAR_DIR, listening, spawnSidecar, urlOf, type SidecarProcess } from '../support/sidecarProcess';
import { eventually, startTargetServer, type TargetServer } from '../support/targetServer';

jest.setTimeout(300_000);

const TOKEN = 'compiled-test-token-0123456789';
const ROOT_PACKAGE = JSON.parse(fs.readFileSync(path.join(SIDECAR_DIR, '..', 'package.json'), 'utf8')) as { version: string };

function postgresProcessesUsing(dir: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes('postgres') && line.includes(dir));
}

/** The image's command, `node dist/main.js`, on a freshly built dist/ (built here only when missing or stale). */
describe('the compiled sidecar (node dist/main.js)', () => {
  let target: TargetServer;
  let dataDir: string;
  let workflowsDir: string;
  let sidecar: SidecarProcess;
  let url: string;

  beforeAll(async () => {
    ensureBuilt(SIDECAR_DIR, { log: () => undefined });
    let pings = 0;
    target = await startTargetServer((req, res) => {
      if (req.url === '/ping' && ++pings === 1) {
        res.writeHead(503).end('warming up');
        return true;
      }
      return false;
    });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-compiled-'));
    workflowsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-compiled-workflows-'));
    fs.writeFileSync(
      path.join(workflowsDir, 'compiled.yml'),
      [
        'id: compiled',
        'name: Compiled run',
        'schedule: { every: 1h }',
        'retry: { maxAttempts: 3, initialDelay: 100ms, maxDelay: 1s }',
        'steps:',
        '  - name: ping',
        '    request: { url: "${WM_COMPILED_TARGET}/ping" }',
        '    assert: ["status == 200"]',
        '',
      ].join('\n')
    );
    sidecar = spawnSidecar(
      { DATA_DIR: dataDir, PORT: '0', DEMO: 'off', WORKFLOWS_DIR: workflowsDir, SIDECAR_API_TOKEN: TOKEN, WM_COMPILED_TARGET: target.url, SCHEDULER_POLL_INTERVAL: '50ms' },
      COMPILED
    );
    url = urlOf(await sidecar.waitFor(listening));
  });

  afterAll(async () => {
    if (sidecar.child.exitCode === null) {
      sidecar.child.kill('SIGKILL');
    }
    await target.close();
    fs.rmSync(workflowsDir, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs from JavaScript only: the process loaded dist/main.js, with no TypeScript loader', () => {
    expect(fs.existsSync(path.join(SIDECAR_DIR, 'dist/main.js'))).toBe(true);
    expect(sidecar.child.spawnargs.slice(1)).toEqual(['dist/main.js']);
  });

  it('answers /health as healthy with the API version and the release', async () => {
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as { status: string; version: string; release: string; checks: Record<string, { status: string }> };
    expect(body).toMatchObject({ status: 'healthy', version: expect.stringMatching(/^\d+\.\d+\.\d+$/), release: ROOT_PACKAGE.version });
    expect(body.checks.migrations!.status).toBe('healthy');
  });

  it('runs a workflow file against a loopback target: 503 then 200 is degraded (succeeded after one retry)', async () => {
    const run = await fetch(`${url}/api/v1/workflows/compiled/run`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(run.status).toBe(202);
    const execution = await eventually(async () => {
      const page = (await (await fetch(`${url}/api/v1/workflows/compiled/executions`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as {
        executions: Array<{ status: string; attempts: number; retries: number; trigger: string }>;
      };
      return page.executions[0];
    }, 120_000);
    expect(execution).toMatchObject({ trigger: 'manual', status: 'degraded', attempts: 2, retries: 1 });
    expect(target.hits.get('/ping')).toBe(2);
  });

  it('stops on SIGTERM with exit code 0 and leaves no embedded PostgreSQL running', async () => {
    expect(postgresProcessesUsing(dataDir).length).toBeGreaterThan(0);
    sidecar.child.kill('SIGTERM');
    expect(await sidecar.exited).toBe(0);
    expect(sidecar.lines.some((line) => line.msg === 'stopped')).toBe(true);
    expect(postgresProcessesUsing(dataDir)).toEqual([]);
  });
});
