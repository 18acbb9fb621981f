import type { Feature, FeatureFactory } from '../feature';
import { registerReportRoutes } from '../../reports/reportRoutes';
import { registerReportScheduleRoutes } from '../../reports/reportScheduleRoutes';
import { ReportScheduler } from '../../reports/reportScheduler';

/**
 * SLA reports: GET /api/v1/reports/sla (JSON, CSV, PDF) and report schedules, whose reports go out
 * through the alerting feature's outbox — so they are sent from replicas where ALERTING is on.
 */
export const reportsFeature: FeatureFactory = (ctx): Feature => {
  const scheduler = new ReportScheduler({ pool: ctx.pool, log: ctx.log, workerId: ctx.workerId, intervalMs: ctx.config.REPORT_SCHEDULE_INTERVAL, registry: ctx.metrics.registry });
  return {
    name: 'reports',
    routes(routes) {
      registerReportRoutes(routes, { pool: ctx.pool });
      registerReportScheduleRoutes(routes, { pool: ctx.pool });
    },
    start() {
      if (ctx.config.ALERTING) {
        scheduler.start();
      }
    },
    stop: () => scheduler.stop(),
  };
};
