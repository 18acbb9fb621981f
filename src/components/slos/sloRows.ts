import type { SloStatus } from '../../api/types';

/** An SLO with its workflow's name (the id when the workflow has none). */
export interface SloRow extends SloStatus {
  name: string;
}

export type SloSortKey = 'workflow' | 'objective' | 'sli' | 'budget' | 'burn1h' | 'burn6h' | 'exhaustion';

export interface SloSort {
  key: SloSortKey;
  descending: boolean;
}

/** Least budget left first: the rows an operator must look at lead. */
export const DEFAULT_SLO_SORT: SloSort = { key: 'budget', descending: false };

/** The direction a column sorts in when picked: its worst rows first (fastest burn, soonest exhaustion, lowest SLI). */
export const WORST_FIRST: Record<SloSortKey, SloSort> = {
  workflow: { key: 'workflow', descending: false },
  objective: { key: 'objective', descending: true },
  sli: { key: 'sli', descending: false },
  budget: { key: 'budget', descending: false },
  burn1h: { key: 'burn1h', descending: true },
  burn6h: { key: 'burn6h', descending: true },
  exhaustion: { key: 'exhaustion', descending: false },
};

function sortValue(row: SloRow, key: SloSortKey): number | string | null {
  switch (key) {
    case 'workflow':
      return row.name.toLowerCase();
    case 'objective':
      return row.objective;
    case 'sli':
      return row.sli;
    case 'budget':
      return row.errorBudgetRemaining;
    case 'burn1h':
      return row.burnRates['1h'];
    case 'burn6h':
      return row.burnRates['6h'];
    case 'exhaustion': {
      const at = row.budgetExhaustedAt === null ? NaN : Date.parse(row.budgetExhaustedAt);
      return Number.isFinite(at) ? at : null;
    }
  }
}

/** The rows in `sort`'s order; rows without the figure (nothing ran, not burning) last either way, ties by name. */
export function sortSloRows(rows: SloRow[], sort: SloSort): SloRow[] {
  return [...rows].sort((a, b) => {
    const x = sortValue(a, sort.key);
    const y = sortValue(b, sort.key);
    if (x === null || y === null) {
      if (x !== y) {
        return x === null ? 1 : -1;
      }
    } else {
      const order = typeof x === 'string' ? x.localeCompare(String(y)) : x - Number(y);
      if (order !== 0) {
        return sort.descending ? -order : order;
      }
    }
    return a.name.localeCompare(b.name) || a.workflowId.localeCompare(b.workflowId);
  });
}

/** The rows whose workflow name or id contains `text` (any case); all of them for blank text. */
export function filterSloRows(rows: SloRow[], text: string): SloRow[] {
  const needle = text.trim().toLowerCase();
  if (!needle) {
    return rows;
  }
  return rows.filter((row) => row.name.toLowerCase().includes(needle) || row.workflowId.toLowerCase().includes(needle));
}

/** "in 3d 4h" / "in 25m" until `iso`; "exhausted" when it has passed; "not burning" without one. */
export function timeToExhaustion(iso: string | null, now = Date.now()): string {
  if (!iso) {
    return 'not burning';
  }
  const left = Date.parse(iso) - now;
  if (!Number.isFinite(left)) {
    return 'not burning';
  }
  if (left <= 0) {
    return 'exhausted';
  }
  const minutes = Math.floor(left / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) {
    return `in ${days}d ${hours}h`;
  }
  return hours > 0 ? `in ${hours}h ${minutes % 60}m` : `in ${Math.max(1, minutes)}m`;
}
