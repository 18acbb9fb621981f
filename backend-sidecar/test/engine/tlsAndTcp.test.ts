import fs from 'node:fs';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { alertsFeature } from '../../src/app/features/alerts';
import { workflowsFeature } from '../../src/app/features/workflows';
import { StepHttpClient } from '../../src/executor/httpRequest';
import { runWorkflow } from '../../src/executor/runWorkflow';
import { parseWorkflowDefinition, type WorkflowDefinition } from '../../src/model/workflowDefinition';
import { EgressGuard } from '../../src/net/egressGuard';
import { parseCidrList } from '../../src/net/cidrList';
import { BreakerRegistry } from '../../src/retry/breakerRegistry';
import { generateCertificate, type GeneratedCertificate } from '../support/certificates';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';
import { eventually } from '../support/targetServer';

jest.setTimeout(180_000);

const DAY_MS = 86_400_000;
// Ten days and an hour: whole days remaining read 10 for the length of the test.
const TEN_DAYS = 10 * DAY_MS + 3_600_000;

let tmp: string;
let expiring: GeneratedCertificate;
let renewed: GeneratedCertificate;
let caFile: string;
let server: https.Server;
let httpsBase: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-tls-'));
  expiring = generateCertificate({ validForMs: TEN_DAYS, organization: 'Expiring Soon Inc' });
  renewed = generateCertificate({ validForMs: 90 * DAY_MS + 3_600_000, organization: 'Renewed Inc' });
  caFile = path.join(tmp, 'ca.pem');
  fs.writeFileSync(caFile, `${expiring.cert}\n${renewed.cert}`);
  server = https.createServer({ cert: expiring.cert, key: expiring.key }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  httpsBase = `https://localhost:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

function workflow(steps: unknown[], extra: Record<string, unknown> = {}): WorkflowDefinition {
  const parsed = parseWorkflowDefinition({ id: 'w', name: 'W', schedule: { every: '1m' }, steps, ...extra }, { source: 'api' });
  if (!parsed.ok) {
    throw new Error(JSON.stringify(parsed.errors));
  }
  return parsed.definition;
}

function problems(definition: Record<string, unknown>): Array<{ path: string; message: string }> {
  const parsed = parseWorkflowDefinition({ id: 'w', name: 'W', schedule: { every: '1m' }, ...definition }, { source: 'api' });
  return parsed.ok ? [] : parsed.errors;
}

describe('HTTPS steps: the certificate of the response', () => {
  let client: StepHttpClient;

  beforeAll(() => {
    client = new StepHttpClient(EgressGuard.defaults(), { extraCa: [expiring.cert, renewed.cert] });
  });

  afterAll(() => client.close());

  it('tls.daysRemaining >= 14 fails on a certificate expiring in 10 days, naming the number; the attempt records the certificate', async () => {
    const result = await runWorkflow(workflow([{ name: 'site', request: { url: `${httpsBase}/` }, assert: ['status == 200', 'tls.daysRemaining >= 14'] }], { retry: { maxAttempts: 1 } }), {
      trigger: 'manual',
      breakers: new BreakerRegistry(),
      send: client.send,
    });
    const step = result.steps[0]!;
    expect(step).toMatchObject({ status: 'failed', errorType: 'assertion' });
    expect(step.errorMessage).toContain('expected tls.daysRemaining >= 14, got 10');
    expect(step.errorMessage).toContain(expiring.notAfter.toISOString());
    expect(step.assertions[1]).toMatchObject({ passed: false, actual: 10 });
    expect(step.attempts).toHaveLength(1);
    expect(step.attempts[0]!.tls).toEqual({
      daysRemaining: 10,
      subject: 'CN=localhost, O=Expiring Soon Inc',
      issuer: 'CN=localhost, O=Expiring Soon Inc',
      validFrom: expect.any(String),
      validTo: expiring.notAfter.toISOString(),
    });
  });

  it('tls.issuer and tls.subject read as distinguished names; tls.daysRemaining < 14 passes', async () => {
    const result = await runWorkflow(
      workflow([{ name: 'site', request: { url: `${httpsBase}/` }, assert: ['tls.daysRemaining < 14', 'tls.issuer contains "Expiring Soon"', 'tls.subject matches /^CN=localhost\\b/'] }]),
      { trigger: 'manual', breakers: new BreakerRegistry(), send: client.send }
    );
    expect(result.steps[0]!.assertions.map((a) => [a.assertion, a.passed])).toEqual([
      ['tls.daysRemaining < 14', true],
      ['tls.issuer contains "Expiring Soon"', true],
      ['tls.subject matches /^CN=localhost\\b/', true],
    ]);
    expect(result.status).toBe('success');
  });

  it('a renewed certificate is seen on the next connection even when the server would resume the TLS session', async () => {
    const resuming = https.createServer({ cert: expiring.cert, key: expiring.key }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => resuming.listen(0, '127.0.0.1', resolve));
    try {
      const url = new URL(`https://localhost:${(resuming.address() as AddressInfo).port}/`);
      const send = () => client.send(url, { method: 'GET', headers: {}, signal: new AbortController().signal, maxBodyBytes: 1024 });
      expect((await send()).tls?.issuer).toBe('CN=localhost, O=Expiring Soon Inc');
      // Renewed, with the same session ticket keys (a reload that keeps them): a client that resumed the
      // session would never see the new certificate.
      const keys = resuming.getTicketKeys();
      resuming.setSecureContext({ cert: renewed.cert, key: renewed.key });
      resuming.setTicketKeys(keys);
      resuming.closeAllConnections();
      expect((await send()).tls?.issuer).toBe('CN=localhost, O=Renewed Inc');
    } finally {
      resuming.closeAllConnections();
      await new Promise<void>((resolve) => resuming.close(() => resolve()));
    }
  });

  it('a certificate the step client does not trust fails the step before any assertion (no STEP_TLS_CA_FILE)', async () => {
    const untrusting = new StepHttpClient(EgressGuard.defaults());
    try {
      const result = await runWorkflow(workflow([{ name: 'site', request: { url: `${httpsBase}/` }, assert: ['tls.daysRemaining >= 0'] }], { retry: { maxAttempts: 1 } }), {
        trigger: 'manual',
        breakers: new BreakerRegistry(),
        send: untrusting.send,
      });
      expect(result.steps[0]).toMatchObject({ status: 'failed', assertions: [] });
      expect(result.steps[0]!.errorMessage).toMatch(/certificate/i);
      expect(result.steps[0]!.attempts[0]!.tls).toBeUndefined();
    } finally {
      await untrusting.close();
    }
  });

  it('the egress guard still decides: an HTTPS target inside TARGET_DENYLIST is refused before any handshake', async () => {
    const denied = parseCidrList('127.0.0.0/8');
    const guarded = new StepHttpClient(new EgressGuard(denied.ok ? denied.list : (undefined as never)), { extraCa: [expiring.cert] });
    try {
      const result = await runWorkflow(workflow([{ name: 'site', request: { url: `${httpsBase.replace('localhost', '127.0.0.1')}/` } }], { retry: { maxAttempts: 1 } }), {
        trigger: 'manual',
        breakers: new BreakerRegistry(),
        send: guarded.send,
      });
      expect(result.steps[0]).toMatchObject({ status: 'failed', errorType: 'permanent' });
      expect(result.steps[0]!.errorMessage).toContain('TARGET_DENYLIST');
    } finally {
      await guarded.close();
    }
  });
});

