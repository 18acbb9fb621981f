import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import '../schema/zodOpenApi';

export const API_VERSION = '1.0.0';

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'validation_failed' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

/**
 * Builds the OpenAPI document from the same zod schemas that validate requests; see route.ts.
 */
export function buildOpenApiDocument(registry: OpenAPIRegistry): object {
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  const generator = new OpenApiGeneratorV31(registry.definitions);
  return generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Workflow Monitor sidecar API',
      version: API_VERSION,
      license: { name: 'Apache 2.0', identifier: 'Apache-2.0' },
      description:
        'Workflows, executions, alerts, rules, channels and the metrics/query API read by the Grafana plugin. ' +
        'Every /api route needs `Authorization: Bearer <token>`; the read-only token may only GET.',
    },
    servers: [{ url: '/' }],
  });
}
