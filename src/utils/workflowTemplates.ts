/** Definitions to start a new workflow from (the editor's "Start from a template"). */
export interface WorkflowTemplate {
  key: 'login-then-call' | 'health-check' | 'push-heartbeat';
  title: string;
  description: string;
  definition: Record<string, unknown>;
}

export const WORKFLOW_TEMPLATES: WorkflowTemplate[] = [
  {
    key: 'login-then-call',
    title: 'Login, then call with the token',
    description: 'POST credentials, extract the token from the answer, send it as a Bearer header on the next call',
    definition: {
      id: 'login-then-call',
      name: 'Login then call',
      schedule: { every: '5m' },
      timeout: '30s',
      retry: { strategy: 'default' },
      steps: [
        {
          name: 'login',
          request: { method: 'POST', url: 'https://example.com/api/login', json: { username: 'monitor', password: 'change-me' } },
          assert: ['status == 200', 'body.token exists'],
          extract: { token: 'body.token' },
        },
        {
          name: 'profile',
          request: { method: 'GET', url: 'https://example.com/api/me', headers: { Authorization: 'Bearer {{token}}' } },
          assert: ['status == 200'],
        },
      ],
    },
  },
  {
    key: 'health-check',
    title: 'Health check',
    description: 'GET /health every minute: status 200 within 2 seconds',
    definition: {
      id: 'health-check',
      name: 'Health check',
      schedule: { every: '1m' },
      steps: [{ name: 'health', request: { method: 'GET', url: 'https://example.com/health' }, assert: ['status == 200', 'duration < 2000'] }],
    },
  },
  {
    key: 'push-heartbeat',
    title: 'Push heartbeat',
    description: 'A job that runs elsewhere reports with POST /api/v1/executions; a missed report counts as a failure',
    definition: {
      id: 'nightly-backup',
      name: 'Nightly backup heartbeat',
      schedule: { push: { expected: '24h', grace: '30m' } },
    },
  },
];
