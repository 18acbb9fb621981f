import { alertsFeature } from '../alerts/alertsFeature';
import { metricsApiFeature } from '../metricsApi/metricsFeature';
import { workflowsFeature } from '../workflows/workflowsFeature';
import type { FeatureFactory } from './sidecar';

/**
 * The sidecar's feature modules in data-flow order. Each one adds its routes and background work;
 * the core (app/sidecar.ts) knows none of them by name.
 */
export const FEATURES: FeatureFactory[] = [
  workflowsFeature,
  alertsFeature,
  metricsApiFeature,
];
