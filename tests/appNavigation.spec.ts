import { expect, test } from './fixtures';
import { ROUTES } from '../src/constants';
import { testIds } from '../src/components/testIds';

// plugin-e2e specs for a real Grafana: `cp .env.example .env && npm run build && docker compose up -d`, then
// `npm run e2e` (GRAFANA_URL defaults to http://localhost:3000). They cannot run on machines without Docker.
test.describe('app pages', () => {
  test('the overview shows the sidecar figures', async ({ gotoPage, page }) => {
    await gotoPage(`/${ROUTES.Overview}`);
    await expect(page.getByTestId(testIds.overview.summary)).toBeVisible();
  });

  test('the workflows page lists the demo workflows', async ({ gotoPage, page }) => {
    await gotoPage(`/${ROUTES.Workflows}`);
    await expect(page.getByTestId(testIds.workflows.row('checkout'))).toBeVisible();
  });

  test('the alerts page loads', async ({ gotoPage, page }) => {
    await gotoPage(`/${ROUTES.Alerts}`);
    await expect(page.getByTestId(testIds.alerts.container)).toBeVisible();
  });

  test('the rules page lists the predefined rules', async ({ gotoPage, page }) => {
    await gotoPage(`/${ROUTES.Rules}`);
    await expect(page.getByTestId(testIds.rules.row('low-success-rate'))).toBeVisible();
  });

  test('the silences page loads', async ({ gotoPage, page }) => {
    await gotoPage(`/${ROUTES.Silences}`);
    await expect(page.getByTestId(testIds.silences.container)).toBeVisible();
  });

  test('the configuration page tests the connection', async ({ appConfigPage, page }) => {
    expect(appConfigPage).toBeTruthy();
    await page.getByTestId(testIds.appConfig.testConnection).click();
    await expect(page.getByTestId(testIds.appConfig.result)).toContainText('Connected');
  });
});
