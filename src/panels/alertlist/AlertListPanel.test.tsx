import React from 'react';
import type { PanelProps } from '@grafana/data';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { testIds } from '../../components/testIds';
import { setDataSourceSrv } from '@grafana/runtime';
import { DATASOURCE_TYPE } from '../../api/client';
import { DS_UID, installFakeSidecar } from '../../test/fakeSidecar';
import { AlertListPanel, type AlertListOptions } from './AlertListPanel';

const base = { fingerprint: 'r:w', ruleId: 'r', workflowId: 'checkout', severity: 'error', title: 'Checkout down', message: 'm', value: 1, labels: {}, count: 1, openedAt: new Date().toISOString(), lastSeenAt: new Date().toISOString(), acknowledgedBy: null, acknowledgedAt: null, acknowledgementExpiresAt: null, resolvedBy: null, resolvedAt: null, tier: 0, flapping: false };

describe('AlertListPanel', () => {
  it('lists alerts with the panel filters and acknowledges in place', async () => {
    let state = 'active';
    const fake = installFakeSidecar({
      'GET api/v1/alerts': () => ({ alerts: [{ ...base, id: 3, state }], nextCursor: null }),
      'POST api/v1/alerts/{id}/acknowledge': () => {
        state = 'acknowledged';
        return { ...base, id: 3, state, events: [], notifications: [] };
      },
    }, { login: 'carol' });
    const props = { options: { state: 'open', severity: 'error', workflowId: 'checkout', limit: 5 } as AlertListOptions, renderCounter: 0, replaceVariables: (text: string) => text } as unknown as PanelProps<AlertListOptions>;
    render(<AlertListPanel {...props} />);
    fireEvent.click(await screen.findByTestId(testIds.alertListPanel.acknowledge(3)));
    await waitFor(() => expect(screen.queryByTestId(testIds.alertListPanel.acknowledge(3))).not.toBeInTheDocument());
    expect(fake.requests[0]!.params).toEqual({ state: 'open', severity: 'error', workflowId: 'checkout', limit: '5' });
    expect(fake.requests.find((r) => r.method === 'POST')!.data).toMatchObject({ user: 'carol' });
  });

  it("reads the dashboard's ${datasource} and $workflow through the panel's template variables", async () => {
    const fake = installFakeSidecar({ 'GET api/v1/alerts': () => ({ alerts: [{ ...base, id: 4, state: 'active' }], nextCursor: null }) });
    // Another Workflow Monitor data source listed first: without interpolation the panel would fall back to it.
    setDataSourceSrv({ getList: () => [{ uid: 'staging', name: 'Staging', type: DATASOURCE_TYPE }, { uid: DS_UID, name: 'Production', type: DATASOURCE_TYPE }], getInstanceSettings: () => undefined, get: async () => undefined } as never);
    const variables: Record<string, string> = { '${datasource}': DS_UID, $workflow: 'checkout' };
    const props = {
      options: { state: 'open', severity: '', workflowId: '$workflow', limit: 20, datasourceUid: '${datasource}' } as AlertListOptions,
      renderCounter: 0,
      replaceVariables: (text: string) => variables[text] ?? text,
    } as unknown as PanelProps<AlertListOptions>;
    render(<AlertListPanel {...props} />);
    expect(await screen.findByTestId(testIds.alertListPanel.row(4))).toBeInTheDocument();
    expect(fake.requests[0]!.url).toBe(`/api/datasources/proxy/uid/${DS_UID}/api/v1/alerts`);
    expect(fake.requests[0]!.params).toMatchObject({ workflowId: 'checkout' });
  });
});
