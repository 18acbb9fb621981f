import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import { setDataSourceSrv } from '@grafana/runtime';
import AppConfig, { type AppConfigProps } from './AppConfig';
import { testIds } from '../testIds';

describe('AppConfig', () => {
  it('tests the connection through the Workflow Monitor data source and shows the result', async () => {
    setDataSourceSrv({
      getList: () => [{ uid: 'wm', name: 'Workflow Monitor', type: 'workflowmonitor-workflowmonitor-datasource' }],
      get: async () => ({ testDatasource: async () => ({ status: 'error', message: 'The sidecar refused the API token' }) }),
    } as never);
    render(<AppConfig {...({} as AppConfigProps)} />);
    fireEvent.click(screen.getByTestId(testIds.appConfig.testConnection));
    expect(await screen.findByTestId(testIds.appConfig.result)).toHaveTextContent('refused the API token');
  });

  it("shows the plugin's release, and a release warning from the connection test as a warning, not a failure", async () => {
    const message = 'Connected to the Workflow Monitor sidecar (release 2.0.0, API 1.0.0). The sidecar is release 2.0.0 and this plugin 1.4.0: their major versions differ';
    setDataSourceSrv({
      getList: () => [{ uid: 'wm', name: 'Workflow Monitor', type: 'workflowmonitor-workflowmonitor-datasource' }],
      get: async () => ({ testDatasource: async () => ({ status: 'warning', message }) }),
    } as never);
    render(<AppConfig {...({ plugin: { meta: { info: { version: '1.4.0' } } } } as unknown as AppConfigProps)} />);
    expect(screen.getByTestId(testIds.appConfig.release)).toHaveTextContent('Workflow Monitor plugin release 1.4.0');
    fireEvent.click(screen.getByTestId(testIds.appConfig.testConnection));
    const result = await screen.findByTestId(testIds.appConfig.result);
    expect(result).toHaveTextContent('Connected, with a warning');
    expect(result).toHaveTextContent('their major versions differ');
    expect(result.querySelector('[data-testid="data-testid Alert warning"]')).not.toBeNull();
  });

  it('says how to add a data source when there is none', () => {
    setDataSourceSrv({ getList: () => [], get: async () => undefined } as never);
    render(<AppConfig {...({} as AppConfigProps)} />);
    expect(screen.getByText('No Workflow Monitor data source yet')).toBeInTheDocument();
  });
});
