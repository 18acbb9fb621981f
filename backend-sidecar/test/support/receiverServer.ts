import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json?: any;
  at: number;
}

export interface ReceiverServer {
  url: string;
  port: number;
  received: ReceivedRequest[];
  /** Requests to a path whose JSON body satisfies the filter. */
  on(path: string, filter?: (json: any) => boolean): ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * A notification receiver on loopback: records every request and answers 200 (or what `answer`
 * decides, e.g. 503 to exercise retries). Pass `port` to come back on the same port after an outage.
 */
export async function startReceiver(opts: { port?: number; answer?: (req: ReceivedRequest) => { status: number; body?: string; headers?: Record<string, string> } | undefined } = {}): Promise<ReceiverServer> {
  const received: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const entry: ReceivedRequest = { path: (req.url ?? '/').split('?')[0]!, headers: req.headers, body, json, at: Date.now() };
      const answer = opts.answer?.(entry);
      if (!answer || answer.status < 300) {
        received.push(entry);
      }
      res.writeHead(answer?.status ?? 200, { 'content-type': 'application/json', ...(answer?.headers ?? {}) });
      res.end(answer?.body ?? '{"ok":true}');
    });
  });
  server.keepAliveTimeout = 500;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    on: (path, filter) => received.filter((r) => r.path === path && (!filter || filter(r.json))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
