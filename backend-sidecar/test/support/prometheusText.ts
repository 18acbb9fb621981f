/**
 * Reads the Prometheus text exposition format that `/metrics` serves (prom-client), so tests assert
 * the value of one series instead of finding a metric's name somewhere in the page — the name is
 * on the HELP and TYPE lines whether or not anything was ever counted.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,\s*|$)/y;

function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const start = LABEL.lastIndex;
    const match = LABEL.exec(text);
    if (!match) {
      throw new Error(`cannot read the labels at ${JSON.stringify(text.slice(start))} in ${JSON.stringify(line)}`);
    }
    labels[match[1]!] = unescapeLabel(match[2]!);
  }
  return labels;
}

/** Like Prometheus (Go's ParseFloat), case-insensitive for the specials: prom-client writes NaN as `Nan`. */
function parseValue(text: string, line: string): number {
  const special = text.toLowerCase();
  if (special === 'nan') {
    return Number.NaN;
  }
  const value = special === '+inf' || special === 'inf' ? Infinity : special === '-inf' ? -Infinity : Number(text);
  if (Number.isNaN(value)) {
    throw new Error(`not a sample value: ${JSON.stringify(line)}`);
  }
  return value;
}

/** Every sample of an exposition, in order; comments and blank lines skipped; a malformed line throws. */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) {
      continue;
    }
    const match = SAMPLE_LINE.exec(line);
    if (!match) {
      throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    }
    samples.push({ name: match[1]!, labels: match[2] ? parseLabels(match[2], line) : {}, value: parseValue(match[3]!, line) });
  }
  return samples;
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}

/**
 * The value of the series `name{labels}` — labels matched exactly, all of them — or undefined when
 * the exposition has no such series.
 */
export function metricValue(text: string | Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const samples = typeof text === 'string' ? parsePrometheusText(text) : text;
  return samples.find((s) => s.name === name && sameLabels(s.labels, labels))?.value;
}

/** The sum over every series of `name` whose labels include `labels` (e.g. all routes with status 401). */
export function metricSum(text: string | Sample[], name: string, labels: Record<string, string> = {}): number {
  const samples = typeof text === 'string' ? parsePrometheusText(text) : text;
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
}

/** GET `${baseUrl}/metrics`, parsed. */
export async function scrapeMetrics(baseUrl: string): Promise<Sample[]> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (response.status !== 200) {
    throw new Error(`GET /metrics answered ${response.status}`);
  }
  return parsePrometheusText(await response.text());
}
