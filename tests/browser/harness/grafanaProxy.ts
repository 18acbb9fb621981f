/**
 * Grafana's data source proxy (`/api/datasources/proxy/uid/<uid>/<path>`) as a plugin meets it, after
 * pkg/api/pluginproxy/ds_proxy.go (validateRequest, director, the 401 response rewrite), pluginproxy/utils
 * (ApplyRoute, route templates), util.JoinURLFragments, plugins.CleanRelativePath and proxyutil.ApplyUserHeader.
 * The harness (server.ts) and `npm run preview` use it in front of a real sidecar, so a route order that
 * would misbehave in Grafana misbehaves here too. Plain functions, no I/O: the server does the fetch.
 */

export interface ProxyRoute {
  path: string;
  method?: string;
  reqRole?: string;
  url?: string;
  headers?: Array<{ name: string; content: string }>;
}

export type OrgRole = 'Viewer' | 'Editor' | 'Admin';

/** A data source as the proxy sees it: its top-level URL (ours has none: routes carry jsonData.url) and settings. */
export interface ProxiedDataSource {
  url?: string;
  jsonData: Record<string, unknown>;
  secureJsonData: Record<string, string>;
}

export const ROUTE_ACCESS_DENIED = 'plugin proxy route access denied';
export const AUTHENTICATION_FAILED = 'Authentication to data source failed';
export const USER_HEADER = 'X-Grafana-User';

const ROLE_RANK: Record<string, number> = { Viewer: 1, Editor: 2, Admin: 3 };

/** plugins.CleanRelativePath: the path rooted, cleaned (`.`, `..`, `//`) and made relative again; `/` gives `.`. */
export function cleanRelativePath(p: string): string {
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') {
      continue;
    }
    if (part === '..') {
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return parts.length === 0 ? '.' : parts.join('/');
}

/** util.JoinURLFragments: exactly one '/' between the two, nothing added when the second is empty. */
export function joinUrlFragments(a: string, b: string): string {
  if (b.length === 0) {
    return a;
  }
  const aSlash = a.endsWith('/');
  const bSlash = b.startsWith('/');
  if (aSlash && bSlash) {
    return a + b.slice(1);
  }
  if (!aSlash && !bSlash) {
    return `${a}/${b}`;
  }
  return a + b;
}

/**
 * A route template (`{{ .JsonData.url }}/api`, `Bearer {{ .SecureJsonData.apiToken }}`) filled in as Go's
 * text/template does for the two maps: a missing key prints `<no value>`. Other template syntax is refused,
 * so a manifest the harness cannot render fails loudly instead of rendering differently from Grafana.
 */
export function interpolate(template: string, ds: ProxiedDataSource): string {
  return template.replace(/\{\{(.*?)\}\}/g, (whole, inner: string) => {
    const m = /^\s*\.(JsonData|SecureJsonData)\.(\w+)\s*$/.exec(inner);
    if (!m) {
      throw new Error(`grafanaProxy: template ${whole} is not {{ .JsonData.x }} or {{ .SecureJsonData.x }}`);
    }
    const value = m[1] === 'JsonData' ? ds.jsonData[m[2]!] : ds.secureJsonData[m[2]!];
    return value === undefined || value === null ? '<no value>' : String(value);
  });
}

export type RouteMatch = { kind: 'route'; route: ProxyRoute; index: number } | { kind: 'denied'; route: ProxyRoute; index: number } | { kind: 'unmatched' };

/**
 * validateRequest's route loop: the FIRST route in declaration order whose method is empty, `*` or exactly the
 * request's, and whose cleaned path is a plain string prefix of the cleaned request path (no '/' boundary:
 * `api/v1/query` also covers `api/v1/query-log`). A match the role may not use denies; it never falls through
 * to a later route.
 */
export function matchRoute(routes: ProxyRoute[], method: string, proxyPath: string, role: OrgRole): RouteMatch {
  for (const [index, route] of routes.entries()) {
    if (route.method && route.method !== '*' && route.method !== method) {
      continue;
    }
    // issues/116273: an empty path cleans to "." but must be the empty prefix.
    const requested = proxyPath !== '.' && cleanRelativePath(proxyPath) === '.' ? '' : cleanRelativePath(proxyPath);
    const prefix = route.path !== '.' && cleanRelativePath(route.path) === '.' ? '' : cleanRelativePath(route.path);
    if (!requested.startsWith(prefix)) {
      continue;
    }
    const needed = route.reqRole ? ROLE_RANK[route.reqRole] : undefined;
    if (needed !== undefined && (ROLE_RANK[role] ?? 0) < needed) {
      return { kind: 'denied', route, index };
    }
    return { kind: 'route', route, index };
  }
  return { kind: 'unmatched' };
}

