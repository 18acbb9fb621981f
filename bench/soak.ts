/**
 * Soak: the sidecar (workflows, alerting, metrics API) under 1,000 workflows every 10 s against a
 * flaky loopback target (30 % 503, 5–50 ms latency), for --minutes. Every --every seconds it prints
 * RSS, heap, event-loop lag p99, PostgreSQL connections, executions stored and table sizes.
 * Goals: RSS flat within 10 % after warm-up, event-loop lag p99 under 50 ms.
 * Usage (repository root): node --expose-gc --import tsx bench/soak.ts [--minutes 30] [--workflows 1000] [--every 60]
 * (with --expose-gc each sample is taken after a full collection, so RSS and heap show what is retained,
 * not where the collector's sawtooth happened to be; flatness compares the medians of the two halves).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FEATURES } from '../backend-sidecar/src/app/features/index';
import { startSidecar } from '../backend-sidecar/src/app/sidecar';
import { loadConfig } from '../backend-sidecar/src/config/env';
import { arg, silent, startBenchDatabase } from './support/benchDatabase';

const MINUTES = arg('minutes', 30);
const WORKFLOWS = arg('workflows', 1000);
const EVERY_S = arg('every', 60);
const TOKEN = 'soak-token-0123456789abcdef';

async function main(): Promise<void> {
  const db = await startBenchDatabase({ poolMax: 5 });
  const target = http.createServer((_req, res) => {
    setTimeout(() => {
      if (Math.random() < 0.3) {
        res.writeHead(503).end();
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      }
    }, 5 + Math.random() * 45);
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-soak-'));
  const workflows = Array.from({ length: WORKFLOWS }, (_, i) => ({
    id: `soak-${i}`,
    name: `Soak ${i}`,
    schedule: { every: '10s' },
    timeout: '5s',
    retry: { strategy: 'fast' },
    labels: { team: `t${i % 10}` },
    steps: [{ name: 'call', request: { url: `${targetUrl}/soak/${i}`, timeout: '1s' }, assert: ['status == 200'] }],
  }));
  fs.writeFileSync(path.join(dir, 'soak.yaml'), JSON.stringify({ workflows }));
  const config = loadConfig({ DATABASE_URL: db.url, PORT: '0', SIDECAR_API_TOKEN: TOKEN, LOG_LEVEL: 'silent', WORKFLOWS_DIR: dir, DEMO: 'off', SCHEDULER_CONCURRENCY: '100' });
  const sidecar = await startSidecar({ config, log: silent, features: FEATURES });
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const sizes = async () => {
    const { rows } = await db.pool.query<{ name: string; mb: number }>(
      `SELECT relname AS name, round(pg_total_relation_size(c.oid) / 1048576.0, 1)::float8 AS mb FROM pg_class c
        WHERE relname IN ('executions', 'execution_steps', 'step_attempts', 'execution_rollups_minute', 'execution_rollups_hour', 'scheduled_runs', 'alerts', 'alert_events', 'notifications') ORDER BY relname`
    );
    return rows.map((r) => `${r.name.replace('execution_', 'ex_')}=${r.mb}`).join(' ');
  };
  const samples: Array<{ minute: number; rssMb: number; lagP99: number }> = [];
  console.log(`soak: ${WORKFLOWS} workflows every 10 s for ${MINUTES} min; sample every ${EVERY_S} s`);
  console.log('min   rss MB  heap MB  lag p99 ms  pg conns  executions  tables (MB)');
  const started = Date.now();
  while (Date.now() - started < MINUTES * 60_000) {
    await new Promise((resolve) => setTimeout(resolve, EVERY_S * 1000));
    (globalThis as { gc?: () => void }).gc?.();
    const memory = process.memoryUsage();
    const { rows: conns } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()`);
    const { rows: count } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM executions`);
    const minute = (Date.now() - started) / 60_000;
    const sample = { minute, rssMb: memory.rss / 1048576, lagP99: lag.percentile(99) / 1e6 };
    samples.push(sample);
    console.log(
      `${minute.toFixed(1).padStart(4)}  ${sample.rssMb.toFixed(0).padStart(6)}  ${(memory.heapUsed / 1048576).toFixed(0).padStart(7)}  ${sample.lagP99.toFixed(1).padStart(10)}  ${String(conns[0]!.n).padStart(8)}  ${String(count[0]!.n).padStart(10)}  ${await sizes()}`
    );
    lag.reset();
  }
  await sidecar.stop();
  // Warm-up: the first fifth of the run (caches, pools, JIT) is not held against the flatness goal;
  // the rest is split in halves and their median RSS compared.
  const steady = samples.filter((s) => s.minute >= MINUTES / 5);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const half = Math.floor(steady.length / 2);
  const base = median(steady.slice(0, half).map((s) => s.rssMb));
  const last = median(steady.slice(half).map((s) => s.rssMb));
  const maxLag = Math.max(...samples.map((s) => s.lagP99));
  console.log(`\nRSS median, first half after warm-up ${base.toFixed(0)} MB → second half ${last.toFixed(0)} MB (${(((last - base) / base) * 100).toFixed(1)} %; goal within 10 %)${(globalThis as { gc?: unknown }).gc ? ' (sampled after full GC)' : ''}`);
  console.log(`event-loop lag p99: worst interval ${maxLag.toFixed(1)} ms (goal < 50 ms)`);
  target.close();
  fs.rmSync(dir, { recursive: true, force: true });
  await db.close();
}

void main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
