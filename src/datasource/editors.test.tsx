import React from 'react';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { setTemplateSrv } from '@grafana/runtime';
import { testIds } from '../components/testIds';
import { ConfigEditor, normalizeSidecarUrl } from './ConfigEditor';
import type { WorkflowDataSource } from './datasource';
import { QueryEditor } from './QueryEditor';

describe('ConfigEditor', () => {
  it('edits the URL and shows a saved token only as configured', () => {
    const onOptionsChange = jest.fn();
    const options = { jsonData: { url: 'http://sidecar:8080' }, secureJsonFields: { apiToken: true }, secureJsonData: {} } as never;
    render(<ConfigEditor options={options} onOptionsChange={onOptionsChange} />);
    expect(screen.getByDisplayValue('configured')).toBeInTheDocument();
    fireEvent.change(screen.getByTestId(testIds.datasource.url), { target: { value: ' http://other:9090 ' } });
    expect(onOptionsChange).toHaveBeenCalledWith(expect.objectContaining({ jsonData: { url: 'http://other:9090' } }));
  });

  it("strips a trailing '/' from the URL when the field is left (the routes append /api, so it would make //api)", () => {
    const onOptionsChange = jest.fn();
    render(<ConfigEditor options={{ jsonData: { url: 'http://sidecar:8080' }, secureJsonFields: {}, secureJsonData: {} } as never} onOptionsChange={onOptionsChange} />);
    const input = screen.getByTestId(testIds.datasource.url);
    // Typing keeps the slash (a path such as http://proxy/sidecar is typed through one) …
    fireEvent.change(input, { target: { value: 'http://proxy/' } });
    expect(onOptionsChange).toHaveBeenLastCalledWith(expect.objectContaining({ jsonData: { url: 'http://proxy/' } }));
    // … leaving the field removes it.
    fireEvent.blur(input, { target: { value: 'http://proxy/sidecar//' } });
    expect(onOptionsChange).toHaveBeenLastCalledWith(expect.objectContaining({ jsonData: { url: 'http://proxy/sidecar' } }));
    expect(normalizeSidecarUrl(' http://sidecar:8080/ ')).toBe('http://sidecar:8080');
  });

  it('offers the URL without its trailing slash when one was saved before, to be saved with the next Save', () => {
    const onOptionsChange = jest.fn();
    render(<ConfigEditor options={{ jsonData: { url: 'http://sidecar:8080/' }, secureJsonFields: { apiToken: true }, secureJsonData: {} } as never} onOptionsChange={onOptionsChange} />);
    expect(onOptionsChange).toHaveBeenCalledTimes(1);
    expect(onOptionsChange).toHaveBeenCalledWith(expect.objectContaining({ jsonData: { url: 'http://sidecar:8080' }, secureJsonFields: { apiToken: true } }));
  });

  it('leaves a URL without a trailing slash alone when opened', () => {
    const onOptionsChange = jest.fn();
    render(<ConfigEditor options={{ jsonData: { url: 'http://sidecar:8080' }, secureJsonFields: {}, secureJsonData: {} } as never} onOptionsChange={onOptionsChange} />);
    expect(onOptionsChange).not.toHaveBeenCalled();
  });
});

