import { metricsApiFeature } from '../../src/app/features/metricsApi';
import { LABEL_VALUES_LIMIT } from '../../src/workflows/workflowStore';
import { startTestSidecar, TEST_READONLY_TOKEN, type TestSidecar } from '../support/startTestSidecar';

/** GET /api/v1/variables/label-values: what Grafana's `label_values(env)` template variable reads. */
jest.setTimeout(180_000);

let sidecar: TestSidecar;

beforeAll(async () => {
  sidecar = await startTestSidecar({ features: [metricsApiFeature] });
  await sidecar.db.pool.query(`INSERT INTO workflows (id, name, source, definition, mode, every_ms, labels, deleted_at)
    VALUES ('checkout', 'Checkout', 'api', '{}', 'scheduled', 60000, '{"env":"production","team":"payments"}', NULL),
           ('search', 'Search', 'api', '{}', 'scheduled', 60000, '{"env":"staging","team":"discovery"}', NULL),
           ('cart', 'Cart', 'api', '{}', 'scheduled', 60000, '{"env":"production"}', NULL),
           ('nolabel', 'No label', 'api', '{}', 'scheduled', 60000, '{"team":"ops"}', NULL),
           ('gone', 'Deleted', 'api', '{}', 'scheduled', 60000, '{"env":"retired"}', now())`);
});

afterAll(async () => {
  await sidecar?.stop();
});

const values = async (query: string, token?: string) => {
  const response = await sidecar.api(`/api/v1/variables/label-values${query}`, token ? { token } : {});
  return { status: response.status, body: (await response.json()) as { label?: string; values?: string[]; truncated?: boolean; error?: { code: string; message: string; details: unknown } } };
};

it('answers the distinct values of a label over live workflows, sorted, without deleted workflows or workflows lacking it', async () => {
  expect(await values('?label=env')).toEqual({ status: 200, body: { label: 'env', values: ['production', 'staging'], truncated: false } });
  expect((await values('?label=team')).body.values).toEqual(['discovery', 'ops', 'payments']);
  expect((await values('?label=region')).body).toEqual({ label: 'region', values: [], truncated: false });
});

it('is a read: the read-only token (what Grafana Viewers reach it with) may call it', async () => {
  expect((await values('?label=env', TEST_READONLY_TOKEN)).status).toBe(200);
});

it('treats the label name as data, never as SQL or a JSON path', async () => {
  const hostile = `env' OR '1'='1`;
  expect((await values(`?label=${encodeURIComponent(hostile)}`)).body).toEqual({ label: hostile, values: [], truncated: false });
  expect((await values(`?label=${encodeURIComponent('{env}')}`)).body.values).toEqual([]);
});

it('refuses a missing, empty, repeated or over-long label name with a 400 naming query.label', async () => {
  for (const query of ['', '?label=', '?label=env&label=team', `?label=${'x'.repeat(101)}`]) {
    const { status, body } = await values(query);
    expect({ query, status }).toEqual({ query, status: 400 });
    expect(JSON.stringify(body.error)).toContain('query.label');
  }
});

it(`stops at ${LABEL_VALUES_LIMIT} values and says it truncated`, async () => {
  await sidecar.db.pool.query(
    `INSERT INTO workflows (id, name, source, definition, mode, every_ms, labels)
     SELECT 'many-' || n, 'Many ' || n, 'api', '{}', 'scheduled', 60000, jsonb_build_object('shard', lpad(n::text, 5, '0'))
       FROM generate_series(1, $1::int) AS n`,
    [LABEL_VALUES_LIMIT + 5]
  );
  const { body } = await values('?label=shard');
  expect(body.values).toHaveLength(LABEL_VALUES_LIMIT);
  expect(body.values![0]).toBe('00001');
  expect(body.truncated).toBe(true);
});

it('answers under //api too: a data source URL saved with a trailing slash makes Grafana ask for //api/...', async () => {
  const response = await sidecar.api('//api/v1/variables/label-values?label=env');
  expect(response.status).toBe(200);
  expect(((await response.json()) as { values: string[] }).values).toEqual(['production', 'staging']);
  // Still authenticated: the slashes are read as one before any route or token check.
  expect((await sidecar.api('//api/v1/variables/label-values?label=env', { token: null })).status).toBe(401);
});
