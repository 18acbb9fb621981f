import { of, throwError } from 'rxjs';
import { setBackendSrv, setTemplateSrv, type BackendSrvRequest } from '@grafana/runtime';
import { WorkflowDataSource, buildTarget, parseVariableQuery } from './datasource';

/** Answers the data source's proxy paths like Grafana's proxy would, recording what was asked. */
function installProxy(answers: Record<string, { status: number; data: unknown; statusText?: string }>) {
  const asked: string[] = [];
  setBackendSrv({
    fetch: (req: BackendSrvRequest) => {
      const path = req.url.replace(/^\/api\/datasources\/proxy\/uid\/[^/]+\//, '');
      const query = new URLSearchParams(req.params as Record<string, string>).toString();
      asked.push(`${req.method ?? 'GET'} ${path}${query ? `?${query}` : ''}`);
      const answer = answers[path] ?? { status: 404, data: { message: 'not found' } };
      return answer.status >= 400 ? throwError(() => ({ status: answer.status, statusText: answer.statusText ?? '', data: answer.data, config: req })) : of({ status: answer.status, data: answer.data, ok: true, config: req });
    },
  } as never);
  return asked;
}

const datasource = () => new WorkflowDataSource({ uid: 'wm', type: 'workflowmonitor-workflowmonitor-datasource', name: 'WM', jsonData: { url: 'http://sidecar:8080' } } as never);
const healthy = { status: 200, data: { status: 'healthy', version: '1.4.0' } };
const TOKEN_HINT = /refused the API token.*SIDECAR_API_TOKEN/;

describe('the connection test (Save & test)', () => {
  it("says to check SIDECAR_API_TOKEN when Grafana's proxy turns the sidecar's 401 into 400 'Authentication to data source failed' (text body)", async () => {
    installProxy({ health: healthy, 'api/v1/workflows': { status: 400, statusText: 'Bad Request', data: 'Authentication to data source failed' } });
    expect(await datasource().testDatasource()).toEqual({ status: 'error', message: expect.stringMatching(TOKEN_HINT) });
  });

  it("says the same when Grafana's backendSrv has wrapped that text ({error, response, message})", async () => {
    installProxy({ health: healthy, 'api/v1/workflows': { status: 400, data: { error: 'Bad Request', response: 'Authentication to data source failed', message: 'Bad Request' } } });
    expect(await datasource().testDatasource()).toEqual({ status: 'error', message: expect.stringMatching(TOKEN_HINT) });
  });

  it('still maps a plain 401 (no Grafana proxy in between) to the token hint', async () => {
    installProxy({ health: healthy, 'api/v1/workflows': { status: 401, data: { error: { code: 'unauthorized', message: 'missing or invalid bearer token' } } } });
    expect(await datasource().testDatasource()).toEqual({ status: 'error', message: expect.stringMatching(TOKEN_HINT) });
  });

  it('does not blame the token for another 400', async () => {
    installProxy({ health: healthy, 'api/v1/workflows': { status: 400, data: { error: { code: 'validation_error', message: 'invalid query: label' } } } });
    const result = await datasource().testDatasource();
    expect(result.status).toBe('error');
    expect(result.message).not.toMatch(TOKEN_HINT);
  });

  it('reports success with the API version when both calls answer', async () => {
    installProxy({ health: healthy, 'api/v1/workflows': { status: 200, data: { workflows: [], loadErrors: [] } } });
    expect(await datasource().testDatasource()).toEqual({ status: 'success', message: expect.stringContaining('API 1.4.0') });
  });
});

describe('template variables', () => {
  beforeEach(() => {
    setTemplateSrv({ replace: (text: string) => text.replace('$env', 'production').replace('$all', '*') } as never);
  });

  it('answer label_values(env) from the sidecar label-values endpoint', async () => {
    const asked = installProxy({ 'api/v1/variables/label-values': { status: 200, data: { label: 'env', values: ['production', 'staging'], truncated: false } } });
    expect(await datasource().metricFindQuery('label_values(env)')).toEqual([
      { text: 'production', value: 'production' },
      { text: 'staging', value: 'staging' },
    ]);
    expect(asked).toEqual(['GET api/v1/variables/label-values?label=env']);
  });

  it('answer workflows(env=$env) with the variable replaced, and an All (*) as no filter', async () => {
    const asked = installProxy({ 'api/v1/variables/workflows': { status: 200, data: { workflows: [{ id: 'checkout', name: 'Checkout', labels: {} }] } } });
    expect(await datasource().metricFindQuery('workflows(env=$env)')).toEqual([{ text: 'checkout', value: 'checkout' }]);
    await datasource().metricFindQuery('workflows(env=$all)');
    expect(asked).toEqual(['GET api/v1/variables/workflows?label=env%3Dproduction', 'GET api/v1/variables/workflows']);
  });

  it('are parsed strictly: an unknown query says what is understood', () => {
    expect(parseVariableQuery(' label_values( team ) ')).toEqual({ kind: 'label_values', label: 'team' });
    expect(parseVariableQuery('')).toEqual({ kind: 'workflows' });
    expect(parseVariableQuery('workflows(team=payments, env=*)')).toEqual({ kind: 'workflows', filter: 'team=payments' });
    expect(() => parseVariableQuery('label_values()')).toThrow(/label_values\(label\)/);
    expect(() => parseVariableQuery('up{job="x"}')).toThrow(/unknown variable query/);
  });

  it('leave a label filter out of a query when the variable means any value (All as *, empty)', () => {
    const replace = (v: string) => ({ $env: '*', $team: '', $region: 'eu' })[v] ?? v;
    expect(buildTarget({ refId: 'A', metric: 'executions', labels: { env: '$env', team: '$team', region: '$region' } }, {}, replace)).toEqual({ refId: 'A', metric: 'executions', labels: { region: 'eu' } });
  });
});
