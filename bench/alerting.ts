/**
 * Alerting benchmarks.
 *   1. Notification latency: a failing execution is stored (the push API has answered) → the
 *      webhook receiver has the notification. p50/p95 over --samples alerts (goal p95 ≤ 1 s),
 *      side by side with a real Alertmanager on its default route timing (group_wait 30 s):
 *      an alert POSTed to it → its webhook receiver has the notification.
 *   2. Rule evaluation throughput: --rules rules over --workflows workflows (every rule scoped to
 *      every workflow, a mix of all condition types), one full timed pass = rules × workflows
 *      verdicts, with the workflows' window statistics read from PostgreSQL.
 * Usage (repository root): npx tsx bench/alerting.ts [--samples 100] [--rules 1000] [--workflows 1000] [--rounds 3] [--alertmanager 1]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { AlertEngine } from '../backend-sidecar/src/alerts/alertEngine';
import { alertsFeature } from '../backend-sidecar/src/app/features/alerts';
import { saveRule } from '../backend-sidecar/src/alerts/ruleStore';
import { ruleInputSchema } from '../backend-sidecar/src/alerts/ruleSchema';
import { startSidecar } from '../backend-sidecar/src/app/sidecar';
import { loadConfig } from '../backend-sidecar/src/config/env';
import { workflowsFeature } from '../backend-sidecar/src/app/features/workflows';
import { startAlertmanager, ALERTMANAGER_BIN } from '../backend-sidecar/test/support/alertmanagerProcess';
import { arg, percentile, silent, startBenchDatabase } from './support/benchDatabase';

const SAMPLES = arg('samples', 100);
const RULES = arg('rules', 1000);
const WORKFLOWS = arg('workflows', 1000);
const ROUNDS = arg('rounds', 3);
const WITH_ALERTMANAGER = arg('alertmanager', 1) === 1;
const TOKEN = 'bench-token-0123456789abcdef';

/** A receiver that resolves a waiter when a notification for `key` arrives. */
async function startWaitingReceiver() {
  const waiters = new Map<string, (at: number) => void>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      res.writeHead(200).end('{}');
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { alert?: { workflowId: string }; alerts?: Array<{ labels: Record<string, string> }>; status?: string };
        const keys = body.alert ? [body.alert.workflowId] : (body.alerts ?? []).map((a) => `am:${a.labels.workflow}`);
        for (const key of keys) {
          waiters.get(key)?.(at);
          waiters.delete(key);
        }
      } catch {
        // not ours
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    wait: (key: string) => new Promise<number>((resolve) => waiters.set(key, resolve)),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function notificationLatency(): Promise<{ ours: number[]; alertmanager: number[] }> {
  const db = await startBenchDatabase({ poolMax: 20 });
  const receiver = await startWaitingReceiver();
  const config = loadConfig({ DATABASE_URL: db.url, PORT: '0', SIDECAR_API_TOKEN: TOKEN, LOG_LEVEL: 'silent', SCHEDULER: 'false', DEMO: 'off', ALERT_EVAL_INTERVAL: '1h' });
  const sidecar = await startSidecar({ config, log: silent, features: [workflowsFeature, alertsFeature] });
  const api = async (path: string, json: unknown) => {
    const response = await fetch(`${sidecar.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(json) });
    if (!response.ok) {
      throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
    }
  };
  await api('/api/v1/channels', { id: 'hook', name: 'Hook', type: 'webhook', config: { url: `${receiver.url}/hook`, secret: 'bench-secret' } });
  await api('/api/v1/rules', { id: 'down', name: 'Down', severity: 'error', condition: { type: 'consecutive_failures', count: 1 }, channels: ['hook'] });
  const ours: number[] = [];
  for (let i = 0; i < SAMPLES + 5; i += 1) {
    const id = `lat-${i}`;
    await api('/api/v1/workflows', { id, name: id, schedule: { push: { expected: '1h' } } });
    const arrived = receiver.wait(id);
    await api('/api/v1/executions', { workflowId: id, status: 'failed', durationMs: 5, errorMessage: 'HTTP 503' });
    const stored = performance.now();
    const at = await arrived;
    if (i >= 5) {
      ours.push(at - stored);
    }
  }
  await sidecar.stop();

  const alertmanager: number[] = [];
  if (WITH_ALERTMANAGER && ALERTMANAGER_BIN) {
    // Alertmanager's defaults: group_wait 30s, group_interval 5m. Five alerts in five groups at once.
    const am = await startAlertmanager(`${receiver.url}/am`, { groupWait: '30s', groupInterval: '5m' });
    const posted = await Promise.all(Array.from({ length: 5 }, async (_, i) => {
      const arrived = receiver.wait(`am:am-${i}`);
      const response = await fetch(`${am.url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ labels: { alertname: 'Down', workflow: `am-${i}`, rule: 'down' }, annotations: { summary: 'down' } }]),
      });
      const sent = performance.now();
      if (!response.ok) {
        throw new Error(`Alertmanager answered ${response.status}`);
      }
      return (await arrived) - sent;
    }));
    alertmanager.push(...posted);
    await am.stop();
  }
  await receiver.close();
  await db.close();
  return { ours, alertmanager };
}

