/**
 * A queued notification's states, as `notifications.state` allows them (migration 0010's CHECK;
 * test/structure/alertStateConstants.test.ts keeps the two equal). Interpolated into SQL as
 * literals so the partial indexes (`WHERE state = 'pending'`, `= 'delivering'`, `<> 'delivered'`)
 * match the queries that use them.
 */
export const NOTIFICATION_STATE = Object.freeze({
  pending: 'pending',
  delivering: 'delivering',
  delivered: 'delivered',
  failed: 'failed',
} as const);
export type NotificationState = (typeof NOTIFICATION_STATE)[keyof typeof NOTIFICATION_STATE];

/** Every state, in the order the API documents them. */
export const NOTIFICATION_STATES = Object.freeze(Object.values(NOTIFICATION_STATE)) as readonly [NotificationState, ...NotificationState[]];
