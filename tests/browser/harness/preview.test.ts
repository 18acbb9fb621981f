import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listening, spawnSidecar, urlOf, type SidecarProcess } from '../../../backend-sidecar/test/support/sidecarProcess';
import { APP_ID, DATASOURCE_UID } from './server';

// `npm run preview` against a real sidecar process: it starts, serves the app page and the built plugin, and its
// Grafana-style proxy adds the token. No browser. Needs `npm run build` (it serves dist/), as test:browser does.
const ROOT = path.resolve(__dirname, '../../..');
const TOKEN = 'preview-test-token-0123456789';

let dataDir: string;
let sidecar: SidecarProcess;
let preview: ChildProcess;
let previewOut = '';
let previewUrl: string;

/** Polls until `condition` returns a value or the generous deadline passes (a loaded 2-core machine is slow). */
async function until<T>(what: string, condition: () => T | undefined, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = condition();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  if (!fs.existsSync(path.join(ROOT, 'dist/module.js'))) {
    throw new Error('dist/module.js not found: run npm run build first');
  }
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-preview-'));
  sidecar = spawnSidecar({ DATA_DIR: dataDir, PORT: '0', DEMO: 'off', SIDECAR_API_TOKEN: TOKEN, LOG_LEVEL: 'info' });
  const sidecarUrl = urlOf(await sidecar.waitFor(listening, 120_000));
  preview = spawn(process.execPath, ['--import', 'tsx', 'tests/browser/harness/preview.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', SIDECAR_URL: sidecarUrl, SIDECAR_API_TOKEN: TOKEN, PREVIEW_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  preview.stdout!.on('data', (chunk: Buffer) => (previewOut += chunk.toString()));
  preview.stderr!.on('data', (chunk: Buffer) => (previewOut += chunk.toString()));
  previewUrl = await until(`the preview's URL (output so far: ${previewOut})`, () => /Workflow Monitor preview: (http:\/\/127\.0\.0\.1:\d+)\//.exec(previewOut)?.[1]);
}, 300_000);

afterAll(async () => {
  if (preview && preview.exitCode === null) {
    const exited = new Promise((resolve) => preview.once('exit', resolve));
    preview.kill('SIGTERM');
    await exited;
  }
  if (sidecar) {
    sidecar.child.kill('SIGTERM');
    await sidecar.exited;
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

it('prints the page to open, says it is a preview and not Grafana, and that the sidecar answers', () => {
  expect(previewOut).toContain(`/a/${APP_ID}/overview`);
  expect(previewOut).toMatch(/A preview, not Grafana/);
  expect(previewOut).toContain('docker compose up');
  expect(previewOut).toMatch(/\/health 200, \/api\/v1\/workflows 200/);
});

it('serves the app page booting the host bundle, and the built plugin module', async () => {
  const page = await fetch(`${previewUrl}/a/${APP_ID}/overview`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<script src="/harness/host.js"></script>');
  const host = await fetch(`${previewUrl}/harness/host.js`);
  expect(host.status).toBe(200);
  const module = await fetch(`${previewUrl}/public/plugins/${APP_ID}/module.js`);
  expect(module.status).toBe(200);
  expect(await module.text()).toBe(fs.readFileSync(path.join(ROOT, 'dist/module.js'), 'utf8'));
});

it("proxies the plugin's calls to the sidecar with the token added by the proxy, as Grafana's data source proxy does", async () => {
  const response = await fetch(`${previewUrl}/api/datasources/proxy/uid/${DATASOURCE_UID}/api/v1/workflows`);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { workflows?: unknown; loadErrors?: unknown };
  // (fetch's JSON comes from another realm than jest's: Array.isArray, not expect.any(Array))
  expect({ workflows: Array.isArray(body.workflows), loadErrors: Array.isArray(body.loadErrors) }).toEqual({ workflows: true, loadErrors: true });
  // The browser's own Authorization never reaches the sidecar in place of the route's header.
  const forged = await fetch(`${previewUrl}/api/datasources/proxy/uid/${DATASOURCE_UID}/api/v1/workflows`, { headers: { Authorization: 'Bearer wrong' } });
  expect(forged.status).toBe(200);
});
