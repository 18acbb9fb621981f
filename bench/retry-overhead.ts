/**
 * Success-path overhead of our retry wrapper vs cockatiel's retry policy, same process, same
 * functions, interleaved rounds, in two shapes: a trivial async function (our wrapper must then
 * read the clock twice to record the attempt; cockatiel records nothing), and an attempt that
 * times itself as every HTTP step does (the same function for both). Goal: ours/cockatiel ≤ 1.0.
 * Usage (repository root): npx tsx bench/retry-overhead.ts [--calls 1000000] [--rounds 5]
 */
import { ExponentialBackoff, handleAll, retry } from 'cockatiel';
import { BreakerRegistry } from '../backend-sidecar/src/retry/breakerRegistry';
import { resolveRetrySettings } from '../backend-sidecar/src/retry/retrySettings';
import { runWithRetry } from '../backend-sidecar/src/retry/runWithRetry';
import { arg } from './support/benchDatabase';

const CALLS = arg('calls', 1_000_000);
const ROUNDS = arg('rounds', 5);

interface Timed {
  value: number;
  durationMs: number;
}

// At module level, as runWorkflow keeps its callbacks: under tsx an arrow made per call in an object
// literal is renamed with Object.defineProperty each time (see CONTRIBUTING.md).
function durationOfTimed(r: Timed): number {
  return r.durationMs;
}

function frozenClock(): number {
  return 0;
}

async function main(): Promise<void> {
  const work = async () => 42;
  // What an HTTP step does: it times its own response (response-time assertions need it). Given
  // where the attempt started, ours takes that duration instead of reading the clock again.
  const timedWork = async (startedAt: number): Promise<Timed> => ({ value: 42, durationMs: Date.now() - startedAt });
  const settings = resolveRetrySettings({ maxAttempts: 3 });
  const breakers = new BreakerRegistry();
  const policy = retry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() });
  const loop = (call: () => Promise<unknown>) => async (n: number) => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i += 1) {
      await call();
    }
    return Number(process.hrtime.bigint() - t) / n;
  };
  const variants = {
    bare: loop(work),
    ours: loop(() => runWithRetry(work, { settings, target: 'bench', breakers })),
    theirs: loop(() => policy.execute(work)),
    oursNoClock: loop(() => runWithRetry(work, { settings, target: 'bench', breakers, now: frozenClock })),
    oursTimed: loop(() => runWithRetry(({ startedAt }) => timedWork(startedAt), { settings, target: 'bench', breakers, durationOf: durationOfTimed })),
    theirsTimed: loop(() => policy.execute(() => timedWork(Date.now()))),
  };
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, [] as number[]])) as Record<keyof typeof variants, number[]>;
  for (const run of Object.values(variants)) {
    await run(50_000);
  }
  for (let r = 0; r < ROUNDS; r += 1) {
    for (const [name, run] of Object.entries(variants)) {
      samples[name as keyof typeof variants].push(await run(CALLS));
    }
  }
  const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)]!;
  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<keyof typeof variants, number>;
  console.log(`${CALLS} calls × ${ROUNDS} rounds, median ns per call (success path, nothing retried):`);
  console.log(`  bare await                                   ${m.bare.toFixed(0)} ns`);
  console.log('  a trivial async function (the wrapper times the attempt itself):');
  console.log(`    workflow-monitor runWithRetry              ${m.ours.toFixed(0)} ns (records the attempt with its start and duration, consults the breaker)`);
  console.log(`    cockatiel retry().execute                  ${m.theirs.toFixed(0)} ns`);
  console.log(`    ratio ours/cockatiel                       ${(m.ours / m.theirs).toFixed(2)}x`);
  console.log(`    ours with a frozen clock (no clock reads)  ${m.oursNoClock.toFixed(0)} ns: the two clock reads cost ${(m.ours - m.oursNoClock).toFixed(0)} ns here`);
  console.log('  an attempt that times itself, as an HTTP step does (same function for both):');
  console.log(`    workflow-monitor runWithRetry              ${m.oursTimed.toFixed(0)} ns (takes the attempt's own duration)`);
  console.log(`    cockatiel retry().execute                  ${m.theirsTimed.toFixed(0)} ns`);
  console.log(`    ratio ours/cockatiel                       ${(m.oursTimed / m.theirsTimed).toFixed(2)}x`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
