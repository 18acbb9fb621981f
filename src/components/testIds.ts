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
    edit: (id: string) => `data-testid rule-edit-${id}`,
    view: (id: string) => `data-testid rule-view-${id}`,
    remove: (id: string) => `data-testid rule-delete-${id}`,
    disabledReason: (id: string) => `data-testid rule-disabled-reason-${id}`,
    /** A form field by its body path: `condition.regex`, `scope.workflowIds`, `flapping.window`… */
    field: (path: string) => `data-testid rule-field-${path}`,
    formErrors: 'data-testid rule-form-errors',
    expressionCheck: 'data-testid rule-expression-check',
  },
  labels: {
    key: (editor: string, index: number) => `data-testid ${editor}-label-key-${index}`,
    value: (editor: string, index: number) => `data-testid ${editor}-label-value-${index}`,
    add: (editor: string) => `data-testid ${editor}-label-add`,
  },
  silences: {
    container: 'data-testid silences',
    tab: (tab: string) => `data-testid silences-tab-${tab}`,
    row: (id: number) => `data-testid silence-row-${id}`,
    expire: (id: number) => `data-testid silence-expire-${id}`,
    create: 'data-testid silence-create',
    form: 'data-testid silence-form',
    /** A form field by its body path: `matchers.workflowIds`, `recurrence.cron`, `duration`… */
    field: (path: string) => `data-testid silence-field-${path}`,
    severity: (severity: string) => `data-testid silence-severity-${severity}`,
    save: 'data-testid silence-save',
    preview: 'data-testid silence-preview',
    previewRow: (alertId: number) => `data-testid silence-preview-alert-${alertId}`,
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
