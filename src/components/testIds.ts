/** Every test id in one place (RTL tests, browser tests and plugin-e2e specs use these). */
export const testIds = {
  appConfig: {
    container: 'data-testid ac-container',
    testConnection: 'data-testid ac-test-connection',
    result: 'data-testid ac-result',
  },
  datasource: {
    url: 'data-testid ds-url',
    token: 'data-testid ds-token',
  },
  queryEditor: {
    metric: 'data-testid qe-metric',
    workflows: 'data-testid qe-workflows',
    labels: 'data-testid qe-labels',
    alias: 'data-testid qe-alias',
  },
  overview: {
    container: 'data-testid overview',
    summary: 'data-testid overview-summary',
    activeAlerts: 'data-testid overview-active-alerts',
  },
  workflows: {
    container: 'data-testid workflows',
    row: (id: string) => `data-testid workflow-row-${id}`,
    runNow: (id: string) => `data-testid workflow-run-${id}`,
  },
  workflowDetail: {
    container: 'data-testid workflow-detail',
    execution: (id: number) => `data-testid execution-${id}`,
    attempts: 'data-testid execution-attempts',
  },
  alerts: {
    container: 'data-testid alerts',
    row: (id: number) => `data-testid alert-row-${id}`,
    action: (action: string, id: number) => `data-testid alert-${action}-${id}`,
    comment: 'data-testid alert-comment',
    confirm: 'data-testid alert-confirm',
    timeline: 'data-testid alert-timeline',
    stateFilter: 'data-testid alerts-state-filter',
  },
  rules: {
    container: 'data-testid rules',
    row: (id: string) => `data-testid rule-row-${id}`,
    toggle: (id: string) => `data-testid rule-toggle-${id}`,
    form: 'data-testid rule-form',
    save: 'data-testid rule-save',
  },
  trendPanel: {
    value: 'data-testid trend-value',
    delta: 'data-testid trend-delta',
    direction: 'data-testid trend-direction',
  },
  alertListPanel: {
    row: (id: number) => `data-testid alertlist-row-${id}`,
    acknowledge: (id: number) => `data-testid alertlist-ack-${id}`,
  },
};
