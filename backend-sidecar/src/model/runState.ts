/**
 * States of a slot in `scheduled_runs` (pg-boss style frozen constants). SQL interpolates them as
 * literals (`'${RUN_STATE.pending}'`), not `$n` parameters, so the planner still matches the partial
 * indexes whose predicates name them (`WHERE state = 'pending'`). test/structure/stateConstants.test.ts
 * checks them against the migrations' CHECK constraints.
 */
export const RUN_STATE = Object.freeze({
  pending: 'pending',
  running: 'running',
  done: 'done',
  missed: 'missed',
  cancelled: 'cancelled',
} as const);
export type RunState = (typeof RUN_STATE)[keyof typeof RUN_STATE];

/** What created a slot: the planner, or a manual run over the API. */
export const RUN_KIND = Object.freeze({ scheduled: 'scheduled', manual: 'manual' } as const);
export type RunKind = (typeof RUN_KIND)[keyof typeof RUN_KIND];
