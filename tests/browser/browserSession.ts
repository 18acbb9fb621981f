import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { listening, spawnSidecar, urlOf, type SidecarProcess } from '../../backend-sidecar/test/support/sidecarProcess';
import { buildHost } from './harness/buildHost';
import { startHarnessServer, type HarnessDatasource, type HarnessServer } from './harness/server';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
export const API_TOKEN = 'browser-test-token-0123456789';

export interface BrowserSession {
  sidecarUrl: string;
  harness: HarnessServer;
  browser: Browser;
  /** Console errors and page errors seen by any page opened with `open`. */
  consoleErrors: string[];
  open(pathAndQuery: string): Promise<Page>;
  api<T = any>(pathAndQuery: string, init?: { method?: string; json?: unknown }): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/**
 * A real sidecar (embedded PostgreSQL, demo service, demo workflows), the harness server in front
 * of it, and headless Chromium.
 */
export async function startBrowserSession(opts: { /** Extra sidecar environment (e.g. GRAFANA_URL). */ env?: Record<string, string>; moreDatasources?: HarnessDatasource[] } = {}): Promise<BrowserSession> {
  if (!CHROMIUM) {
    throw new Error('Chromium not found: install Debian\'s `chromium` (apt-get install -y chromium) or set CHROMIUM_PATH');
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-browser-'));
  const sidecar: SidecarProcess = spawnSidecar({ DATA_DIR: dataDir, PORT: '0', DEMO: 'on', DEMO_PORT: '0', SIDECAR_API_TOKEN: API_TOKEN, LOG_LEVEL: 'info', ALERT_EVAL_INTERVAL: '2s', ...opts.env });
  let sidecarUrl: string;
  try {
    sidecarUrl = urlOf(await sidecar.waitFor(listening, 300_000));
  } catch (error) {
    sidecar.child.kill('SIGTERM');
    throw error;
  }
  const hostBundle = await buildHost();
  const harness = await startHarnessServer({ hostBundle, sidecarUrl, apiToken: API_TOKEN, moreDatasources: opts.moreDatasources });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const consoleErrors: string[] = [];
  return {
    sidecarUrl,
    harness,
    browser,
    consoleErrors,
    async open(pathAndQuery) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      // Waits bound a hang only; a loaded CI machine renders slowly.
      page.setDefaultTimeout(60_000);
      page.on('console', (message) => {
        if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) {
          consoleErrors.push(`${pathAndQuery}: ${message.text()}`);
        }
      });
      page.on('pageerror', (error) => consoleErrors.push(`${pathAndQuery}: ${error.message}`));
      // Name the resource behind a "Failed to load resource" console error.
      page.on('response', (response) => {
        // Grafana's own web fonts are served by Grafana and not published to npm: not the plugin's concern.
        if (response.status() >= 400 && !/\/public\/fonts\//.test(response.url())) {
          consoleErrors.push(`${pathAndQuery}: HTTP ${response.status()} for ${response.request().method()} ${response.url()}`);
        }
      });
      await page.goto(`${harness.url}${pathAndQuery}`);
      await page.waitForFunction(() => (window as unknown as { harness?: { ready: boolean; errors: string[] } }).harness?.ready === true || ((window as unknown as { harness?: { errors: string[] } }).harness?.errors.length ?? 0) > 0, undefined, { timeout: 30_000 });
      const bootErrors = await page.evaluate(() => (window as unknown as { harness: { errors: string[] } }).harness.errors);
      if (bootErrors.length > 0) {
        throw new Error(`harness failed to boot: ${bootErrors.join('\n')}`);
      }
      return page;
    },
    async api(pathAndQuery, init = {}) {
      const response = await fetch(`${sidecarUrl}${pathAndQuery}`, {
        method: init.method ?? 'GET',
        headers: { Authorization: `Bearer ${API_TOKEN}`, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await browser.close().catch(() => undefined);
      await harness.close();
      sidecar.child.kill('SIGTERM');
      await sidecar.exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
