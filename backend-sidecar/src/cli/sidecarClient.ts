import { CliFailure, CliUsageError } from './cliContext';

/** How long one API call may take before the command gives up on it. */
const REQUEST_TIMEOUT_MS = 30_000;

/** Where the sidecar is and the token to use: from --url/--token, else WORKFLOW_MONITOR_URL/WORKFLOW_MONITOR_TOKEN. */
export interface SidecarTarget {
  /** The sidecar's base URL without a trailing slash (a path prefix, as behind a proxy, is kept). */
  url: string;
  token: string;
}

export function sidecarTarget(command: string, flags: { url?: string; token?: string }, env: NodeJS.ProcessEnv, usage: string): SidecarTarget {
  const url = flags.url ?? env.WORKFLOW_MONITOR_URL;
  const token = flags.token ?? env.WORKFLOW_MONITOR_TOKEN;
  if (!url) {
    throw new CliUsageError(`${command}: the sidecar's URL is missing: give --url or set WORKFLOW_MONITOR_URL (e.g. http://localhost:8080)`, usage);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliUsageError(`${command}: --url "${url}" is not a URL; give the sidecar's base URL, e.g. http://localhost:8080`, usage);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CliUsageError(`${command}: --url "${url}" must be an http:// or https:// URL`, usage);
  }
  if (parsed.search || parsed.hash) {
    throw new CliUsageError(`${command}: --url "${url}" must be the sidecar's base URL, without a query or fragment`, usage);
  }
  if (!token) {
    throw new CliUsageError(`${command}: the API token is missing: set WORKFLOW_MONITOR_TOKEN (or give --token) to the sidecar's SIDECAR_API_TOKEN`, usage);
  }
  return { url: parsed.href.replace(/\/+$/, ''), token };
}

/** The sidecar answered a request with an error: its `{"error": {code, message, details}}`, kept whole. */
export class SidecarApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly code: string,
    readonly apiMessage: string,
    readonly details: unknown
  ) {
    super(`${method} ${path}: ${status} ${code}: ${apiMessage}${describeDetails(details)}`);
    this.name = new.target.name;
  }
}

function describeDetails(details: unknown): string {
  if (!Array.isArray(details)) {
    return '';
  }
  const lines = details
    .filter((d): d is { path: string; message: string } => typeof d === 'object' && d !== null && typeof (d as { message?: unknown }).message === 'string')
    .map((d) => `\n    ${d.path}: ${d.message}`);
  return lines.join('');
}

/** A workflow as GET /api/v1/workflows lists it: the fields the CLI reads. */
export interface RemoteWorkflow {
  id: string;
  source: 'file' | 'api';
  sourceFile?: string;
  definition: unknown;
}

/** A rule as GET /api/v1/rules lists it: the fields the CLI reads besides the definition's own. */
export interface RemoteRule extends Record<string, unknown> {
  id: string;
  source: 'file' | 'api' | 'builtin';
  sourceFile?: string;
}

/**
 * The few calls `apply` and `export` make, over the sidecar's public HTTP API with the bearer token.
 * What a user can fix — an unreachable URL, a refused token, a URL that is not a sidecar — is a
 * CliFailure that says so; an error answer to one change is a SidecarApiError for the caller to report.
 */
export class SidecarClient {
  constructor(private readonly target: SidecarTarget) {}

  get url(): string {
    return this.target.url;
  }

  async listWorkflows(): Promise<RemoteWorkflow[]> {
    const body = await this.read<{ workflows?: RemoteWorkflow[] }>('/api/v1/workflows');
    return this.listIn(body.workflows, '/api/v1/workflows');
  }

  async listRules(): Promise<RemoteRule[]> {
    const body = await this.read<{ rules?: RemoteRule[] }>('/api/v1/rules');
    return this.listIn(body.rules, '/api/v1/rules');
  }

  /** PUT creates or replaces an API-defined one: the same call for both keeps apply idempotent. */
  async putWorkflow(id: string, definition: unknown): Promise<void> {
    await this.send('PUT', `/api/v1/workflows/${encodeURIComponent(id)}`, definition);
  }

  async deleteWorkflow(id: string): Promise<void> {
    await this.send('DELETE', `/api/v1/workflows/${encodeURIComponent(id)}`);
  }

  async putRule(id: string, rule: unknown): Promise<void> {
    await this.send('PUT', `/api/v1/rules/${encodeURIComponent(id)}`, rule);
  }

  async deleteRule(id: string): Promise<void> {
    await this.send('DELETE', `/api/v1/rules/${encodeURIComponent(id)}`);
  }

  private listIn<T>(list: T[] | undefined, path: string): T[] {
    if (!Array.isArray(list)) {
      throw new CliFailure(`${this.target.url}${path} did not answer with the list a Workflow Monitor sidecar gives: is --url the sidecar's base URL?`);
    }
    return list;
  }

  /** A read on first contact: a 404 here means the URL is not a sidecar's. */
  private async read<T>(path: string): Promise<T> {
    try {
      return (await this.send('GET', path)) as T;
    } catch (error) {
      if (error instanceof SidecarApiError && error.status === 404) {
        throw new CliFailure(`no Workflow Monitor API at ${this.target.url} (GET ${path} answered 404): give the sidecar's base URL, e.g. http://localhost:8080`);
      }
      throw error;
    }
  }

  private async send(method: string, path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.target.token}`, accept: 'application/json' };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
    }
    let response: Response;
    try {
      response = await fetch(`${this.target.url}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        redirect: 'error',
      });
    } catch (error) {
      throw new CliFailure(`cannot reach the sidecar at ${this.target.url} (${method} ${path}): ${networkReason(error)}`);
    }
    const text = await response.text().catch(() => '');
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new CliFailure(`${method} ${this.target.url}${path} answered ${response.status} with something that is not JSON: is --url the sidecar's base URL?`);
    }
    if (response.ok) {
      return json;
    }
    const error = (json as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
    const code = typeof error?.code === 'string' ? error.code : 'error';
    const message = typeof error?.message === 'string' ? error.message : text.slice(0, 200) || response.statusText;
    if (response.status === 401) {
      throw new CliFailure(`the sidecar at ${this.target.url} refused the token (401 ${code}: ${message}); check --token / WORKFLOW_MONITOR_TOKEN`);
    }
    if (response.status === 403) {
      throw new CliFailure(`the sidecar at ${this.target.url} refused ${method} ${path} (403 ${code}: ${message}); changes need the full API token (SIDECAR_API_TOKEN), not the read-only one`);
    }
    throw new SidecarApiError(method, path, response.status, code, message, error?.details);
  }
}

/** Why a request never got an answer, in the words of the system (ECONNREFUSED, ENOTFOUND, a timeout). */
function networkReason(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') {
    return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  }
  if (e?.cause?.code) {
    return `${e.cause.code}${e.cause.message && !e.cause.message.includes(e.cause.code) ? ` (${e.cause.message})` : ''}`;
  }
  return e?.cause?.message ?? e?.message ?? String(error);
}
