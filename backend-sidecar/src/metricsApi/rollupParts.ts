export type RollupTable = 'execution_rollups_minute' | 'execution_rollups_hour' | 'execution_rollups_day';

export interface RollupPart {
  table: RollupTable;
  from: Date;
  to: Date;
}

const DAY_MS = 86_400_000;

/**
 * [from, to) as the fewest rollup rows: whole UTC days from the day rollup and the hours at either
 * edge from the hour rollup. `from` must be aligned to the finer table's bucket. A 30-day window
 * over 200 workflows is then about 6,000 day rows and at most 9,400 hour rows instead of 144,000.
 */
export function rollupParts(fine: 'execution_rollups_minute' | 'execution_rollups_hour', from: Date, to: Date): RollupPart[] {
  if (fine === 'execution_rollups_minute') {
    return [{ table: fine, from, to }];
  }
  const firstDay = Math.ceil(from.getTime() / DAY_MS) * DAY_MS;
  const lastDay = Math.floor(to.getTime() / DAY_MS) * DAY_MS;
  if (firstDay >= lastDay) {
    return [{ table: fine, from, to }];
  }
  const parts: RollupPart[] = [{ table: 'execution_rollups_day', from: new Date(firstDay), to: new Date(lastDay) }];
  if (from.getTime() < firstDay) {
    parts.push({ table: fine, from, to: new Date(firstDay) });
  }
  if (lastDay < to.getTime()) {
    parts.push({ table: fine, from: new Date(lastDay), to });
  }
  return parts;
}

/**
 * A UNION ALL over the parts selecting `columns` from each, with the bounds appended to `params`
 * (placeholders numbered after what is already there); with `locations`, only their rows.
 */
export function partsSql(parts: RollupPart[], columns: string, params: unknown[], locations?: string[]): string {
  let only = '';
  if (locations) {
    params.push(locations);
    only = ` AND location = ANY($${params.length}::text[])`;
  }
  return parts
    .map((part) => {
      params.push(part.from, part.to);
      return `SELECT ${columns} FROM ${part.table} WHERE bucket >= $${params.length - 1} AND bucket < $${params.length}${only}`;
    })
    .join(' UNION ALL ');
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/**
 * The minute buckets from `from`'s minute to `to`'s minute (both included) as the fewest rollup rows
 * that are still exact to the minute: minute rows up to the first whole hour and after the last,
 * hour rows up to the first whole UTC day and after the last, day rows in between. Minute rollups
 * live as long as raw executions: for a range starting before that retention the first ragged hour
 * reads what is left of them.
 */
export function exactRangeParts(from: Date, to: Date): RollupPart[] {
  const start = Math.floor(from.getTime() / MINUTE_MS) * MINUTE_MS;
  const end = Math.floor(to.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const hourStart = Math.ceil(start / HOUR_MS) * HOUR_MS;
  const hourEnd = Math.floor(end / HOUR_MS) * HOUR_MS;
  if (hourStart >= hourEnd) {
    return [{ table: 'execution_rollups_minute', from: new Date(start), to: new Date(end) }];
  }
  const parts: RollupPart[] = [];
  const add = (table: RollupTable, a: number, b: number) => {
    if (a < b) {
      parts.push({ table, from: new Date(a), to: new Date(b) });
    }
  };
  add('execution_rollups_minute', start, hourStart);
  add('execution_rollups_minute', hourEnd, end);
  const dayStart = Math.ceil(hourStart / DAY_MS) * DAY_MS;
  const dayEnd = Math.floor(hourEnd / DAY_MS) * DAY_MS;
  if (dayStart < dayEnd) {
    add('execution_rollups_day', dayStart, dayEnd);
    add('execution_rollups_hour', hourStart, dayStart);
    add('execution_rollups_hour', dayEnd, hourEnd);
  } else {
    add('execution_rollups_hour', hourStart, hourEnd);
  }
  return parts;
}