async function evaluationThroughput(): Promise<{ seconds: number[]; pairs: number }> {
  const db = await startBenchDatabase({ poolMax: 10 });
  const ids = Array.from({ length: WORKFLOWS }, (_, i) => `w${i}`);
  await db.pool.query(
    `INSERT INTO workflows (id, name, source, definition, labels, mode, push_expected_ms)
     SELECT id, id, 'api', '{}', jsonb_build_object('team', 't' || (n % 10)), 'push', 3600000 FROM unnest($1::text[]) WITH ORDINALITY AS t(id, n)`,
    [ids]
  );
  // Ten executions per workflow in the last ten minutes, a fifth of them failing.
  await db.pool.query(
    `INSERT INTO executions (workflow_id, trigger, status, started_at, finished_at, duration_ms, attempts, retries, error_message)
     SELECT w, 'push', CASE WHEN k % 5 = 0 THEN 'failed' ELSE 'success' END, now() - make_interval(secs => k * 60), now() - make_interval(secs => k * 60) + interval '100 ms',
            100 + k * 10, 1, 0, CASE WHEN k % 5 = 0 THEN 'target answered HTTP 503' END
       FROM unnest($1::text[]) AS w, generate_series(1, 10) AS k`,
    [ids]
  );
  const kinds = [
    { type: 'threshold', metric: 'success_rate', operator: '<', value: 50, window: '15m', minSamples: 3 },
    { type: 'rate', value: 90, window: '15m', minSamples: 5 },
    { type: 'pattern', regex: 'certificate', window: '15m' },
    { type: 'threshold', metric: 'duration_p95', operator: '>', value: 10_000, window: '1h' },
    { type: 'custom', expression: 'window.failures > 8 && window.executions > 5', window: '15m' },
    { type: 'threshold', metric: 'executions', operator: '<', value: 1, window: '30m' },
  ];
  await db.pool.query(`UPDATE alert_rules SET enabled = false`);
  for (let i = 0; i < RULES; i += 1) {
    await saveRule(db.pool, ruleInputSchema.parse({ id: `r${i}`, name: `Rule ${i}`, severity: 'warning', condition: kinds[i % kinds.length] }), { source: 'api', mode: 'upsert' });
  }
  const engine = new AlertEngine({ pool: db.pool, log: silent, registry: new Registry(), evalIntervalMs: 60_000, tickIntervalMs: 60_000, onQueued: () => undefined });
  const seconds: number[] = [];
  let pairs = 0;
  await engine.evaluate('all', 'timer');
  for (let r = 0; r < ROUNDS; r += 1) {
    engine.invalidate();
    const started = performance.now();
    const result = await engine.evaluate('all', 'timer');
    seconds.push((performance.now() - started) / 1000);
    pairs = result.pairs;
  }
  await db.close();
  return { seconds, pairs };
}

async function main(): Promise<void> {
  const latency = await notificationLatency();
  const f = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
  console.log(`\nNotification latency, execution stored → webhook received (${latency.ours.length} alerts)`);
  console.log(`  workflow monitor : p50 ${f(percentile(latency.ours, 50))}  p95 ${f(percentile(latency.ours, 95))}  max ${f(Math.max(...latency.ours))}  (goal p95 ≤ 1 s)`);
  if (latency.alertmanager.length > 0) {
    console.log(`  alertmanager 0.25: p50 ${f(percentile(latency.alertmanager, 50))}  p95 ${f(percentile(latency.alertmanager, 95))}  (default group_wait 30s; ${latency.alertmanager.length} alerts)`);
    console.log(`  ratio (alertmanager p50 / ours p50): ${(percentile(latency.alertmanager, 50) / percentile(latency.ours, 50)).toFixed(0)}×`);
  }
  const evaluation = await evaluationThroughput();
  const median = percentile(evaluation.seconds, 50);
  console.log(`\nRule evaluation, ${RULES} rules × ${WORKFLOWS} workflows = ${evaluation.pairs.toLocaleString('en')} verdicts per pass (${ROUNDS} rounds)`);
  console.log(`  pass: min ${Math.min(...evaluation.seconds).toFixed(2)} s  median ${median.toFixed(2)} s  max ${Math.max(...evaluation.seconds).toFixed(2)} s`);
  console.log(`  throughput: ${Math.round(evaluation.pairs / median).toLocaleString('en')} verdicts/s (${((median * 1000) / RULES).toFixed(2)} ms per rule over all workflows)`);
}

void main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
