import fs from 'fs';
import path from 'path';
import {
  AUTHENTICATION_FAILED,
  ROUTE_ACCESS_DENIED,
  cleanRelativePath,
  joinUrlFragments,
  matchRoute,
  proxyRequest,
  proxyResponse,
  type OrgRole,
  type ProxyRequest,
  type ProxyRoute,
} from './grafanaProxy';

// The harness's Grafana data source proxy (grafanaProxy.ts, also used by `npm run preview`) pinned to what
// Grafana's pkg/api/pluginproxy does, and our data source's routes checked through it. No browser: it runs first
// in `npm run test:browser` (and so in `npm test`), or alone: npx jest -c tests/browser/jest.config.js grafanaProxy
const root = path.resolve(__dirname, '../../..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'src/datasource/plugin.json'), 'utf8')) as { routes: ProxyRoute[] };
const openapi = JSON.parse(fs.readFileSync(path.join(root, 'tests/contract/openapi.json'), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
const SIDECAR = 'http://sidecar:8080';
const TOKEN = 'secret-token';

const request = (over: Partial<ProxyRequest> & Pick<ProxyRequest, 'method' | 'proxyPath'>): ProxyRequest => ({
  routes: manifest.routes,
  datasource: { jsonData: { url: SIDECAR }, secureJsonData: { apiToken: TOKEN } },
  query: '',
  role: 'Viewer',
  login: 'ops-alice',
  sendUserHeader: true,
  headers: {},
  ...over,
});

/** Every operation of the sidecar's OpenAPI document as the proxy path the plugin's client asks for. */
const operations = Object.entries(openapi.paths).flatMap(([p, methods]) =>
  Object.keys(methods).map((method) => ({ method: method.toUpperCase(), proxyPath: p.replace(/^\//, '').replace(/\{[^}]+\}/g, '42') }))
);
const writes = operations.filter((o) => o.method !== 'GET');

/** The writes a Viewer gets through to the sidecar with the token, other than the one read-only POST. */
function viewerWritesAllowed(routes: ProxyRoute[]): string[] {
  return writes
    .filter((o) => !(o.method === 'POST' && o.proxyPath === 'api/v1/query'))
    .filter((o) => proxyRequest(request({ routes, role: 'Viewer', ...o })).kind === 'forward')
    .map((o) => `${o.method} ${o.proxyPath}`);
}

describe("our data source's routes through Grafana's matching", () => {
  it('the OpenAPI document has writes to check (POST, PUT and DELETE)', () => {
    expect(new Set(writes.map((w) => w.method))).toEqual(new Set(['POST', 'PUT', 'DELETE']));
    expect(writes.length).toBeGreaterThan(10);
  });

  it('let a Viewer POST api/v1/query and nothing else: every other POST, PUT and DELETE is denied with 403', () => {
    expect(viewerWritesAllowed(manifest.routes)).toEqual([]);
    for (const write of writes) {
      const decision = proxyRequest(request({ role: 'Viewer', ...write }));
      const expected = write.method === 'POST' && write.proxyPath === 'api/v1/query' ? 'forward' : 'respond';
      expect({ write, kind: decision.kind, status: decision.kind === 'respond' ? decision.status : 200 }).toEqual({ write, kind: expected, status: expected === 'forward' ? 200 : 403 });
    }
  });

  // The plugin calls /api/… and health; /ready and /metrics are for orchestrators and Prometheus, not proxied.
  const apiOperations = operations.filter((o) => o.proxyPath.startsWith('api/'));

  it('let an Editor reach every /api operation at the same path on the sidecar, with the token', () => {
    for (const op of apiOperations) {
      const decision = proxyRequest(request({ role: 'Editor', ...op, query: 'a=1' }));
      expect({ op, url: decision.kind === 'forward' ? decision.url : decision.status }).toEqual({ op, url: `${SIDECAR}/${op.proxyPath}?a=1` });
      expect(decision.kind === 'forward' && decision.headers.Authorization).toBe(`Bearer ${TOKEN}`);
    }
  });

  it('let a Viewer read everything (every /api GET) with the token, and health without it', () => {
    for (const op of apiOperations.filter((o) => o.method === 'GET')) {
      const decision = proxyRequest(request({ role: 'Viewer', ...op }));
      expect({ op, kind: decision.kind, token: decision.kind === 'forward' && decision.headers.Authorization }).toEqual({ op, kind: 'forward', token: `Bearer ${TOKEN}` });
    }
    const health = proxyRequest(request({ method: 'GET', proxyPath: 'health' }));
    expect(health).toMatchObject({ kind: 'forward', url: `${SIDECAR}/health` });
    expect(health.kind === 'forward' && health.headers.Authorization).toBeUndefined();
  });

  it('would fail for orders that let a Viewer write (so the check above can fail)', () => {
    const reordered = (change: (routes: ProxyRoute[]) => ProxyRoute[]) => viewerWritesAllowed(change(manifest.routes.map((r) => ({ ...r }))));
    // The query route's path cut to a shorter prefix: Grafana's plain string prefix then covers every api/v1 POST.
    expect(reordered((rs) => rs.map((r) => (r.path === 'api/v1/query' ? { ...r, path: 'api/v1' } : r)))).toContain('POST api/v1/workflows');
    // The Viewer read route declared for every method, first: it matches before the Editor routes.
    expect(reordered((rs) => rs.map((r) => (r.method === 'GET' && r.path === 'api' ? { ...r, method: '*' } : r)))).toContain('DELETE api/v1/rules/42');
    // And the catch-all POST before the query route denies Viewers their query (Grafana never tries a later route).
    const catchAllFirst = [...manifest.routes].sort((a, b) => Number(b.method === 'POST' && b.path === 'api') - Number(a.method === 'POST' && a.path === 'api'));
    expect(proxyRequest(request({ routes: catchAllFirst, method: 'POST', proxyPath: 'api/v1/query' })).kind).toBe('respond');
  });
});

describe("Grafana's route matching (ds_proxy.go validateRequest)", () => {
  const routes: ProxyRoute[] = [
    { path: 'api/v1/query', method: 'POST', reqRole: 'Viewer', url: 'http://up/q' },
    { path: 'api', method: 'GET', reqRole: 'Viewer', url: 'http://up/api' },
    { path: 'api', method: 'POST', reqRole: 'Editor', url: 'http://up/api' },
    { path: 'api', reqRole: 'Admin', url: 'http://up/any' },
  ];
  const match = (method: string, p: string, role: OrgRole = 'Viewer') => {
    const m = matchRoute(routes, method, p, role);
    return m.kind === 'unmatched' ? 'unmatched' : `${m.kind} ${m.index}`;
  };

  it('takes the first route in declaration order whose method matches exactly, not the longest', () => {
    expect(match('POST', 'api/v1/query')).toBe('route 0');
    expect(match('POST', 'api/v1/rules', 'Editor')).toBe('route 2');
    expect(match('GET', 'api/v1/query')).toBe('route 1');
    expect(match('PATCH', 'api/v1/x', 'Admin')).toBe('route 3');
    expect(match('get', 'api/v1/x', 'Admin')).toBe('route 3');
  });

  it('compares paths as plain string prefixes, without a / boundary, after cleaning . and ..', () => {
    expect(match('POST', 'api/v1/query-log')).toBe('route 0');
    expect(match('GET', 'apis/anything')).toBe('route 1');
    expect(match('POST', 'api/v1/query/../rules')).toBe('denied 2');
    expect(match('POST', 'api//v1/./query')).toBe('route 0');
    expect(cleanRelativePath('/a//b/./c/../d/')).toBe('a/b/d');
    expect(cleanRelativePath('')).toBe('.');
    expect(matchRoute([{ path: '', method: 'GET' }], 'GET', 'anything', 'Viewer').kind).toBe('route');
  });

  it('denies on the first match the role may not use, without trying later routes', () => {
    expect(match('POST', 'api/v1/rules')).toBe('denied 2');
    expect(match('DELETE', 'api/v1/rules/1', 'Editor')).toBe('denied 3');
    const decision = proxyRequest(request({ routes, method: 'POST', proxyPath: 'api/v1/rules' }));
    expect(decision).toMatchObject({ kind: 'respond', status: 403, body: JSON.stringify({ message: ROUTE_ACCESS_DENIED }) });
  });
});

describe("Grafana's forwarding (director, ApplyRoute, JoinURLFragments)", () => {
  it('joins URL fragments with exactly one slash, as util.JoinURLFragments', () => {
    expect(joinUrlFragments('/api', '/v1')).toBe('/api/v1');
    expect(joinUrlFragments('/api/', '/v1')).toBe('/api/v1');
    expect(joinUrlFragments('/api', 'v1')).toBe('/api/v1');
    expect(joinUrlFragments('/api/', 'v1')).toBe('/api/v1');
    expect(joinUrlFragments('/api', '')).toBe('/api');
    expect(joinUrlFragments('', '')).toBe('');
  });

  it('sends the rest of the path after the route path to the route URL, query kept', () => {
    const decision = proxyRequest(request({ method: 'GET', proxyPath: 'api/v1/alerts', query: 'state=open&limit=5' }));
    expect(decision).toMatchObject({ kind: 'forward', url: `${SIDECAR}/api/v1/alerts?state=open&limit=5` });
  });

  it("asks for //api when the data source URL ends in '/' (what the config editor now strips)", () => {
    const decision = proxyRequest(request({ method: 'GET', proxyPath: 'api/v1/workflows', datasource: { jsonData: { url: `${SIDECAR}/` }, secureJsonData: { apiToken: TOKEN } } }));
    expect(decision).toMatchObject({ kind: 'forward', url: `${SIDECAR}//api/v1/workflows` });
  });

  it('removes a client-sent X-Grafana-User and sets the signed-in login only with send_user_header', () => {
    const forged = { 'x-grafana-user': 'admin', 'content-type': 'application/json' };
    const withHeader = proxyRequest(request({ method: 'GET', proxyPath: 'api/v1/alerts', headers: forged }));
    const without = proxyRequest(request({ method: 'GET', proxyPath: 'api/v1/alerts', headers: forged, sendUserHeader: false }));
    expect(withHeader.kind === 'forward' && withHeader.headers).toEqual({ 'content-type': 'application/json', 'X-Grafana-User': 'ops-alice', Authorization: `Bearer ${TOKEN}` });
    expect(without.kind === 'forward' && without.headers).toEqual({ 'content-type': 'application/json', Authorization: `Bearer ${TOKEN}` });
  });

  it("sends a method no route has to the data source's own URL without any route header (no token), or 502 when it has none", () => {
    const noUrl = proxyRequest(request({ method: 'PATCH', proxyPath: 'api/v1/workflows/42' }));
    expect(noUrl).toMatchObject({ kind: 'respond', status: 502, match: { kind: 'unmatched' } });
    const withUrl = proxyRequest(request({ method: 'PATCH', proxyPath: 'api/v1/workflows/42', datasource: { url: 'sidecar:9000/base', jsonData: { url: SIDECAR }, secureJsonData: { apiToken: TOKEN } } }));
    expect(withUrl).toMatchObject({ kind: 'forward', url: 'http://sidecar:9000/base/api/v1/workflows/42' });
    expect(withUrl.kind === 'forward' && withUrl.headers.Authorization).toBeUndefined();
  });

  it('fills a missing template key as Go does (<no value>) and refuses template syntax it does not know', () => {
    const decision = proxyRequest(request({ method: 'GET', proxyPath: 'api/v1/alerts', datasource: { jsonData: { url: SIDECAR }, secureJsonData: {} } }));
    expect(decision.kind === 'forward' && decision.headers.Authorization).toBe('Bearer <no value>');
    expect(() => proxyRequest(request({ routes: [{ path: 'api', method: 'GET', url: '{{ .JsonData.url | html }}' }], method: 'GET', proxyPath: 'api' }))).toThrow(/not \{\{ \.JsonData\.x \}\}/);
  });

  it("turns the sidecar's 401 into a 400 'Authentication to data source failed' with a text body, and passes others", () => {
    expect(proxyResponse(401, { 'content-type': 'application/json' }, Buffer.from('{"error":{}}'))).toEqual({ status: 400, headers: {}, body: Buffer.from(AUTHENTICATION_FAILED) });
    expect(proxyResponse(404, { 'content-type': 'application/json' }, Buffer.from('{}'))).toEqual({ status: 404, headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') });
  });
});