describe('tcp steps', () => {
  const servers: net.Server[] = [];

  async function listen(onConnection: (socket: net.Socket) => void): Promise<number> {
    const listener = net.createServer(onConnection);
    servers.push(listener);
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    return (listener.address() as AddressInfo).port;
  }

  /** A port nothing listens on: bound once, then closed. */
  async function closedPort(): Promise<number> {
    const listener = net.createServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as AddressInfo;
    await new Promise<void>((resolve) => listener.close(() => resolve()));
    return port;
  }

  const run = (def: WorkflowDefinition) => runWorkflow(def, { trigger: 'manual', breakers: new BreakerRegistry(), sleep: async () => undefined });
  const held: net.Socket[] = [];

  afterAll(async () => {
    held.forEach((s) => s.destroy());
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  });

  it('an open port → success, with the connect time as duration', async () => {
    const port = await listen((socket) => socket.resume());
    const result = await run(workflow([{ name: 'port', tcp: { host: '127.0.0.1', port }, assert: ['duration < 5000'] }]));
    expect(result.status).toBe('success');
    expect(result.steps[0]).toMatchObject({ status: 'passed', attempts: [{ number: 1 }] });
    expect(result.steps[0]!.attempts[0]!.errorType).toBeUndefined();
    expect(result.steps[0]!.attempts[0]!.httpStatus).toBeUndefined();
  });

  it('a closed port → network (refused), retried like an HTTP step', async () => {
    const port = await closedPort();
    const result = await run(workflow([{ name: 'port', tcp: { host: '127.0.0.1', port } }], { retry: { maxAttempts: 2, initialDelay: '100ms' } }));
    expect(result).toMatchObject({ status: 'failed', errorType: 'network' });
    expect(result.steps[0]!.attempts.map((a) => a.errorType)).toEqual(['network', 'network']);
    expect(result.steps[0]!.errorMessage).toMatch(/ECONNREFUSED/);
  });

  it('a listener that never answers with the expected text → timeout, naming what it waited for', async () => {
    const port = await listen((socket) => {
      held.push(socket);
      socket.resume();
    });
    const result = await run(workflow([{ name: 'banner', tcp: { host: '127.0.0.1', port, timeout: '300ms', expect: '+OK' } }], { retry: { maxAttempts: 1 } }));
    expect(result).toMatchObject({ status: 'failed', errorType: 'timeout' });
    expect(result.steps[0]!.errorMessage).toContain('"+OK" not received from 127.0.0.1:');
  });

  it('send, then expect: the reply is read until the expected text; assertions read it as body', async () => {
    const port = await listen((socket) => {
      socket.on('data', (chunk) => {
        if (chunk.toString().includes('PING')) {
          socket.write('+PO');
          setTimeout(() => socket.write('NG\r\n'), 20);
        }
      });
    });
    const result = await run(workflow([{ name: 'redis', tcp: { host: '127.0.0.1', port, send: 'PING\r\n', expect: '+PONG' }, assert: ['body contains "PONG"', 'duration < 5000'] }]));
    expect(result.status).toBe('success');
    expect(result.steps[0]!.assertions.map((a) => [a.assertion, a.passed])).toEqual([
      ['reply contains "+PONG"', true],
      ['body contains "PONG"', true],
      ['duration < 5000', true],
    ]);
  });

  it('a server that closes without the expected text fails the step as an assertion, not retried', async () => {
    const port = await listen((socket) => socket.end('-ERR go away\r\n'));
    const result = await run(workflow([{ name: 'banner', tcp: { host: '127.0.0.1', port, expect: '+OK' } }], { retry: { maxAttempts: 3 } }));
    expect(result).toMatchObject({ status: 'failed', errorType: 'assertion' });
    expect(result.steps[0]!.attempts).toHaveLength(1);
    expect(result.steps[0]!.errorMessage).toContain('closed the connection before sending "+OK"; got "-ERR go away\\r\\n"');
  });

  it('a connection reset → network', async () => {
    const port = await listen((socket) => socket.resetAndDestroy());
    const result = await run(workflow([{ name: 'reset', tcp: { host: '127.0.0.1', port, send: 'hello', expect: 'x' } }], { retry: { maxAttempts: 1 } }));
    expect(result).toMatchObject({ status: 'failed', errorType: 'network' });
  });

  it('the egress guard applies: a denied address is refused without a connection (permanent)', async () => {
    let connections = 0;
    const port = await listen((socket) => {
      connections += 1;
      socket.destroy();
    });
    const denied = parseCidrList('127.0.0.0/8');
    const guard = new EgressGuard(denied.ok ? denied.list : (undefined as never));
    const result = await runWorkflow(workflow([{ name: 'port', tcp: { host: '127.0.0.1', port } }]), {
      trigger: 'manual',
      breakers: new BreakerRegistry(),
      connectTcp: guard.connectTcp.bind(guard),
    });
    expect(result).toMatchObject({ status: 'failed', errorType: 'permanent' });
    expect(result.steps[0]!.errorMessage).toContain('TARGET_DENYLIST');
    expect(connections).toBe(0);
  });

  it('the breaker opens per host:port after consecutive failures, as for HTTP targets', async () => {
    const port = await closedPort();
    const breakers = new BreakerRegistry();
    const def = workflow([{ name: 'port', tcp: { host: '127.0.0.1', port } }], { retry: { maxAttempts: 1, breaker: { threshold: 2, resetAfter: '1m' } } });
    await runWorkflow(def, { trigger: 'manual', breakers });
    await runWorkflow(def, { trigger: 'manual', breakers });
    const third = await runWorkflow(def, { trigger: 'manual', breakers });
    expect(third).toMatchObject({ status: 'failed', errorType: 'circuit_open' });
    expect(third.errorMessage).toContain(`tcp://127.0.0.1:${port}`);
  });
});

