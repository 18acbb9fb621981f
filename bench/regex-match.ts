/**
 * What the linear-time regex engine costs per match, side by side with V8's backtracking RegExp:
 * a typical assertion (`body matches /"status":"ok"/`) on a 2 KB JSON body, with the match near the
 * start and at the end, a case-insensitive word search over an error message, and the whole
 * assertion as a step evaluates it. Then the pattern that made this necessary, `^(a+)+$`, on 25
 * (native; each extra character doubles its time) and 40 `a` followed by `!` (re2js only).
 * Usage (repository root): npx tsx bench/regex-match.ts [--iterations 200000]
 */
import { compileSafeRegex } from '../backend-sidecar/src/regex/safeRegex';
import { evaluateAssertion, parseAssertion, type ResponseView } from '../backend-sidecar/src/executor/assertions';
import { arg } from './support/benchDatabase';

const ITERATIONS = arg('iterations', 200_000);

function body(statusFirst: boolean): string {
  const items = Array.from({ length: 40 }, (_, i) => ({ id: i, sku: `SKU-${1000 + i}`, qty: i % 3 }));
  const rest = JSON.stringify({ items }).slice(1, -1);
  const json = statusFirst ? `{"status":"ok",${rest}}` : `{${rest},"status":"ok"}`;
  return json.padEnd(2048, ' ');
}

/** Nanoseconds per call, best of three runs (the first warms the JIT). */
function measure(fn: () => unknown, iterations = ITERATIONS): number {
  let best = Infinity;
  for (let round = 0; round < 3; round += 1) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < iterations; i += 1) {
      fn();
    }
    best = Math.min(best, Number(process.hrtime.bigint() - started) / iterations);
  }
  return best;
}

function row(name: string, nativeNs: number, re2Ns: number): void {
  console.log(`${name.padEnd(52)} native ${nativeNs.toFixed(0).padStart(6)} ns   re2js ${re2Ns.toFixed(0).padStart(6)} ns   ×${(re2Ns / nativeNs).toFixed(1)}`);
}

const cases: Array<[string, string, string, string]> = [
  ['"status":"ok" in 2 KB, near the start', '"status":"ok"', '', body(true)],
  ['"status":"ok" in 2 KB, at the end', '"status":"ok"', '', body(false)],
  ['(?i)timeout|refused in a 200-char message', 'timeout|refused', 'i', `step "pay": request to https://payments.example.com/v1/charge failed after 3 attempts: connect ECONNREFUSED 10.0.0.12:443 (Connection Refused)`.padEnd(200, '.')],
];
for (const [name, source, flags, text] of cases) {
  const native = new RegExp(source, flags);
  const safe = compileSafeRegex(source, flags);
  if (native.test(text) !== safe.test(text)) {
    throw new Error(`the engines disagree on ${name}`);
  }
  row(name, measure(() => native.test(text)), measure(() => safe.test(text)));
}

const assertion = parseAssertion('body matches /"status":"ok"/');
const text = body(false);
const response: ResponseView = { status: 200, durationMs: 12, headers: { get: () => null }, text, isJson: false };
// The same parsed assertion carrying V8's RegExp instead (both have test() and toString()).
const nativeAssertion = { ...assertion, regex: /"status":"ok"/ as unknown as typeof assertion.regex };
row('whole assertion (evaluateAssertion), match at the end', measure(() => evaluateAssertion(nativeAssertion, response)), measure(() => evaluateAssertion(assertion, response)));

const hostile = (n: number) => `${'a'.repeat(n)}!`;
const nativeHostile = measure(() => /^(a+)+$/.test(hostile(25)), 1);
const safeHostile = measure(() => compileSafeRegex('^(a+)+$').test(hostile(40)), 1000);
console.log(`^(a+)+$ on ${'a'.repeat(3)}…!: native with 25 a ${(nativeHostile / 1e6).toFixed(0)} ms (×2 per extra a: ~${((nativeHostile * 2 ** 15) / 1e9 / 3600).toFixed(1)} h with 40); re2js with 40 a ${(safeHostile / 1e3).toFixed(1)} µs`);
