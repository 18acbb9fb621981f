/**
 * Shapes of the sidecar's API (docs/api-contract.md; the live reference is GET /api/v1/openapi.json).
 * backend-sidecar/test/contract/pluginTypes.test.ts checks these interfaces field by field against
 * the OpenAPI document the sidecar serves, so a change on one side without the other fails.
 */
export type Severity = 'info' | 'warning' | 'error' | 'critical';
export const SEVERITIES: Severity[] = ['info', 'warning', 'error', 'critical'];
export type AlertState = 'active' | 'acknowledged' | 'suppressed' | 'resolved';
export const ALERT_STATES: AlertState[] = ['active', 'acknowledged', 'suppressed', 'resolved'];
export type ExecutionStatus = 'success' | 'degraded' | 'failed';
export type Direction = 'improving' | 'stable' | 'degrading';

export interface Alert {
  id: number;
  fingerprint: string;
  ruleId: string;
  workflowId: string;
  severity: Severity;
  state: AlertState;
  title: string;
  message: string;
  value: number | null;
  labels: Record<string, string>;
  count: number;
  openedAt: string;
  lastSeenAt: string;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  acknowledgementExpiresAt: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  tier: number;
  flapping: boolean;
}

export interface AlertEvent {
  id: number;
  at: string;
  type: string;
  fromState: string | null;
  toState: string | null;
  user: string;
  comment: string | null;
}

export interface AlertNotification {
  id: number;
  channelId: string;
  kind: string;
  state: 'pending' | 'delivering' | 'delivered' | 'failed';
  attempts: number;
  idempotencyKey: string;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

export interface AlertDetail extends Alert {
  events: AlertEvent[];
  notifications: AlertNotification[];
}

export interface AlertFilter {
  state?: string;
  severity?: string;
  workflowId?: string;
  limit?: number;
  cursor?: string;
}

export interface Workflow {
  id: string;
  name: string;
  description?: string;
  source: 'file' | 'api';
  sourceFile?: string;
  enabled: boolean;
  critical: boolean;
  labels: Record<string, string>;
  mode: 'scheduled' | 'push';
  schedule: { every?: string; cron?: string; timezone?: string; push?: { expected: string; grace: string } };
  /** The stored definition failed a check on start (e.g. a regex RE2 cannot run): not scheduled until saved again. */
  loadError?: { path: string; message: string };
  version: number;
  lastExecution: { id: number; status: ExecutionStatus; startedAt: string; durationMs: number } | null;
  nextRunAt: string | null;
}

export interface ExecutionSummary {
  id: number;
  workflowId: string;
  trigger: string;
  status: ExecutionStatus;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  stepCount: number;
  attempts: number;
  retries: number;
  errorType: string | null;
  errorMessage: string | null;
  failedStep: string | null;
  workerId: string | null;
}

export interface Attempt {
  number: number;
  startedAt: string;
  durationMs: number;
  delayMs: number;
  httpStatus: number | null;
  errorType: string | null;
  errorMessage: string | null;
}

export interface Step {
  position: number;
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  durationMs: number;
  httpStatus: number | null;
  errorType: string | null;
  errorMessage: string | null;
  assertions: Array<{ assertion: string; passed: boolean; expected?: unknown; actual?: unknown; message?: string }>;
  attempts: Attempt[];
}

export interface ExecutionDetail extends ExecutionSummary {
  steps: Step[];
}

export interface WorkflowBreakdown {
  workflowId: string;
  name?: string;
  executions: number;
  successes: number;
  failures: number;
  successRate: number | null;
  averageDuration: number | null;
  minDuration?: number | null;
  maxDuration?: number | null;
  lastExecution?: string | null;
  lastStatus?: ExecutionStatus | null;
}

export interface MonitoringMetrics {
  period: string;
  summary: { totalExecutions: number; successCount: number; failureCount: number; successRate: number | null; averageDuration: number | null; activeWorkflows: number };
  workflows?: WorkflowBreakdown[];
  system: { health: string; lastHealthCheck: string; uptime: number; activeAlerts: number; criticalAlerts: number };
  trends: { executionTrend: Direction; successRateTrend: Direction; performanceTrend: Direction; hourlyPattern: number[] /* executions per UTC hour, 24 buckets */ };
  alerts: { total: number; bySeverity: Record<Severity, number>; active: number; recent: Array<{ id: number; workflowId: string; severity: Severity; state: AlertState; title: string; openedAt: string }> };
}

export interface Rule {
  id: string;
  name: string;
  description?: string;
  enabled: boolean;
  severity: Severity;
  scope: { workflowIds?: string[]; labels?: Record<string, string>; critical?: boolean };
  condition: Record<string, unknown> & { type: string };
  cooldown: string;
  flapping?: { window: string; threshold: number };
  escalationPolicy?: string;
  channels: string[];
  predefined?: boolean;
  source?: string;
  /** Why the sidecar disabled the rule on start (its stored condition fails today's checks). */
  disabledReason?: string;
}

export interface QueryTarget {
  refId: string;
  metric: string;
  workflowIds?: string[];
  labels?: Record<string, string>;
  groupBy?: 'workflow' | 'error_type';
}

export interface QueryRequest {
  from: number;
  to: number;
  intervalMs: number;
  maxDataPoints: number;
  targets: QueryTarget[];
}

/** Grafana's data-frame JSON as the sidecar returns it (wide time series). */
export interface FrameJson {
  schema: { refId?: string; name?: string; fields: Array<{ name: string; type: string; labels?: Record<string, string>; config?: Record<string, unknown> }> };
  data: { values: unknown[][] };
}

export interface QueryResponse {
  results: Record<string, { frames: FrameJson[]; error?: string }>;
}

/** The sidecar's error body. */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}
