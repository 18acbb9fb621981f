/**
 * Success-path overhead of our retry wrapper vs cockatiel's retry policy, same process, same
 * trivial async function, interleaved rounds. Goal: ours/cockatiel ≤ 1.0.
 * Usage (repository root): npx tsx bench/retry-overhead.ts [--calls 1000000] [--rounds 5]
 */
import { ExponentialBackoff, handleAll, retry } from 'cockatiel';
import { BreakerRegistry } from '../backend-sidecar/src/retry/breakerRegistry';
import { resolveRetrySettings } from '../backend-sidecar/src/retry/retrySettings';
import { runWithRetry } from '../backend-sidecar/src/retry/runWithRetry';
import { arg } from './support/benchDatabase';

const CALLS = arg('calls', 1_000_000);
const ROUNDS = arg('rounds', 5);

async function main(): Promise<void> {
  const work = async () => 42;
  const settings = resolveRetrySettings({ maxAttempts: 3 });
  const breakers = new BreakerRegistry();
  const policy = retry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() });
  const ours = async (n: number) => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i += 1) {
      await runWithRetry(work, { settings, target: 'bench', breakers });
    }
    return Number(process.hrtime.bigint() - t) / n;
  };
  const theirs = async (n: number) => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i += 1) {
      await policy.execute(work);
    }
    return Number(process.hrtime.bigint() - t) / n;
  };
  const bare = async (n: number) => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i += 1) {
      await work();
    }
    return Number(process.hrtime.bigint() - t) / n;
  };
  await ours(50_000);
  await theirs(50_000);
  const o: number[] = [];
  const c: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < ROUNDS; r += 1) {
    o.push(await ours(CALLS));
    c.push(await theirs(CALLS));
    b.push(await bare(CALLS));
  }
  const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)]!;
  console.log(`${CALLS} calls × ${ROUNDS} rounds, median ns per call (success path, nothing retried):`);
  console.log(`  bare await                     ${median(b).toFixed(0)} ns`);
  console.log(`  workflow-monitor runWithRetry  ${median(o).toFixed(0)} ns (records the attempt, consults the breaker)`);
  console.log(`  cockatiel retry().execute      ${median(c).toFixed(0)} ns`);
  console.log(`  ratio ours/cockatiel           ${(median(o) / median(c)).toFixed(2)}x`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
