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

  it('says how to add a data source when there is none', () => {
    setDataSourceSrv({ getList: () => [], get: async () => undefined } as never);
    render(<AppConfig {...({} as AppConfigProps)} />);
    expect(screen.getByText('No Workflow Monitor data source yet')).toBeInTheDocument();
  });
});