describe('definitions: tcp and tls problems are refused naming the path', () => {
  it('a step with both request and tcp, or neither', () => {
    expect(problems({ steps: [{ name: 'a', request: { url: 'http://x.example/' }, tcp: { host: 'x.example', port: 1 } }] })).toEqual([
      { path: 'steps[0].tcp', message: 'a step has exactly one of request (HTTP) or tcp' },
    ]);
    expect(problems({ steps: [{ name: 'a' }] })).toEqual([{ path: 'steps[0].request', message: 'a step has exactly one of request (HTTP) or tcp' }]);
  });

  it('bad tcp fields', () => {
    const paths = (tcp: unknown) => problems({ steps: [{ name: 'a', tcp }] }).map((p) => p.path);
    expect(paths({ host: 'db.example', port: 0 })).toEqual(['steps[0].tcp.port']);
    expect(paths({ host: 'db.example', port: 65536 })).toEqual(['steps[0].tcp.port']);
    expect(paths({ host: 'db.example', port: '5432' })).toEqual(['steps[0].tcp.port']);
    expect(paths({ host: 'not a host!', port: 5432 })).toEqual(['steps[0].tcp.host']);
    expect(paths({ host: 'db.example', port: 5432, timeout: '1ms' })).toEqual(['steps[0].tcp.timeout']);
    expect(paths({ host: 'db.example', port: 5432, expect: '' })).toEqual(['steps[0].tcp.expect']);
    expect(paths({ host: 'db.example', port: 5432, url: 'http://x' })).toEqual(['steps[0].tcp']);
    expect(paths({ port: 5432 })).toEqual(['steps[0].tcp.host']);
  });

  it('assertions a tcp step cannot answer, and extraction', () => {
    expect(problems({ steps: [{ name: 'a', tcp: { host: 'db.example', port: 5432 }, assert: ['duration < 100', 'status == 200', 'tls.daysRemaining > 3', 'body.x exists'] }] })).toEqual([
      { path: 'steps[0].assert[1]', message: '"status == 200": a tcp step can assert on duration and body (the reply text) only' },
      { path: 'steps[0].assert[2]', message: '"tls.daysRemaining > 3": a tcp step can assert on duration and body (the reply text) only' },
      { path: 'steps[0].assert[3]', message: '"body.x exists": a tcp step can assert on duration and body (the reply text) only' },
    ]);
    expect(problems({ steps: [{ name: 'a', tcp: { host: 'db.example', port: 5432 }, extract: { x: 'body' } }] })).toEqual([
      { path: 'steps[0].extract', message: 'a tcp step extracts nothing (it has no response to read values from)' },
    ]);
  });

  it('tls.* on a plain http step, and an unknown tls field', () => {
    expect(problems({ steps: [{ name: 'a', request: { url: 'http://shop.example/health?x=1' }, assert: ['status == 200', 'tls.daysRemaining >= 14'] }] })).toEqual([
      { path: 'steps[0].assert[1]', message: '"tls.daysRemaining >= 14": tls.* needs an https:// URL; this step\'s request.url is http://shop.example/health' },
    ]);
    expect(problems({ steps: [{ name: 'a', request: { url: 'https://shop.example/' }, assert: ['tls.expiry < 3'] }] })).toEqual([
      { path: 'steps[0].assert[0]', message: '"tls.expiry < 3": tls.expiry is not a TLS field; use tls.daysRemaining, tls.issuer, tls.subject' },
    ]);
  });

  it('tlsExpiryAlert needs an https step and is a boolean', () => {
    expect(problems({ tlsExpiryAlert: true, steps: [{ name: 'a', request: { url: 'http://shop.example/' } }] })).toEqual([
      { path: 'tlsExpiryAlert', message: 'needs at least one step with an https:// request.url (its certificate is what is watched)' },
    ]);
    expect(problems({ tlsExpiryAlert: 'yes', steps: [{ name: 'a', request: { url: 'https://shop.example/' } }] }).map((p) => p.path)).toEqual(['tlsExpiryAlert']);
    expect(problems({ tlsExpiryAlert: true, steps: [{ name: 'a', request: { url: 'https://shop.example/' } }] })).toEqual([]);
  });
});

