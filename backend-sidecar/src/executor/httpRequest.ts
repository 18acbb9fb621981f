import type { IncomingHttpHeaders } from 'node:http';
import tls, { TLSSocket } from 'node:tls';
import { interceptors, request, type Agent, type Dispatcher } from 'undici';
import { EgressGuard } from '../net/egressGuard';
import { PeerCertificateBook, originKey, peerCertificateOf, type PeerCertificate } from '../net/peerCertificates';
import { ResponseTooLargeError } from '../retry/errors';

/**
 * Steps' HTTP requests go through undici's `request` rather than the global `fetch`: both are
 * undici, but `fetch` wraps every response in WHATWG streams and Headers objects, which costs about
 * three times the CPU per request (bench/engine-throughput.ts; 86 vs 258 µs per loopback call
 * measured with both on one machine). A monitor making thousands of requests a minute pays that on
 * every one. Same behaviour where it matters: keep-alive pooling per origin, redirects followed (up
 * to 20, as fetch does), a body read with a size limit, an AbortSignal ending the request. Every
 * connection, a redirect's included, passes the egress guard (TARGET_DENYLIST / TARGET_ALLOWLIST).
 */
export interface HttpRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  maxBodyBytes: number;
}

export interface HttpResponse {
  status: number;
  headers: ResponseHeaders;
  text: string;
  /** The certificate of the origin that answered (after redirects), when that was over HTTPS. */
  tls?: PeerCertificate;
}

export interface StepHttpClientOptions {
  /** PEM certificates trusted besides Node's built-in roots (STEP_TLS_CA_FILE). */
  extraCa?: string[];
}

const USER_AGENT = 'workflow-monitor/0.1';
const MAX_REDIRECTIONS = 20;

/** Case-insensitive header lookup over undici's lower-cased header object, like fetch's Headers.get. */
export class ResponseHeaders {
  constructor(private readonly raw: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) {
      return null;
    }
    return Array.isArray(value) ? value.join(', ') : value;
  }
}

/**
 * One pooled agent for every step of every workflow of a sidecar (connections are kept per origin),
 * connecting only where its egress guard allows.
 */
export class StepHttpClient {
  private readonly agent: Agent;
  private readonly dispatcher: Dispatcher;
  private readonly certificates = new PeerCertificateBook();

  constructor(guard: EgressGuard, options: StepHttpClientOptions = {}) {
    // No TLS session resumption: a resumed session skips the certificate exchange and its verification, so
    // a renewed (or newly broken) certificate would go unseen for the session's lifetime. A monitor pays the
    // full handshake per new connection; kept-alive connections still carry most requests.
    // `ca` replaces Node's roots rather than adding to them, so the built-in ones are passed along.
    const connectOptions = {
      maxCachedSessions: 0,
      ...(options.extraCa && options.extraCa.length > 0 ? { ca: [...tls.rootCertificates, ...options.extraCa] } : {}),
    };
    this.agent = guard.createAgent({}, connectOptions, (target, socket) => {
      if (socket instanceof TLSSocket) {
        const certificate = peerCertificateOf(socket);
        if (certificate) {
          this.certificates.record(originKey(target.protocol, target.hostname, target.port), certificate);
        }
      }
    });
    this.dispatcher = this.agent.compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTIONS }));
  }

  /** Bound once, so it can be handed to the executor as its `send`. */
  readonly send = (url: URL, req: HttpRequest): Promise<HttpResponse> => sendVia(this.dispatcher, url, req, this.certificates);

  close(): Promise<void> {
    return this.agent.close();
  }
}

let defaultClient: StepHttpClient | undefined;

function readBody(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new ResponseTooLargeError(limit));
        body.destroy();
        return;
      }
      chunks.push(chunk);
    });
    body.once('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    body.once('error', reject);
  });
}

/**
 * Sends through a process-wide client with the default denylist: for callers given no sidecar
 * configuration (tests, benchmarks). The sidecar passes its own StepHttpClient's `send`.
 */
export function sendHttpRequest(url: URL, req: HttpRequest): Promise<HttpResponse> {
  defaultClient ??= new StepHttpClient(EgressGuard.defaults());
  return defaultClient.send(url, req);
}

/** The URL that answered: the redirect interceptor lists every hop in the context's `history`, the last one included. */
function answeringUrl(requested: URL, context: unknown): Pick<URL, 'protocol' | 'hostname' | 'port'> {
  const history = (context as { history?: unknown } | null | undefined)?.history;
  const last = Array.isArray(history) && history.length > 0 ? (history[history.length - 1] as Partial<URL> | undefined) : undefined;
  // Duck-typed: under jest the URL class of undici's realm is not the test's.
  return typeof last?.protocol === 'string' && typeof last.hostname === 'string' && typeof last.port === 'string' ? (last as URL) : requested;
}

async function sendVia(dispatcher: Dispatcher, url: URL, req: HttpRequest, certificates: PeerCertificateBook): Promise<HttpResponse> {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: '*/*' };
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name.toLowerCase()] = value;
  }
  const response = await request(url, {
    method: req.method as Dispatcher.HttpMethod,
    headers,
    body: req.body,
    signal: req.signal,
    dispatcher,
  });
  const text = await readBody(response.body, req.maxBodyBytes);
  const answered = answeringUrl(url, response.context);
  const tlsCertificate = answered.protocol === 'https:' ? certificates.get(originKey(answered.protocol, answered.hostname, answered.port)) : undefined;
  return { status: response.statusCode, headers: new ResponseHeaders(response.headers), text, tls: tlsCertificate };
}
