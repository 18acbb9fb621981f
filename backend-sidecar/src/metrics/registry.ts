import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One prom-client registry per sidecar instance (tests create several in one process).
 * Modules add their own metrics to `registry`; names are prefixed `workflow_monitor_`.
 */
export class SidecarMetrics {
  readonly registry = new Registry();
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly authFailures: Counter<'reason'>;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false) {
      collectDefaultMetrics({ register: this.registry, prefix: 'workflow_monitor_' });
      // prom-client names these gauges `*_total`, which Prometheus reserves for counters
      // (`promtool check metrics` rejects them); the same figures are in process_* and event-loop metrics.
      for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
        this.registry.removeSingleMetric(`workflow_monitor_${name}`);
      }
    }
    this.httpRequestDuration = new Histogram({
      name: 'workflow_monitor_http_request_duration_seconds',
      help: 'HTTP request duration by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.httpRequests = new Counter({
      name: 'workflow_monitor_http_requests_total',
      help: 'HTTP requests by route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.authFailures = new Counter({
      name: 'workflow_monitor_auth_failures_total',
      help: 'Requests refused by authentication or authorisation',
      labelNames: ['reason'],
      registers: [this.registry],
    });
  }
}