describe('in the sidecar: recorded, served, and the certificate-expiry rule', () => {
  let sidecar: TestSidecar;

  beforeAll(async () => {
    sidecar = await startTestSidecar({
      features: [workflowsFeature, alertsFeature],
      env: { SCHEDULER: 'true', SCHEDULER_POLL_INTERVAL: '50ms', STEP_TLS_CA_FILE: caFile, ALERT_EVAL_INTERVAL: '1h' },
    });
  });

  afterAll(async () => {
    await sidecar?.stop();
  });

  async function runOnce(workflowId: string): Promise<any> {
    const before = (((await (await sidecar.api(`/api/v1/workflows/${workflowId}/executions`)).json()) as any).executions as any[]).length;
    expect((await sidecar.api(`/api/v1/workflows/${workflowId}/run`, { method: 'POST' })).status).toBe(202);
    const latest = await eventually(async () => {
      const { executions } = (await (await sidecar.api(`/api/v1/workflows/${workflowId}/executions`)).json()) as any;
      return executions.length > before ? executions[0] : undefined;
    });
    return (await sidecar.api(`/api/v1/executions/${latest.id}`)).json();
  }

  async function certificateAlert(workflowId: string): Promise<any> {
    const { alerts } = (await (await sidecar.api(`/api/v1/alerts?workflowId=${workflowId}`)).json()) as any;
    return alerts.find((a: any) => a.ruleId === 'certificate-expiry');
  }

  it('refuses tls.* on a plain http step over the API with the path', async () => {
    const response = await sidecar.api('/api/v1/workflows', {
      method: 'POST',
      json: { id: 'plain', name: 'Plain', schedule: { every: '1h' }, steps: [{ name: 'a', request: { url: 'http://127.0.0.1:9/' }, assert: ['tls.daysRemaining >= 14'] }] },
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as any;
    expect(body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'steps[0].assert[0]' })]));
  });

  it('a certificate expiring in 10 days: the assertion fails with the number, the attempt shows the certificate, the predefined rule opens a warning; renewal resolves it', async () => {
    const created = await sidecar.api('/api/v1/workflows', {
      method: 'POST',
      json: { id: 'shop', name: 'Shop', schedule: { every: '1h' }, retry: { maxAttempts: 1 }, steps: [{ name: 'home', request: { url: `${httpsBase}/` }, assert: ['tls.daysRemaining >= 14'] }] },
    });
    expect(created.status).toBe(201);

    const execution = await runOnce('shop');
    expect(execution).toMatchObject({ status: 'failed', errorType: 'assertion' });
    expect(execution.errorMessage).toContain('expected tls.daysRemaining >= 14, got 10');
    expect(execution.steps[0].attempts[0].tls).toEqual({
      daysRemaining: 10,
      subject: 'CN=localhost, O=Expiring Soon Inc',
      issuer: 'CN=localhost, O=Expiring Soon Inc',
      validFrom: expect.any(String),
      validTo: expiring.notAfter.toISOString(),
    });

    const alert = await eventually(() => certificateAlert('shop'));
    expect(alert).toMatchObject({ state: 'active', severity: 'warning', value: 10 });
    expect(alert.message).toContain('expires in 10 days');

    // Renewed: new connections get the 90-day certificate.
    server.setSecureContext({ cert: renewed.cert, key: renewed.key });
    server.closeAllConnections();
    const after = await runOnce('shop');
    expect(after.status).toBe('success');
    expect(after.steps[0].attempts[0].tls).toMatchObject({ daysRemaining: 90, issuer: 'CN=localhost, O=Renewed Inc' });
    await eventually(async () => (await certificateAlert('shop'))?.state === 'resolved');
    server.setSecureContext({ cert: expiring.cert, key: expiring.key });
    server.closeAllConnections();
  });

  it('tlsExpiryAlert: true watches a workflow without tls assertions; one without it, or with tls assertions and tlsExpiryAlert: false, is not judged', async () => {
    const cases = [
      ['not-opted', {}, ['status == 200']],
      ['opted-out', { tlsExpiryAlert: false }, ['tls.daysRemaining >= 0']],
      // Last: once its alert is open, the executions before it were judged too.
      ['opted-in', { tlsExpiryAlert: true }, ['status == 200']],
    ] as const;
    for (const [id, extra, assert] of cases) {
      const created = await sidecar.api('/api/v1/workflows', {
        method: 'POST',
        json: { id, name: id, schedule: { every: '1h' }, ...extra, steps: [{ name: 'home', request: { url: `${httpsBase}/` }, assert }] },
      });
      expect(created.status).toBe(201);
      const execution = await runOnce(id);
      expect(execution.status).toBe('success');
      expect(execution.steps[0].attempts[0].tls.daysRemaining).toBe(10);
    }
    await eventually(() => certificateAlert('opted-in'));
    expect(await certificateAlert('not-opted')).toBeUndefined();
    expect(await certificateAlert('opted-out')).toBeUndefined();
  });
});
