import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { HarnessConfig } from './backendSrv';
import { proxyRequest, proxyResponse, type ProxyRoute } from './grafanaProxy';

export const APP_ID = 'workflowmonitor-workflowmonitor-app';
export const DATASOURCE_TYPE = 'workflowmonitor-workflowmonitor-datasource';
export const DATASOURCE_UID = 'workflow-monitor';
const DIST = path.resolve(__dirname, '../../../dist');
const ICONS = path.dirname(require.resolve('@grafana/ui/package.json')) + '/dist/public/img/icons';
// Grafana's own stylesheet carries uPlot's base CSS (@grafana/ui's GlobalStyles only adds to it): graphs need it.
const UPLOT_CSS = path.join(path.dirname(require.resolve('uplot')), 'uPlot.min.css');

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.css': 'text/css', '.map': 'application/json', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf' };

/** One Workflow Monitor data source the harness serves: its own uid, name and sidecar. */
export interface HarnessDatasource {
  uid: string;
  name: string;
  sidecarUrl: string;
  apiToken: string;
}

export interface HarnessServer {
  url: string;
  /** Requests the proxy forwarded, for assertions (method, path, status). */
  proxied: Array<{ method: string; path: string; status: number }>;
  setRole(role: 'Viewer' | 'Editor' | 'Admin'): void;
  close(): Promise<void>;
}

/**
 * Plays the parts of Grafana a plugin touches: serves the built plugin under /public/plugins/<id>/,
 * a page that boots the host bundle, and the data source proxy — the routes of the BUILT
 * dist/datasource/plugin.json, with their reqRole and header templates — in front of the real sidecar.
 */
