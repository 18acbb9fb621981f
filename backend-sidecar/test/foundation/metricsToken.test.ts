import { loadConfig } from '../../src/config/env';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { startTestSidecar, TEST_TOKEN, type TestSidecar } from '../support/startTestSidecar';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

let db: TestDatabase;
let guarded: TestSidecar;
let open: TestSidecar;

beforeAll(async () => {
  db = await createTestDatabase();
  guarded = await startTestSidecar({ db, env: { METRICS_TOKEN } });
  open = await startTestSidecar({ db });
});

afterAll(async () => {
  await guarded?.stop();
  await open?.stop();
  await db?.drop();
});

const scrape = (sidecar: TestSidecar, authorization?: string) => fetch(`${sidecar.url}/metrics`, { headers: authorization ? { Authorization: authorization } : {} });

describe('METRICS_TOKEN protects /metrics', () => {
  it.each([
    ['no Authorization header', undefined],
    ['a wrong token', 'Bearer wrong-token-0123456789abcdef'],
    ['the API token (only METRICS_TOKEN opens /metrics)', `Bearer ${TEST_TOKEN}`],
    ['the token without "Bearer"', METRICS_TOKEN],
    ['basic auth', `Basic ${Buffer.from(`prometheus:${METRICS_TOKEN}`).toString('base64')}`],
  ])('%s → 401 with a JSON error naming METRICS_TOKEN', async (_name, authorization) => {
    const response = await scrape(guarded, authorization);
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: 'unauthorized', message: expect.stringContaining('METRICS_TOKEN') });
  });

  it('"Authorization: Bearer <METRICS_TOKEN>" (what Prometheus\' authorization scrape setting sends) → 200 with the metrics, refusals counted', async () => {
    const response = await scrape(guarded, `Bearer ${METRICS_TOKEN}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toContain('# TYPE workflow_monitor_http_requests_total counter');
    const refused = Object.fromEntries([...text.matchAll(/^workflow_monitor_auth_failures_total\{reason="(\w+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
    expect(refused).toEqual({ missing: 1, wrong_token: 2, malformed: 2 });
  });

  it('/health and /ready stay open (load balancers and orchestrators probe them without credentials)', async () => {
    expect((await fetch(`${guarded.url}/health`)).status).toBe(200);
    expect((await fetch(`${guarded.url}/ready`)).status).toBe(200);
  });

  it('without METRICS_TOKEN /metrics is open as before', async () => {
    const response = await scrape(open);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('workflow_monitor_http_requests_total');
  });

  it('a METRICS_TOKEN shorter than 16 characters stops the start with a message naming it, its value hidden', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short-token' })).toThrow(/METRICS_TOKEN=\(hidden\): must be at least 16 characters/);
  });
});
