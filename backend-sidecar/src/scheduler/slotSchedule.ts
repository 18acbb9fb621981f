import crypto from 'node:crypto';
import { CronExpressionParser } from 'cron-parser';

/** When a scheduled workflow's slots fall. */
export type SlotSchedule =
  | { kind: 'every'; everyMs: number; offsetMs: number }
  | { kind: 'cron'; expression: string; timezone?: string };

/**
 * Interval slots are aligned to the epoch plus a per-workflow offset derived from its id, so 10,000
 * workflows "every 60s" spread over the minute instead of all firing at :00 (Prometheus spreads
 * scrapes the same way), and every replica computes the same instants.
 */
export function everySchedule(workflowId: string, everyMs: number): SlotSchedule {
  const hash = crypto.createHash('sha1').update(workflowId).digest().readUInt32BE(0);
  return { kind: 'every', everyMs, offsetMs: hash % everyMs };
}

/** The first slot strictly after `afterMs`. */
export function nextSlotAfter(schedule: SlotSchedule, afterMs: number): number {
  if (schedule.kind === 'every') {
    const k = Math.floor((afterMs - schedule.offsetMs) / schedule.everyMs) + 1;
    return k * schedule.everyMs + schedule.offsetMs;
  }
  const expression = CronExpressionParser.parse(schedule.expression, {
    currentDate: new Date(afterMs),
    tz: schedule.timezone,
  });
  return expression.next().getTime();
}

/** The first slot at or after `atMs`. */
export function firstSlotFrom(schedule: SlotSchedule, atMs: number): number {
  return nextSlotAfter(schedule, atMs - 1);
}

export interface PlannedSlots {
  /** Slots to run, in order. */
  due: number[];
  /**
   * Slots too old to run: the first of them, how many there were (collapsed into one row) and the
   * first slot after them, so the count can be spread over the time they were due.
   */
  missed?: { firstSlotAt: number; count: number; untilMs: number };
  /** Where planning continues next time. */
  nextSlotAt: number;
}

/**
 * Expands [nextSlotAt, untilMs] into slots. Slots older than `missedBeforeMs` are not replayed:
 * they are counted as missed (interval schedules jump there arithmetically, so a week of downtime
 * costs nothing; cron schedules iterate with a cap).
 */
export function planSlots(schedule: SlotSchedule, nextSlotAt: number, untilMs: number, missedBeforeMs: number): PlannedSlots {
  let slot = nextSlotAt;
  let missed: PlannedSlots['missed'];
  if (slot < missedBeforeMs) {
    if (schedule.kind === 'every') {
      const resume = firstSlotFrom(schedule, missedBeforeMs);
      missed = { firstSlotAt: slot, count: Math.max(1, Math.round((resume - slot) / schedule.everyMs)), untilMs: resume };
      slot = resume;
    } else {
      let count = 0;
      const first = slot;
      while (slot < missedBeforeMs && count < 100_000) {
        count += 1;
        slot = nextSlotAfter(schedule, slot);
      }
      if (slot < missedBeforeMs) {
        slot = firstSlotFrom(schedule, missedBeforeMs);
      }
      missed = { firstSlotAt: first, count, untilMs: slot };
    }
  }
  const due: number[] = [];
  while (slot <= untilMs && due.length < 10_000) {
    due.push(slot);
    slot = nextSlotAfter(schedule, slot);
  }
  return { due, missed, nextSlotAt: slot };
}