export async function startHarnessServer(opts: {
  hostBundle: string;
  sidecarUrl: string;
  apiToken: string;
  role?: 'Viewer' | 'Editor' | 'Admin';
  user?: { login: string; name: string };
  /** Grafana's `[dataproxy] send_user_header`; docker-compose.yml turns it on, so the harness does by default. */
  sendUserHeader?: boolean;
  /** The data source's top-level URL, where Grafana sends a request no route matches (ours sets none). */
  datasourceUrl?: string;
  /** Port on 127.0.0.1; 0 (default) picks a free one. `npm run preview` asks for 3000, Grafana's. */
  port?: number;
  /** Data sources after the first (DATASOURCE_UID, "Workflow Monitor", sidecarUrl/apiToken), e.g. a staging sidecar. */
  moreDatasources?: HarnessDatasource[];
}): Promise<HarnessServer> {
  const datasources: HarnessDatasource[] = [{ uid: DATASOURCE_UID, name: 'Workflow Monitor', sidecarUrl: opts.sidecarUrl, apiToken: opts.apiToken }, ...(opts.moreDatasources ?? [])];
  let role = opts.role ?? 'Editor';
  const user = opts.user ?? { login: 'ops-alice', name: 'Alice Operator' };
  const dsManifest = JSON.parse(fs.readFileSync(path.join(DIST, 'datasource/plugin.json'), 'utf8')) as { routes?: ProxyRoute[] };
  const routes = dsManifest.routes ?? [];
  const proxied: HarnessServer['proxied'] = [];

  const page = (view: HarnessConfig['view']) => {
    const config: HarnessConfig = {
      appId: APP_ID,
      appModule: `/public/plugins/${APP_ID}/module.js`,
      datasourceModule: `/public/plugins/${APP_ID}/datasource/module.js`,
      datasourceUid: DATASOURCE_UID,
      datasourceType: DATASOURCE_TYPE,
      datasources: datasources.map(({ uid, name }) => ({ uid, name })),
      view,
    };
    const bootData = {
      user: { id: 1, login: user.login, name: user.name, email: `${user.login}@example.com`, orgRole: role, isGrafanaAdmin: false, orgId: 1, timezone: 'utc', theme: 'dark', locale: 'en-US', language: 'en-US', permissions: {} },
      settings: { appSubUrl: '', appUrl: '', buildInfo: { version: '12.3.0', buildNumber: 1 }, datasources: Object.fromEntries(datasources.map(({ uid, name }) => [name, { uid, name, type: DATASOURCE_TYPE, access: 'proxy', url: `/api/datasources/proxy/uid/${uid}`, isDefault: uid === DATASOURCE_UID, meta: { id: DATASOURCE_TYPE, type: 'datasource', name: 'Workflow Monitor', info: { logos: {} } } }])), panels: {}, featureToggles: {}, theme2: { colors: { mode: 'dark' } }, bootData: {} },
      navTree: [],
      themePaths: {},
    };
    return `<!doctype html><html><head><meta charset="utf-8"><title>Workflow Monitor harness</title>
<link rel="stylesheet" href="/harness/uplot.css">
<script>window.grafanaBootData = ${JSON.stringify(bootData)}; window.harnessConfig = ${JSON.stringify(config)};</script>
</head><body><div id="toasts"></div><div id="root"></div><script src="/harness/host.js"></script></body></html>`;
  };

  // Grafana's data source proxy semantics (grafanaProxy.ts): first route in order, string prefix, exact method,
  // 401 → 400, X-Grafana-User only when send_user_header, an unmatched method sent to the data source's own URL.
  const proxy = async (req: http.IncomingMessage, res: http.ServerResponse, rest: string, upstreamOf: HarnessDatasource = datasources[0]!) => {
    const datasource = { url: opts.datasourceUrl ?? '', jsonData: { url: upstreamOf.sidecarUrl }, secureJsonData: { apiToken: upstreamOf.apiToken } };
    const method = (req.method ?? 'GET').toUpperCase();
    const [routePath = '', query = ''] = rest.split('?');
    const decision = proxyRequest({ routes, datasource, method, proxyPath: routePath, query, role, login: user.login, sendUserHeader: opts.sendUserHeader ?? true, headers: req.headers });
    if (decision.kind === 'respond') {
      proxied.push({ method, path: routePath, status: decision.status });
      res.writeHead(decision.status, decision.headers).end(decision.body);
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const upstream = await fetch(decision.url, { method, headers: decision.headers, body: chunks.length > 0 && method !== 'GET' ? Buffer.concat(chunks) : undefined });
    // Grafana's proxy passes Content-Disposition on (a report's filename).
    const disposition = upstream.headers.get('content-disposition');
    const answer = proxyResponse(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json', ...(disposition ? { 'content-disposition': disposition } : {}) }, Buffer.from(await upstream.arrayBuffer()));
    proxied.push({ method, path: routePath, status: answer.status });
    res.writeHead(answer.status, answer.headers).end(answer.body);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://harness');
    const p = url.pathname;
    const fail = (error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
      }
      res.end(JSON.stringify({ message: String(error) }));
    };
    // Grafana serves its icons from public/build/img/icons; @grafana/ui ships the same files.
    const icon = /\/public\/(?:build\/)?img\/icons\/(.+\.svg)$/.exec(p);
    if (icon) {
      const file = path.join(ICONS, icon[1]!);
      if (file.startsWith(ICONS) && fs.existsSync(file)) {
        res.writeHead(200, { 'content-type': 'image/svg+xml' });
        fs.createReadStream(file).pipe(res);
        return;
      }
    }
    if (p === '/harness/uplot.css') {
      res.writeHead(200, { 'content-type': 'text/css' });
      fs.createReadStream(UPLOT_CSS).pipe(res);
      return;
    }
    if (p === '/harness/host.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      fs.createReadStream(opts.hostBundle).pipe(res);
      return;
    }
    if (p.startsWith(`/public/plugins/${APP_ID}/`)) {
      const file = path.join(DIST, p.slice(`/public/plugins/${APP_ID}/`.length));
      if (!file.startsWith(DIST) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      fs.createReadStream(file).pipe(res);
      return;
    }
    // Each data source has its own proxy prefix, as in Grafana: /api/datasources/proxy/uid/<uid>/…
    const datasource = datasources.find((ds) => p.startsWith(`/api/datasources/proxy/uid/${ds.uid}/`));
    if (datasource) {
      void proxy(req, res, `${p.slice(`/api/datasources/proxy/uid/${datasource.uid}/`.length)}${url.search}`, datasource).catch(fail);
      return;
    }
    if (p.startsWith('/a/')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end(page({ kind: 'app' }));
      return;
    }
    if (p === '/harness/panel') {
      const module = `/public/plugins/${APP_ID}/panels/${url.searchParams.get('panel')}/module.js`;
      const options = JSON.parse(url.searchParams.get('options') ?? '{}') as Record<string, unknown>;
      const targets = url.searchParams.get('targets') ? (JSON.parse(url.searchParams.get('targets')!) as unknown[]) : undefined;
      res.writeHead(200, { 'content-type': 'text/html' }).end(page({ kind: 'panel', module, options, targets, rangeMs: Number(url.searchParams.get('rangeMs') ?? 86_400_000) }));
      return;
    }
    if (p === '/harness/query-editor') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(page({ kind: 'queryEditor' }));
      return;
    }
    // Grafana API calls a plugin may make that the harness answers like Grafana would.
    if (p === '/api/user') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ login: user.login, name: user.name }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `harness: nothing at ${p}` }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    proxied,
    setRole(next) {
      role = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
