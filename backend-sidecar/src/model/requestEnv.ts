import { interpolateEnv, missingEnv } from '../schema/interpolateEnv';

/**
 * `${NAME}` inside the requests of file-defined workflows. The parts of a step's request that may
 * carry credentials — url, headers, query, body and json, keys and values — are stored and served
 * as written (`Authorization: "Bearer ${API_TOKEN}"`), so GET /api/v1/workflows/{id}, open to
 * Viewers and the read-only token, never shows the secret; the executor resolves them from the
 * sidecar's environment each time it builds the request (runWorkflow's `env`). The rest of a file
 * is substituted when it is loaded. Definitions from the API are never resolved.
 */
export const REQUEST_TEMPLATE_FIELDS = ['url', 'headers', 'query', 'body', 'json'] as const;

// Deeper than any real request; a hostile file cannot overflow the stack through these walks.
const MAX_DEPTH = 200;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function visitStrings(value: unknown, path: string, visit: (text: string, path: string) => void, depth: number): void {
  if (typeof value === 'string') {
    visit(value, path);
    return;
  }
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) {
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((child, i) => visitStrings(child, `${path}[${i}]`, visit, depth + 1));
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    visit(key, `${path}.${key}`);
    visitStrings(child, `${path}.${key}`, visit, depth + 1);
  }
}

/** Every string, keys included, of the request template fields of a raw definition, with its path. */
export function forEachRequestString(definition: unknown, visit: (text: string, path: string) => void, pathPrefix?: string): void {
  if (!isRecord(definition) || !Array.isArray(definition.steps)) {
    return;
  }
  definition.steps.forEach((step: unknown, i) => {
    if (!isRecord(step) || !isRecord(step.request)) {
      return;
    }
    for (const field of REQUEST_TEMPLATE_FIELDS) {
      if (Object.hasOwn(step.request, field)) {
        visitStrings(step.request[field], `${pathPrefix ? `${pathPrefix}.` : ''}steps[${i}].request.${field}`, visit, 0);
      }
    }
  });
}

/** Every string of `value`, keys included, passed through `map` (a copy; `value` is left alone). */
export function mapStrings(value: unknown, map: (text: string) => string, depth = 0): unknown {
  if (typeof value === 'string') {
    return map(value);
  }
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) {
    return value;
  }
  if (Array.isArray(value)) {
    return value.map((child) => mapStrings(child, map, depth + 1));
  }
  // fromEntries defines keys as own data properties: a `__proto__` key stays a plain key.
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [map(key), mapStrings(child, map, depth + 1)]));
}

/** Each request reference without a value or default, with where it is: checked, not substituted. */
export function missingRequestEnv(definition: unknown, env: Record<string, string | undefined>, pathPrefix?: string): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  forEachRequestString(
    definition,
    (text, path) => {
      for (const name of missingEnv(text, env)) {
        problems.push({ path, message: `environment variable \${${name}} is not set and has no default (use \${${name}:-default})` });
      }
    },
    pathPrefix
  );
  return problems;
}

/** A copy of a raw definition with its request references resolved from `env` (missing ones left as written). */
export function resolveRequestEnv(definition: unknown, env: Record<string, string | undefined>): unknown {
  if (!isRecord(definition) || !Array.isArray(definition.steps)) {
    return definition;
  }
  const resolve = (text: string) => interpolateEnv(text, env).text;
  return {
    ...definition,
    steps: definition.steps.map((step: unknown) => {
      if (!isRecord(step) || !isRecord(step.request)) {
        return step;
      }
      const request = { ...step.request };
      for (const field of REQUEST_TEMPLATE_FIELDS) {
        if (Object.hasOwn(request, field)) {
          request[field] = mapStrings(request[field], resolve);
        }
      }
      return { ...step, request };
    }),
  };
}
