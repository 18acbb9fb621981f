/**
 * `npm run preview`: the BUILT plugin (dist/) in the browser harness page — the real @grafana/data|ui|runtime
 * packages, Grafana's data source proxy semantics (grafanaProxy.ts) — in front of a sidecar that is already
 * running. A preview for people without Docker, not Grafana: `docker compose up` is the real thing.
 *
 *   SIDECAR_URL        the sidecar (default http://127.0.0.1:3001; start one with `PORT=3001 npm start`)
 *   SIDECAR_API_TOKEN  its token (default: the one `npm start` generated, backend-sidecar/data/api-token)
 *   PREVIEW_PORT       where the preview listens on 127.0.0.1 (default 3000, Grafana's; 0 picks a free one)
 *   PREVIEW_ROLE       the signed-in user's Grafana role: Viewer, Editor (default) or Admin
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildHost } from './buildHost';
import { APP_ID, startHarnessServer } from './server';

const ROOT = path.resolve(__dirname, '../../..');
const GENERATED_TOKEN = path.join(ROOT, 'backend-sidecar/data/api-token');
const ROLES = ['Viewer', 'Editor', 'Admin'] as const;

function fail(message: string): never {
  process.stderr.write(`preview: ${message}\n`);
  process.exit(1);
}

/** One line saying whether the sidecar answers and takes the token; the preview starts either way. */
async function checkSidecar(url: string, token: string): Promise<string> {
  try {
    const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5000) });
    const workflows = await fetch(`${url}/api/v1/workflows`, { headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) });
    if (workflows.status === 401) {
      return `the sidecar at ${url} refused the token: set SIDECAR_API_TOKEN to its token`;
    }
    return `sidecar at ${url}: /health ${health.status}, /api/v1/workflows ${workflows.status}`;
  } catch (error) {
    return `nothing answers at ${url} yet (${(error as Error).message}): start a sidecar there, e.g. PORT=3001 npm start, or set SIDECAR_URL`;
  }
}

async function main() {
  if (!fs.existsSync(path.join(ROOT, 'dist/module.js'))) {
    fail('dist/module.js not found: run npm run build first (the preview serves the built plugin)');
  }
  const sidecarUrl = (process.env.SIDECAR_URL ?? 'http://127.0.0.1:3001').replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(sidecarUrl)) {
    fail(`SIDECAR_URL must be an http:// or https:// URL, got "${sidecarUrl}"`);
  }
  const apiToken = process.env.SIDECAR_API_TOKEN || (fs.existsSync(GENERATED_TOKEN) ? fs.readFileSync(GENERATED_TOKEN, 'utf8').trim() : '');
  if (!apiToken) {
    fail(`no token: set SIDECAR_API_TOKEN (or start the sidecar with npm start, which writes ${path.relative(ROOT, GENERATED_TOKEN)})`);
  }
  const port = Number(process.env.PREVIEW_PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    fail(`PREVIEW_PORT must be a port number, got "${process.env.PREVIEW_PORT}"`);
  }
  const role = (process.env.PREVIEW_ROLE ?? 'Editor') as (typeof ROLES)[number];
  if (!ROLES.includes(role)) {
    fail(`PREVIEW_ROLE must be one of ${ROLES.join(', ')}, got "${role}"`);
  }

  const hostBundle = await buildHost();
  const server = await startHarnessServer({ hostBundle, sidecarUrl, apiToken, role, port, user: { login: 'preview', name: 'Preview user' } }).catch((error: Error) =>
    fail(`cannot listen on 127.0.0.1:${port} (${error.message}); set PREVIEW_PORT`)
  );
  process.stdout.write(
    [
      '',
      `  Workflow Monitor preview: ${server.url}/a/${APP_ID}/overview`,
      '',
      `  A preview, not Grafana: the built plugin (dist/) in a test page with the real @grafana/* packages and`,
      `  Grafana's data source proxy rules, signed in with the ${role} role. The real thing is \`docker compose up\`.`,
      `  ${await checkSidecar(sidecarUrl, apiToken)}`,
      '  Ctrl-C stops it.',
      '',
    ].join('\n') + '\n'
  );
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => fail(error instanceof Error ? (error.stack ?? error.message) : String(error)));
