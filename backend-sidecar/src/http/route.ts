import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { formatIssues } from '../schema/issues';
import { ValidationError } from '../errors/errors';
import { errorBodySchema } from './openapiRegistry';

type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: Request;
  res: Response;
}

export interface RouteResult {
  status?: number;
  body?: unknown;
}

export interface RouteDefinition<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: HttpMethod;
  /** OpenAPI style path: `/api/v1/workflows/{id}`. */
  path: string;
  /**
   * The OpenAPI operationId: what generated clients name the method (`listWorkflows`, `acknowledgeAlert`).
   * camelCase, unique across the API (test/contract/openapiLint.test.ts).
   */
  operationId: string;
  summary: string;
  tags: string[];
  /** Whether the read-only token may call it; defaults to true for GET only. */
  readOnlyAllowed?: boolean;
  /** Open routes (health, metrics) skip the bearer token. */
  public?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  handler: (ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>) => Promise<RouteResult | void> | RouteResult | void;
}

export interface RegisteredRoute {
  method: HttpMethod;
  path: string;
  operationId: string;
  expressPath: string;
  public: boolean;
  readOnlyAllowed: boolean;
}

/** PostgreSQL text cannot hold NUL; a string with one is refused at the edge, naming where it was. */
function findNul(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') {
    return value.includes('\u0000') ? path : undefined;
  }
  if (value && typeof value === 'object' && depth < 64) {
    for (const [key, child] of Object.entries(value)) {
      const where = key.includes('\u0000') ? path : findNul(child, Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key, depth + 1);
      if (where !== undefined) {
        return where;
      }
    }
  }
  return undefined;
}

function parsePart<S extends z.ZodType>(schema: S | undefined, value: unknown, where: 'body' | 'query' | 'params'): z.output<S> {
  const nul = findNul(value, where === 'body' ? '' : where);
  if (nul !== undefined) {
    throw new ValidationError(`invalid ${where}: ${nul || '(root)'}: must not contain the NUL character (\\u0000)`, [{ path: nul || '(root)', message: 'must not contain the NUL character (\\u0000)' }]);
  }
  if (!schema) {
    return value as z.output<S>;
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const details = formatIssues(result.error.issues, where === 'body' ? undefined : where);
    const first = details[0]!;
    throw new ValidationError(`invalid ${where}: ${first.path}: ${first.message}`, details);
  }
  return result.data;
}

/**
 * One definition drives three things: the express handler, request validation, and the OpenAPI
 * path. Nothing can be routed without being documented.
 */
export class RouteTable {
  readonly routes: RegisteredRoute[] = [];

  constructor(
    private readonly router: Router,
    private readonly registry: OpenAPIRegistry
  ) {}

  add<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType>(def: RouteDefinition<P, Q, B>): void {
    const expressPath = def.path.replace(/\{(\w+)\}/g, ':$1');
    const isPublic = def.public === true;
    const readOnlyAllowed = def.readOnlyAllowed ?? def.method === 'get';
    this.routes.push({ method: def.method, path: def.path, operationId: def.operationId, expressPath, public: isPublic, readOnlyAllowed });

    const responses: RouteConfig['responses'] = {};
    for (const [status, response] of Object.entries(def.responses)) {
      // Every 4xx carries the one error body (errorHandler.ts), whether or not the route names it.
      const schema = response.schema ?? (status.startsWith('4') ? errorBodySchema : undefined);
      responses[status] = schema ? { description: response.description, content: { 'application/json': { schema } } } : { description: response.description };
    }
    for (const [status, description] of Object.entries(commonErrors(def, isPublic, readOnlyAllowed))) {
      responses[status] ??= { description, content: { 'application/json': { schema: errorBodySchema } } };
    }
    this.registry.registerPath({
      method: def.method,
      path: def.path,
      operationId: def.operationId,
      summary: def.summary,
      tags: def.tags,
      security: isPublic ? [] : [{ bearer: [] }],
      request: {
        params: def.params as never,
        query: def.query as never,
        body: def.body ? { content: { 'application/json': { schema: def.body } }, required: true } : undefined,
      },
      responses,
      'x-read-only-token': readOnlyAllowed,
    } as RouteConfig);

    this.router[def.method](expressPath, async (req, res) => {
      const params = parsePart(def.params, req.params, 'params');
      const query = parsePart(def.query, req.query, 'query');
      const body = parsePart(def.body, req.body ?? {}, 'body');
      const result = await def.handler({ params, query, body, req, res });
      if (res.headersSent) {
        return;
      }
      const status = result?.status ?? 200;
      if (result?.body === undefined) {
        res.status(status).end();
      } else {
        res.status(status).json(result.body);
      }
    });
  }
}

/**
 * The 4xx answers every route can give, documented once here: 400 when it reads parameters or a body, 401 behind
 * the token, 403 when the read-only token may not call it, 404 when the path names something that may not exist
 * (PUT creates what is missing), 413 with a body. A route documents its own (409, 429 …) beside these.
 */
function commonErrors(
  def: { method: HttpMethod; path: string; params?: unknown; query?: unknown; body?: unknown },
  isPublic: boolean,
  readOnlyAllowed: boolean
): Record<number, string> {
  const errors: Record<number, string> = {};
  if (def.params || def.query || def.body) {
    errors[400] = 'Invalid request; details lists each field with what is wrong';
  }
  if (!isPublic) {
    errors[401] = 'Missing or wrong bearer token';
    if (!readOnlyAllowed) {
      errors[403] = 'The read-only token may not change anything';
    }
  }
  if (def.path.includes('{') && def.method !== 'put') {
    errors[404] = 'Nothing with that id';
  }
  if (def.body) {
    errors[413] = 'Request body over the size limit';
  }
  return errors;
}
