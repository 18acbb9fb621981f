import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Logger } from '../log/logger';

/** How flaky the demo is. Tests make it deterministic; `npm start` uses the defaults. */
export interface DemoBehaviour {
  /** /checkout fails the first `checkoutFailures` calls of every `checkoutCycle` with 503. */
  checkoutCycle: number;
  checkoutFailures: number;
  /** /inventory answers 429 with Retry-After on every `inventoryEvery`-th call. */
  inventoryEvery: number;
  retryAfterSeconds: number;
  /** /search takes between these many milliseconds. */
  searchMinMs: number;
  searchMaxMs: number;
  /** /flaky answers 503 with this probability. */
  flakyRate: number;
  random: () => number;
}

export const DEFAULT_BEHAVIOUR: DemoBehaviour = {
  checkoutCycle: 3,
  checkoutFailures: 2,
  inventoryEvery: 2,
  retryAfterSeconds: 1,
  searchMinMs: 1_500,
  searchMaxMs: 3_000,
  flakyRate: 0.3,
  random: Math.random,
};

/**
 * A deliberately flaky shop for the demo workflows: healthy, intermittently 503, rate-limited with
 * Retry-After, slow, and broken endpoints, so a newcomer sees retries, degraded runs, failures and
 * alerts within two minutes. `/webhook-sink` receives demo notifications.
 */
export function createDemoApp(behaviour: DemoBehaviour = DEFAULT_BEHAVIOUR) {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '100kb' }));
  const tokens = new Set<string>();
  const received: Array<{ at: string; headers: Record<string, unknown>; body: unknown }> = [];
  let checkoutCalls = 0;
  let inventoryCalls = 0;

  app.get('/health', (_req, res) => {
    res.json({ status: 'healthy', service: 'demo-shop' });
  });
  app.post('/login', (req, res) => {
    const user = (req.body as { user?: unknown } | undefined)?.user;
    if (typeof user !== 'string' || user.length === 0) {
      res.status(400).json({ error: 'user is required' });
      return;
    }
    const token = crypto.randomBytes(12).toString('hex');
    tokens.add(token);
    if (tokens.size > 10_000) {
      tokens.delete(tokens.values().next().value!);
    }
    res.json({ token, user });
  });
  app.get('/cart', (req, res) => {
    const token = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    if (!token || !tokens.has(token)) {
      res.status(401).json({ error: 'login first' });
      return;
    }
    res.json({ items: [{ sku: 'coffee-1kg', quantity: 2, price: 24.5 }, { sku: 'filter-papers', quantity: 1, price: 4.2 }], total: 53.2 });
  });
  app.post('/checkout', (_req, res) => {
    const position = checkoutCalls % behaviour.checkoutCycle;
    checkoutCalls += 1;
    if (position < behaviour.checkoutFailures) {
      res.status(503).json({ error: 'payment provider busy, try again' });
      return;
    }
    res.json({ orderId: `order-${checkoutCalls}`, status: 'paid' });
  });
  app.get('/inventory', (_req, res) => {
    inventoryCalls += 1;
    if (inventoryCalls % behaviour.inventoryEvery === 1 || behaviour.inventoryEvery === 1) {
      res.status(429).set('Retry-After', String(behaviour.retryAfterSeconds)).json({ error: 'rate limited' });
      return;
    }
    res.json({ sku: 'coffee-1kg', available: 42 });
  });
  app.get('/search', (req, res) => {
    const delay = behaviour.searchMinMs + behaviour.random() * (behaviour.searchMaxMs - behaviour.searchMinMs);
    const timer = setTimeout(() => res.json({ query: req.query.q ?? '', results: [{ sku: 'coffee-1kg' }] }), delay);
    res.on('close', () => clearTimeout(timer));
  });
  app.get('/reports', (_req, res) => {
    res.status(500).json({ error: 'report generator crashed' });
  });
  app.get('/flaky', (_req, res) => {
    if (behaviour.random() < behaviour.flakyRate) {
      res.status(503).json({ error: 'temporarily unavailable' });
      return;
    }
    res.json({ ok: true });
  });
  app.post('/webhook-sink', (req, res) => {
    received.push({ at: new Date().toISOString(), headers: { ...req.headers }, body: req.body as unknown });
    if (received.length > 1000) {
      received.shift();
    }
    res.status(204).end();
  });
  app.get('/webhook-sink', (_req, res) => {
    res.json({ received });
  });
  return app;
}

export async function startDemoService(opts: { port: number; host: string; log: Logger; behaviour?: Partial<DemoBehaviour> }): Promise<{ url: string; port: number; stop(): Promise<void> }> {
  const server = http.createServer(createDemoApp({ ...DEFAULT_BEHAVIOUR, ...opts.behaviour }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;
  opts.log.debug({ port }, 'demo service listening');
  return {
    url: `http://${host}:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
