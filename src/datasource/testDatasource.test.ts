import { DS_UID, installFakeSidecar } from '../test/fakeSidecar';
import { WorkflowDataSource } from './datasource';

const health = (over: Record<string, unknown> = {}) => ({
  status: 'healthy',
  checks: { database: { status: 'healthy' } },
  uptimeSeconds: 5,
  timestamp: new Date().toISOString(),
  version: '1.0.0',
  release: '1.2.0',
  ...over,
});

function dataSource(pluginRelease: string) {
  return new WorkflowDataSource({ uid: DS_UID, name: 'Workflow Monitor', type: 'workflowmonitor-workflowmonitor-datasource', jsonData: {}, meta: { info: { version: pluginRelease } } } as never);
}

describe('Save & test of the data source', () => {
  it("connects and names the sidecar's release and API version", async () => {
    installFakeSidecar({ 'GET health': () => health(), 'GET api/v1/workflows': () => ({ workflows: [], loadErrors: [] }) });
    expect(await dataSource('1.0.3').testDatasource()).toEqual({ status: 'success', message: 'Connected to the Workflow Monitor sidecar (release 1.2.0, API 1.0.0)' });
  });

  it("warns, still connected, when the sidecar's release has another major than the plugin's", async () => {
    installFakeSidecar({ 'GET health': () => health({ release: '2.0.0' }), 'GET api/v1/workflows': () => ({ workflows: [], loadErrors: [] }) });
    const result = await dataSource('1.4.0').testDatasource();
    expect(result.status).toBe('warning');
    expect(result.message).toBe(
      'Connected to the Workflow Monitor sidecar (release 2.0.0, API 1.0.0). The sidecar is release 2.0.0 and this plugin 1.4.0: their major versions differ, so some features may not work. Upgrade the older one (CHANGELOG.md lists what changed).'
    );
  });

  it('refuses a sidecar whose API major it does not speak, whatever the releases say', async () => {
    installFakeSidecar({ 'GET health': () => health({ version: '2.0.0' }), 'GET api/v1/workflows': () => ({ workflows: [], loadErrors: [] }) });
    expect(await dataSource('1.2.0').testDatasource()).toMatchObject({ status: 'error', message: expect.stringContaining('Sidecar API version 2.0.0 is not supported') });
  });
});