export interface ProxyRequest {
  routes: ProxyRoute[];
  datasource: ProxiedDataSource;
  method: string;
  /** What follows `/api/datasources/proxy/uid/<uid>/`, without the query string. */
  proxyPath: string;
  /** The query string without '?', passed on unchanged. */
  query: string;
  role: OrgRole;
  login: string;
  /** Grafana's `[dataproxy] send_user_header` (GF_DATAPROXY_SEND_USER_HEADER). */
  sendUserHeader: boolean;
  /** The browser's request headers (lower-case names, as node gives them). */
  headers: Record<string, string | string[] | undefined>;
}

export type ProxyDecision =
  | { kind: 'respond'; status: number; headers: Record<string, string>; body: string; match: RouteMatch }
  | { kind: 'forward'; url: string; headers: Record<string, string>; match: RouteMatch };

/** Browser headers the harness passes on (Grafana passes more; none of the others matter to the sidecar). */
const PASSED_ON = ['content-type', 'accept'];

/** What Grafana does with one proxied request: refuse it, or where to send it with which headers. */
export function proxyRequest(req: ProxyRequest): ProxyDecision {
  const match = matchRoute(req.routes, req.method, req.proxyPath, req.role);
  if (match.kind === 'denied') {
    return { kind: 'respond', status: 403, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: ROUTE_ACCESS_DENIED }), match };
  }
  const headers: Record<string, string> = {};
  for (const name of PASSED_ON) {
    const value = req.headers[name];
    if (value !== undefined) {
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  // director: X-DS-Authorization becomes Authorization; X-Grafana-User is always removed, then set by Grafana alone.
  const dsAuthorization = req.headers['x-ds-authorization'];
  if (typeof dsAuthorization === 'string' && dsAuthorization !== '') {
    headers.Authorization = dsAuthorization;
  }
  if (req.sendUserHeader) {
    headers[USER_HEADER] = req.login;
  }
  // director: the data source's own URL first (ValidateURL adds http:// when no scheme is given) …
  const dsUrl = req.datasource.url ?? '';
  let target = parseUrl(/^[^:]*:\/\//.test(dsUrl) ? dsUrl : `http://${dsUrl}`);
  let path = joinUrlFragments(target?.pathname ?? '', req.proxyPath);
  // … then ApplyRoute: the route's URL (its path joined with what follows the route path) and its headers.
  if (match.kind === 'route') {
    const rest = req.proxyPath.startsWith(match.route.path) ? req.proxyPath.slice(match.route.path.length) : req.proxyPath;
    if (match.route.url) {
      target = parseUrl(interpolate(match.route.url, req.datasource));
      path = joinUrlFragments(target?.pathname ?? '', rest);
    }
    for (const header of match.route.headers ?? []) {
      headers[header.name] = interpolate(header.content, req.datasource);
    }
  }
  if (!target || target.host === '') {
    // httputil.ReverseProxy cannot send it ("no Host in request URL") and answers 502 with an empty body.
    return { kind: 'respond', status: 502, headers: {}, body: '', match };
  }
  return { kind: 'forward', url: `${target.protocol}//${target.host}${path}${req.query ? `?${req.query}` : ''}`, headers, match };
}

/** ModifyResponse: an upstream 401 becomes a 400 with a plain-text body and no headers; anything else passes. */
export function proxyResponse(status: number, headers: Record<string, string>, body: Buffer): { status: number; headers: Record<string, string>; body: Buffer } {
  if (status === 401) {
    return { status: 400, headers: {}, body: Buffer.from(AUTHENTICATION_FAILED) };
  }
  return { status, headers, body };
}

/** The parts of Go's url.Parse the director uses, the path kept as written (WHATWG `new URL` would resolve `..`). */
function parseUrl(text: string): { protocol: string; host: string; pathname: string } | undefined {
  const m = /^([a-zA-Z][\w+.-]*:)\/\/([^/?#]*)([^?#]*)/.exec(text);
  return m ? { protocol: m[1]!.toLowerCase(), host: m[2]!, pathname: m[3]! } : undefined;
}
