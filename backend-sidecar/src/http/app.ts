import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import express, { type Express, type Request } from 'express';
import helmet from 'helmet';
import { z } from 'zod';
import { release } from '../config/release';
import { NotFoundError, UnauthorizedError } from '../errors/errors';
import type { Logger } from '../log/logger';
import type { SidecarMetrics } from '../metrics/registry';
import { bearerAuth, bearerTokenOf, tokensEqual } from './auth';
import { errorHandler } from './errorHandler';
import type { HealthReporter } from './health';
import { API_VERSION, buildOpenApiDocument, errorBodySchema } from './openapiRegistry';
import { RouteTable, type RegisteredRoute } from './route';

export interface AppOptions {
  log: Logger;
  metrics: SidecarMetrics;
  health: HealthReporter;
  apiToken: string;
  readOnlyToken?: string;
  /** When set, GET /metrics needs it as a bearer token. */
  metricsToken?: string;
  bodyLimitBytes: number;
  /** Feature modules add their routes here (workflows, alerts, metrics API …). */
  features: Array<(routes: RouteTable) => void>;
}

export interface SidecarApp {
  app: Express;
  routes: RegisteredRoute[];
  openApiDocument: object;
}

const healthBodySchema = z
  .object({
    status: z.enum(['healthy', 'degraded', 'unhealthy']),
    checks: z.record(z.string(), z.object({ status: z.enum(['healthy', 'degraded', 'unhealthy']), message: z.string().optional() }).passthrough()),
    uptimeSeconds: z.number(),
    timestamp: z.string(),
    version: z.string().describe('API version (the OpenAPI info.version); the Grafana data source checks its major'),
    release: z.string().describe('Release of the sidecar, one version with the plugin (CHANGELOG.md); the data source warns when its major differs from the plugin\'s'),
  })
  .openapi('Health');

export function createApp(opts: AppOptions): SidecarApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.set('query parser', 'simple');
  app.use(helmet());
  // A Grafana data source URL saved with a trailing '/' makes its proxy routes ('{{ .JsonData.url }}/api')
  // ask for '//api/...': read leading slashes as one, so such a data source works without re-saving.
  app.use((req, _res, next) => {
    if (req.url.startsWith('//')) {
      req.url = req.url.replace(/^\/+/, '/');
    }
    next();
  });

  // Count every request by its route template (never the raw URL: unbounded label values).
  app.use((req, res, next) => {
    const end = opts.metrics.httpRequestDuration.startTimer();
    res.on('finish', () => {
      const route = typeof req.route?.path === 'string' ? (req.route.path as string) : 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      end(labels);
      opts.metrics.httpRequests.inc(labels);
    });
    next();
  });

  const registry = new OpenAPIRegistry();
  const openRouter = express.Router();
  const apiRouter = express.Router();
  const openRoutes = new RouteTable(openRouter, registry);
  const apiRoutes = new RouteTable(apiRouter, registry);

  openRoutes.add({
    method: 'get',
    path: '/health',
    operationId: 'getHealth',
    summary: 'Health: database reachable, migrations current, background workers alive',
    tags: ['health'],
    public: true,
    responses: { 200: { description: 'healthy or degraded', schema: healthBodySchema }, 503: { description: 'unhealthy', schema: healthBodySchema } },
    handler: async () => {
      const report = await opts.health.report();
      return { status: report.status === 'unhealthy' ? 503 : 200, body: { ...report, version: API_VERSION, release: release() } };
    },
  });
  openRoutes.add({
    method: 'get',
    path: '/ready',
    operationId: 'getReadiness',
    summary: 'Readiness: 200 once the database answers and migrations are applied',
    tags: ['health'],
    public: true,
    responses: { 200: { description: 'ready' }, 503: { description: 'not ready' } },
    handler: async () => {
      const report = await opts.health.report();
      const ready = report.checks.database?.status === 'healthy' && report.checks.migrations?.status === 'healthy';
      return { status: ready ? 200 : 503, body: { ready } };
    },
  });
  openRoutes.add({
    method: 'get',
    path: '/metrics',
    operationId: 'getPrometheusMetrics',
    summary: 'Prometheus metrics (text exposition format); with METRICS_TOKEN set it needs "Authorization: Bearer <METRICS_TOKEN>"',
    tags: ['health'],
    public: true,
    responses: { 200: { description: 'Prometheus text format' }, 401: { description: 'METRICS_TOKEN is set and the bearer token is missing or wrong', schema: errorBodySchema } },
    handler: async ({ req, res }) => {
      if (opts.metricsToken !== undefined) {
        const token = bearerTokenOf(req.headers.authorization);
        if (token === undefined || !tokensEqual(token, opts.metricsToken)) {
          opts.metrics.authFailures.inc({ reason: token === undefined ? (req.headers.authorization ? 'malformed' : 'missing') : 'wrong_token' });
          throw new UnauthorizedError('GET /metrics needs "Authorization: Bearer <METRICS_TOKEN>"');
        }
      }
      res.setHeader('Content-Type', opts.metrics.registry.contentType);
      res.send(await opts.metrics.registry.metrics());
    },
  });

  for (const feature of opts.features) {
    feature(apiRoutes);
  }

  let openApiDocument: object = {};
  apiRoutes.add({
    method: 'get',
    path: '/api/v1/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This OpenAPI document',
    tags: ['meta'],
    responses: { 200: { description: 'OpenAPI 3.1 document' } },
    handler: () => ({ body: openApiDocument }),
  });
  openApiDocument = buildOpenApiDocument(registry);

  const routes = [...openRoutes.routes, ...apiRoutes.routes];
  const readOnlyMatchers = apiRoutes.routes.map((r) => ({ method: r.method.toUpperCase(), re: pathToRegExp(r.expressPath), allowed: r.readOnlyAllowed }));
  const readOnlyAllowed = (req: Request): boolean => {
    const path = req.originalUrl.split('?')[0]!;
    const found = readOnlyMatchers.find((m) => (m.method === req.method || (m.method === 'GET' && req.method === 'HEAD')) && m.re.test(path));
    // Unknown routes fall through to 404 for GET and 403 for writes: a read-only token learns nothing.
    return found ? found.allowed : req.method === 'GET' || req.method === 'HEAD';
  };

  app.use(openRouter);
  app.use('/api', bearerAuth({ apiToken: opts.apiToken, readOnlyToken: opts.readOnlyToken, metrics: opts.metrics, readOnlyAllowed }));
  app.use('/api', express.json({ limit: opts.bodyLimitBytes, strict: true, type: () => true }));
  app.use(apiRouter);
  app.use((req, _res, next) => next(new NotFoundError(`no route for ${req.method} ${req.path}`)));
  app.use(errorHandler(opts.log));

  return { app, routes, openApiDocument };
}

function pathToRegExp(expressPath: string): RegExp {
  const pattern = expressPath
    .split('/')
    .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${pattern}/?$`);
}
