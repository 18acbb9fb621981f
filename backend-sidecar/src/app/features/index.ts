import { alertsFeature } from './alerts';
import { locationsFeature } from './locations';
import { metricsApiFeature } from './metricsApi';
import { reportsFeature } from './reports';
import { workflowsFeature } from './workflows';
import type { FeatureFactory } from '../feature';

/**
 * The sidecar's feature modules in data-flow order. Each one adds its routes and background work;
 * the core (app/sidecar.ts) knows none of them by name.
 */
export const FEATURES: FeatureFactory[] = [
  workflowsFeature,
  alertsFeature,
  metricsApiFeature,
  locationsFeature,
  reportsFeature,
];
