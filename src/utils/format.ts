/** "3 min", "2 h", "5 d" since an ISO time. */
export function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) {
    return `${s} s`;
  }
  if (s < 3600) {
    return `${Math.floor(s / 60)} min`;
  }
  if (s < 86_400) {
    return `${Math.floor(s / 3600)} h`;
  }
  return `${Math.floor(s / 86_400)} d`;
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) {
    return '–';
  }
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

export function pct(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : `${value.toFixed(value % 1 === 0 ? 0 : 1)} %`;
}
