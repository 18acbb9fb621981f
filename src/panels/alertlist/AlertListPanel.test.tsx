import React from 'react';
import type { PanelProps } from '@grafana/data';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { testIds } from '../../components/testIds';
import { installFakeSidecar } from '../../test/fakeSidecar';
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
    const props = { options: { state: 'open', severity: 'error', workflowId: 'checkout', limit: 5 } as AlertListOptions, renderCounter: 0 } as unknown as PanelProps<AlertListOptions>;
    render(<AlertListPanel {...props} />);
    fireEvent.click(await screen.findByTestId(testIds.alertListPanel.acknowledge(3)));
    await waitFor(() => expect(screen.queryByTestId(testIds.alertListPanel.acknowledge(3))).not.toBeInTheDocument());
    expect(fake.requests[0]!.params).toEqual({ state: 'open', severity: 'error', workflowId: 'checkout', limit: '5' });
    expect(fake.requests.find((r) => r.method === 'POST')!.data).toMatchObject({ user: 'carol' });
  });
});
