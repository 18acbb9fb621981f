import { expect, test } from '@grafana/plugin-e2e';

test('the provisioned data source passes "Save & test"', async ({ gotoDataSourceConfigPage }) => {
  const configPage = await gotoDataSourceConfigPage('workflow-monitor');
  await expect(configPage.saveAndTest()).toBeOK();
});

test("the app's dashboards (imported by Grafana from plugin.json includes) render their panels without errors", async ({ gotoDashboardPage }) => {
  for (const uid of ['wm-overview', 'wm-detail']) {
    const dashboard = await gotoDashboardPage({ uid });
    await expect(dashboard).not.toHavePanelErrors();
  }
});
