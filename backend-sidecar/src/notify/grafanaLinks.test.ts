import { smsForm } from './channelPayloads';
import { APP_PLUGIN_ID, notificationLinks } from './grafanaLinks';
import type { NotificationPayload } from './notificationMessage';

const payload = (over: Partial<NotificationPayload['alert']> = {}, kind: NotificationPayload['kind'] = 'firing'): NotificationPayload => ({
  kind,
  alert: {
    id: 42, fingerprint: 'f', title: 'Checkout down', message: 'x'.repeat(4000), severity: 'critical', state: 'active', workflowId: 'checkout',
    workflowName: 'Checkout', ruleId: 'down', ruleName: 'Down', count: 1, labels: {}, openedAt: '2026-01-01T00:00:00.000Z', tier: 0, ...over,
  },
});

describe('notificationLinks', () => {
  it('is undefined without GRAFANA_URL', () => {
    expect(notificationLinks(undefined, payload())).toBeUndefined();
  });

  it('builds the app routes under the sub-path, ids URL-encoded', () => {
    expect(notificationLinks('https://ops.example.com/grafana', payload({ workflowId: 'a b/c?d#e' }))).toEqual({
      alertUrl: `https://ops.example.com/grafana/a/${APP_PLUGIN_ID}/alerts/42`,
      workflowUrl: `https://ops.example.com/grafana/a/${APP_PLUGIN_ID}/workflows/a%20b%2Fc%3Fd%23e`,
    });
  });

  it('a channel test links to the Alerts page and no workflow', () => {
    expect(notificationLinks('http://g', payload({}, 'test'))).toEqual({ alertUrl: `http://g/a/${APP_PLUGIN_ID}/alerts` });
  });
});

describe('smsForm', () => {
  it('cuts the message, never the link, to stay within 1500 characters', () => {
    const links = notificationLinks('https://grafana.example.com', payload())!;
    const body = smsForm(payload(), '+1', '+2', links).get('Body')!;
    expect(body.length).toBe(1500);
    expect(body.endsWith(`\n${links.alertUrl}`)).toBe(true);
  });
});