describe('QueryEditor', () => {
  beforeAll(() => {
    setTemplateSrv({ getVariables: () => [{ name: 'workflow' }], replace: (v: string) => v, containsTemplate: () => false, updateTimeRange: () => undefined } as never);
  });

  it('sets label filters and the legend, and reports a malformed label filter', async () => {
    const datasource = { client: { workflowVariables: async () => ({ workflows: [{ id: 'checkout', name: 'Checkout', labels: {} }] }) } } as unknown as WorkflowDataSource;
    const onChange = jest.fn();
    const onRunQuery = jest.fn();
    render(<QueryEditor datasource={datasource} query={{ refId: 'A', metric: 'success_rate' }} onChange={onChange} onRunQuery={onRunQuery} />);
    const labels = screen.getByTestId(testIds.queryEditor.labels);
    fireEvent.change(labels, { target: { value: 'team=payments' } });
    fireEvent.blur(labels);
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'A', metric: 'success_rate', labels: { team: 'payments' } });
    expect(onRunQuery).toHaveBeenCalled();
    fireEvent.change(labels, { target: { value: 'team' } });
    fireEvent.blur(labels);
    expect(await screen.findByText('"team" is not key=value')).toBeInTheDocument();
    fireEvent.change(screen.getByTestId(testIds.queryEditor.alias), { target: { value: '{{workflow}}' } });
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'A', metric: 'success_rate', alias: '{{workflow}}' });
    await waitFor(() => undefined);
  });

  it('offers grouping by error type for attempts and retries only, and drops it when the metric changes', async () => {
    const datasource = { client: { workflowVariables: async () => ({ workflows: [] }) } } as unknown as WorkflowDataSource;
    const onChange = jest.fn();
    const { container, rerender } = render(<QueryEditor datasource={datasource} query={{ refId: 'A', metric: 'retries' }} onChange={onChange} onRunQuery={jest.fn()} />);
    fireEvent.keyDown(container.querySelector('#wm-groupby')!, { key: 'ArrowDown' });
    fireEvent.click(await screen.findByText('Error type'));
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'A', metric: 'retries', groupBy: 'error_type' });
    rerender(<QueryEditor datasource={datasource} query={{ refId: 'A', metric: 'retries', groupBy: 'error_type' }} onChange={onChange} onRunQuery={jest.fn()} />);
    fireEvent.keyDown(container.querySelector('#wm-metric')!, { key: 'ArrowDown' });
    fireEvent.click(await screen.findByText('Success rate'));
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'A', metric: 'success_rate', groupBy: undefined });
    rerender(<QueryEditor datasource={datasource} query={{ refId: 'A', metric: 'success_rate' }} onChange={onChange} onRunQuery={jest.fn()} />);
    fireEvent.keyDown(container.querySelector('#wm-groupby')!, { key: 'ArrowDown' });
    expect(await screen.findByText('Workflow')).toBeInTheDocument();
    expect(screen.queryByText('Error type')).toBeNull();
  });

  it('groups by location and filters by the locations the sidecar lists, and drops both for metrics that are not per location', async () => {
    const datasource = {
      client: {
        workflowVariables: async () => ({ workflows: [] }),
        listLocations: async () => ({ location: 'eu', replicaId: 'r1', locations: [{ location: 'eu', status: 'ok', lastSeenAt: null, workflows: 1, replicas: [] }, { location: 'us-east', status: 'empty', lastSeenAt: null, workflows: 1, replicas: [] }] }),
      },
    } as unknown as WorkflowDataSource;
    const onChange = jest.fn();
    const { container, rerender } = render(<QueryEditor datasource={datasource} query={{ refId: 'A', metric: 'executions' }} onChange={onChange} onRunQuery={jest.fn()} />);
    fireEvent.keyDown(container.querySelector('#wm-groupby')!, { key: 'ArrowDown' });
    fireEvent.click(await screen.findByText('Location'));
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'A', metric: 'executions', groupBy: 'location' });
    rerender(<QueryEditor datasource={datasource} query={{ refId: 'A', metric: 'executions', groupBy: 'location' }} onChange={onChange} onRunQuery={jest.fn()} />);
    fireEvent.keyDown(container.querySelector('#wm-locations')!, { key: 'ArrowDown' });
    fireEvent.click(await screen.findByText('us-east'));
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'A', metric: 'executions', groupBy: 'location', locations: ['us-east'] });
    rerender(<QueryEditor datasource={datasource} query={{ refId: 'A', metric: 'executions', groupBy: 'location', locations: ['us-east'] }} onChange={onChange} onRunQuery={jest.fn()} />);
    fireEvent.keyDown(container.querySelector('#wm-metric')!, { key: 'ArrowDown' });
    fireEvent.click(await screen.findByText('Active alerts'));
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'A', metric: 'active_alerts', groupBy: undefined, locations: undefined });
    rerender(<QueryEditor datasource={datasource} query={{ refId: 'A', metric: 'active_alerts' }} onChange={onChange} onRunQuery={jest.fn()} />);
    expect(container.querySelector('#wm-locations')).toBeNull();
  });
});
