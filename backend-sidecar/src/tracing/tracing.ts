import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Logger } from '../log/logger';

export const TRACER_NAME = 'workflow-monitor';

/**
 * Spans are exported over OTLP/HTTP only when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise the
 * tracer is the API's no-op and costs nothing.
 */
export function startTracing(opts: { endpoint?: string; serviceName: string; log: Logger }): { tracer: Tracer; shutdown(): Promise<void> } {
  if (!opts.endpoint) {
    return { tracer: trace.getTracer(TRACER_NAME), shutdown: async () => undefined };
  }
  const url = opts.endpoint.endsWith('/v1/traces') ? opts.endpoint : `${opts.endpoint.replace(/\/$/, '')}/v1/traces`;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: opts.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  opts.log.info({ endpoint: url }, 'exporting OpenTelemetry traces over OTLP/HTTP');
  return {
    tracer: provider.getTracer(TRACER_NAME),
    shutdown: () => provider.shutdown().catch((error) => opts.log.warn({ err: error }, 'trace exporter did not shut down cleanly')),
  };
}
