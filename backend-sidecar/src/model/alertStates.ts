/**
 * An alert's states, as `alerts.state` allows them (migration 0010's CHECK; the test in
 * test/structure/alertStateConstants.test.ts keeps the two equal). SQL interpolates these
 * constants as literals rather than passing them as parameters: the partial indexes say
 * `WHERE state <> 'resolved'`, and the planner uses them only for a predicate it can see.
 */
export const ALERT_STATE = Object.freeze({
  active: 'active',
  acknowledged: 'acknowledged',
  suppressed: 'suppressed',
  resolved: 'resolved',
} as const);
export type AlertState = (typeof ALERT_STATE)[keyof typeof ALERT_STATE];

/** Every state, in the order the API documents them. */
export const ALERT_STATES = Object.freeze(Object.values(ALERT_STATE)) as readonly [AlertState, ...AlertState[]];

/** The states of an alert that is not over (`?state=open`, the open-fingerprint index). */
export const OPEN_ALERT_STATES = Object.freeze([ALERT_STATE.active, ALERT_STATE.acknowledged, ALERT_STATE.suppressed] as const);

/** What an `alert_events` row records (the column is free text; these are all the engine writes). */
export const ALERT_EVENT_TYPE = Object.freeze({
  opened: 'opened',
  acknowledged: 'acknowledged',
  unacknowledged: 'unacknowledged',
  acknowledgementExpired: 'acknowledgement_expired',
  resolved: 'resolved',
  suppressed: 'suppressed',
  unsuppressed: 'unsuppressed',
  escalated: 'escalated',
  flapping: 'flapping',
  flappingEnded: 'flapping_ended',
  notificationSkipped: 'notification_skipped',
} as const);
export type AlertEventType = (typeof ALERT_EVENT_TYPE)[keyof typeof ALERT_EVENT_TYPE];
