import type { SloStatus } from '../../api/types';
import { filterSloRows, sortSloRows, timeToExhaustion, type SloRow } from './sloRows';

const calm = { '5m': 0, '30m': 0, '1h': 0, '6h': 0, '24h': 0, '72h': 0 };
function row(workflowId: string, name: string, figures: Partial<SloStatus>): SloRow {
  return { workflowId, name, objective: 99, window: '1d', sli: 100, errorBudgetRemaining: 100, burnRates: calm, budgetExhaustedAt: null, ...figures };
}

describe('sortSloRows', () => {
  const rows = [
    row('a', 'Alpha', { sli: null, errorBudgetRemaining: 100 }),
    row('b', 'beta', { sli: 90, errorBudgetRemaining: -900, budgetExhaustedAt: '2026-01-01T00:00:00Z' }),
    row('c', 'Gamma', { sli: 99.5, errorBudgetRemaining: 50, budgetExhaustedAt: '2026-01-03T00:00:00Z' }),
    row('d', 'Delta', { sli: 99.5, errorBudgetRemaining: 50, budgetExhaustedAt: 'not a time' }),
  ];
  const ids = (sorted: SloRow[]) => sorted.map((r) => r.workflowId);

  it('puts rows without the figure last in either direction', () => {
    expect(ids(sortSloRows(rows, { key: 'sli', descending: false }))).toEqual(['b', 'd', 'c', 'a']);
    expect(ids(sortSloRows(rows, { key: 'sli', descending: true }))).toEqual(['d', 'c', 'b', 'a']);
    expect(ids(sortSloRows(rows, { key: 'exhaustion', descending: false }))).toEqual(['b', 'c', 'a', 'd']);
  });

  it('orders equal figures by name, ignoring case for the name column', () => {
    expect(ids(sortSloRows(rows, { key: 'budget', descending: false }))).toEqual(['b', 'd', 'c', 'a']);
    expect(ids(sortSloRows(rows, { key: 'workflow', descending: false }))).toEqual(['a', 'b', 'd', 'c']);
  });
});

describe('filterSloRows', () => {
  it('keeps the rows whose name or id contains the text, in any case; blank keeps all', () => {
    const rows = [row('checkout-eu', 'Checkout', {}), row('login', 'Sign-in page', {})];
    expect(filterSloRows(rows, ' SIGN ').map((r) => r.workflowId)).toEqual(['login']);
    expect(filterSloRows(rows, '-eu').map((r) => r.workflowId)).toEqual(['checkout-eu']);
    expect(filterSloRows(rows, '  ')).toHaveLength(2);
  });
});

describe('timeToExhaustion', () => {
  it('names the time left, or that the budget is not burning or already gone', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(timeToExhaustion(null, now)).toBe('not burning');
    expect(timeToExhaustion('2026-01-01T00:25:00Z', now)).toBe('in 25m');
    expect(timeToExhaustion('2026-01-01T03:10:00Z', now)).toBe('in 3h 10m');
    expect(timeToExhaustion('2026-01-04T05:00:00Z', now)).toBe('in 3d 5h');
    expect(timeToExhaustion('2025-12-31T00:00:00Z', now)).toBe('exhausted');
  });
});
