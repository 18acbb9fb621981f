/** Push workflows get a grace of 10 % of their interval, at least 30 s, unless they say otherwise. */
export function pushGraceMs(push: { expected: number; grace?: number }): number {
  return push.grace ?? Math.max(30_000, Math.round(push.expected * 0.1));
}

/**
 * The one spelling of when a push workflow is next checked for a missing result: its last push (or,
 * before any, its definition) plus the expected interval plus the grace. Built as SQL because every
 * statement that moves `last_push_at` or replaces the definition computes it from stored columns;
 * the arguments are SQL expressions (columns, casts of parameters).
 */
export function pushNextCheckSql(lastPushAt: string, expectedMs: string, graceMs: string): string {
  return `(${lastPushAt}) + make_interval(secs => ((${expectedMs}) + (${graceMs})) / 1000.0)`;
}
