import path from 'node:path';
import type { Feature, FeatureFactory } from '../feature';
import { coerceError } from '../../errors/errors';
import { EgressGuard } from '../../net/egressGuard';
import type { DeliveryEgress } from '../../notify/deliver';
import { registerChannelRoutes } from '../../notify/channelRoutes';
import { DeliveryWorker } from '../../notify/deliveryWorker';
import { workflowsDirectory } from './workflows';
import { AlertEngine } from '../../alerts/alertEngine';
import { syncAlertingFiles } from '../../alerts/alertingFiles';
import { registerAlertRoutes } from '../../alerts/routes/alertRoutes';
import { registerAlertingLoadErrorRoutes } from '../../alerts/routes/loadErrorRoutes';
import { registerPolicyRoutes } from '../../alerts/routes/policyRoutes';
import { registerRuleRoutes } from '../../alerts/routes/ruleRoutes';
import { registerSilenceRoutes } from '../../alerts/routes/silenceRoutes';
import { installPredefinedRules } from '../../alerts/ruleStore';
import { silenceActive } from '../../alerts/silences';
import { vetStoredRules } from '../../alerts/vetStoredRules';
import type { FileLoadError } from '../../schema/yaml';

/**
 * Alerting end to end on this replica: rules and channels (API and `alerting/*.yaml`), the
 * engine that judges executions and moves alerts along, and the outbox delivery worker.
 */
export const alertsFeature: FeatureFactory = async (ctx): Promise<Feature> => {
  const { pool, log, config } = ctx;
  const installed = await installPredefinedRules(pool);
  if (installed > 0) {
    log.info({ installed }, 'predefined alert rules installed');
  }
  const dir = workflowsDirectory(ctx);
  let loadErrors: FileLoadError[] = [];
  if (dir) {
    loadErrors = await syncAlertingFiles(pool, path.join(dir, 'alerting'), process.env, { maxRules: config.MAX_RULES, maxChannels: config.MAX_CHANNELS });
    for (const e of loadErrors) {
      log.error({ file: e.file, path: e.path }, `alerting definition rejected: ${e.message}`);
    }
  }
  await vetStoredRules(pool, log);
  const guard = new EgressGuard(config.TARGET_DENYLIST, config.TARGET_ALLOWLIST);
  const deliveryAgent = guard.createAgent();
  const egress: DeliveryEgress = { guard, dispatcher: deliveryAgent };
  const worker = new DeliveryWorker({
    pool,
    log,
    workerId: ctx.workerId,
    registry: ctx.metrics.registry,
    egress,
    settings: {
      concurrency: config.NOTIFY_CONCURRENCY,
      pollIntervalMs: config.NOTIFY_POLL_INTERVAL,
      leaseMs: Math.max(30_000, config.NOTIFY_TIMEOUT * 3),
      timeoutMs: config.NOTIFY_TIMEOUT,
      initialDelayMs: config.NOTIFY_RETRY_INITIAL,
      maxDelayMs: config.NOTIFY_RETRY_MAX,
      giveUpAfterMs: config.NOTIFY_GIVE_UP,
      grafanaUrl: config.GRAFANA_URL,
    },
  });
  if (config.GRAFANA_URL === undefined) {
    log.info('GRAFANA_URL is not set, so notifications carry no link to Grafana; set it to the URL users open Grafana at (e.g. https://grafana.example.com) to link each one to its alert and workflow');
  } else {
    log.info({ grafanaUrl: config.GRAFANA_URL }, 'notifications link to their alert and workflow in Grafana');
  }
  const engine = new AlertEngine({
    pool,
    log,
    registry: ctx.metrics.registry,
    evalIntervalMs: config.ALERT_EVAL_INTERVAL,
    tickIntervalMs: config.ALERT_TICK_INTERVAL,
    onQueued: () => worker.wake(),
  });
  const unsubscribe = ctx.events.on('executionRecorded', (event) => engine.executionRecorded(event.workflowId));

  return {
    name: 'alerts',
    routes: (routes) => {
      registerAlertRoutes(routes, { pool, engine });
      registerSilenceRoutes(routes, { pool, engine, isActive: (s) => silenceActive(s, new Date()) });
      registerRuleRoutes(routes, { pool, engine, maxRules: config.MAX_RULES });
      registerPolicyRoutes(routes, { pool, engine });
      registerChannelRoutes(routes, { pool, timeoutMs: config.NOTIFY_TIMEOUT, maxChannels: config.MAX_CHANNELS, egress, grafanaUrl: config.GRAFANA_URL });
      registerAlertingLoadErrorRoutes(routes, { loadErrors: () => loadErrors });
    },
    start: () => {
      if (!config.ALERTING) {
        log.info('ALERTING=false: rules are not evaluated and notifications are not delivered on this replica');
        return;
      }
      engine.start();
      worker.start();
      // Judge once at start: alerts opened or cleared while we were down.
      void engine.evaluate('all', 'timer').catch((error) => log.warn({ err: coerceError(error) }, 'initial alert evaluation failed'));
    },
    stop: async () => {
      unsubscribe();
      await engine.stop();
      await worker.stop();
      await deliveryAgent.close();
    },
  };
};

export type { AlertEngine };
