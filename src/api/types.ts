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
  /** Quorum rules: the locations the condition held in at the last verdict. */
  failingLocations?: string[];
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
  /** The definition as it was saved (API) or read from its file: what the editor opens. */
  definition: Record<string, unknown>;
  /** Each slot runs once in each of these locations; absent: once by any replica. */
  locations?: string[];
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
  /** The location of the replica that ran it (`default` for one without LOCATION). */
  location: string;
}

/** The certificate an HTTPS attempt's response came with. */
export interface AttemptTls {
  daysRemaining: number;
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
}

export interface Attempt {
  number: number;
  startedAt: string;
  durationMs: number;
  delayMs: number;
  httpStatus: number | null;
  errorType: string | null;
  errorMessage: string | null;
  /** Null for plain HTTP, TCP steps and attempts without a response. */
  tls: AttemptTls | null;
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
  /** Names of the variables the step extracted (never their values). */
  extracted: string[];
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

export type ThresholdMetric =
  | 'success_rate' | 'failure_rate' | 'executions' | 'successes' | 'failures' | 'degraded'
  | 'duration_avg' | 'duration_max' | 'duration_p95' | 'attempts' | 'retries';
export type ComparisonOperator = '>' | '>=' | '<' | '<=' | '==' | '!=';

/** Rule conditions as the sidecar returns them: durations as text ("15m"), defaults filled in. */
export interface ThresholdCondition {
  type: 'threshold';
  metric: ThresholdMetric;
  operator: ComparisonOperator;
  value: number;
  window: string;
  minSamples: number;
}

export interface RateCondition {
  type: 'rate';
  operator: '>' | '>=';
  value: number;
  window: string;
  minSamples: number;
}

export interface PatternCondition {
  type: 'pattern';
  regex: string;
  caseInsensitive: boolean;
  window?: string;
  minMatches: number;
}

export interface DurationCondition {
  type: 'duration';
  of: 'execution' | 'step';
  step?: string;
  operator: '>' | '>=';
  threshold: string;
}

export interface ConsecutiveFailuresCondition {
  type: 'consecutive_failures';
  count: number;
}

export interface CustomCondition {
  type: 'custom';
  expression: string;
  window: string;
}

/** One { long, short, factor } pair: fires when both windows burn the error budget at factor × or more. */
export interface BurnRatePair {
  long: string;
  short: string;
  factor: number;
}

export interface BurnRateCondition {
  type: 'burn_rate';
  pairs: BurnRatePair[];
}

export type AnomalyMetric = 'duration_p95' | 'failure_rate' | 'executions';

export interface AnomalyCondition {
  type: 'anomaly';
  metric: AnomalyMetric;
  /** Unset: higher for duration_p95 and failure_rate, lower for executions. */
  direction?: 'higher' | 'lower' | 'both';
  weeks: number;
  sensitivity: number;
  minSamples: number;
  window: string;
}

/** Fires while fewer than `days` whole days remain on the latest certificate of a workflow that checks TLS. */
export interface CertificateExpiryCondition {
  type: 'certificate_expiry';
  days: number;
}

export type Condition =
  | ThresholdCondition
  | RateCondition
  | PatternCondition
  | DurationCondition
  | ConsecutiveFailuresCondition
  | CustomCondition
  | BurnRateCondition
  | AnomalyCondition
  | CertificateExpiryCondition;

/** GET /api/v1/slos → { slos: SloStatus[] }; GET /api/v1/workflows/{id}/slo → SloStatus. */
export interface SloStatus {
  workflowId: string;
  /** As declared, in percent (e.g. 99.5). */
  objective: number;
  /** As declared (e.g. "30d"). */
  window: string;
  /** Good ÷ all in the window, percent; null without events. */
  sli: number | null;
  /** Percent of the budget left: 100 untouched, 0 spent, negative overspent. */
  errorBudgetRemaining: number;
  burnRates: SloBurnRates;
  /** When the budget runs out at the 6h burn rate (ISO); null when not burning. */
  budgetExhaustedAt: string | null;
}

export interface SloBurnRates {
  '5m': number;
  '30m': number;
  '1h': number;
  '6h': number;
  '24h': number;
  '72h': number;
}

export interface Rule {
  id: string;
  name: string;
  description?: string;
  enabled: boolean;
  severity: Severity;
  scope: { workflowIds?: string[]; labels?: Record<string, string>; critical?: boolean };
  condition: Condition;
  cooldown: string;
  flapping: { window: string; threshold: number };
  escalationPolicy?: string;
  channels: string[];
  predefined: boolean;
  source: 'file' | 'api' | 'builtin';
  sourceFile?: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** Why the sidecar disabled the rule on start (its stored condition fails today's checks). */
  disabledReason?: string;
  /** The condition must hold in at least this many (or this fraction) of the workflow's locations. */
  quorum?: { min: number } | { fraction: number };
}

/** What POST and PUT /api/v1/rules take: no bookkeeping fields; those with a default may be left out. */
export type RuleInput = Omit<Rule, 'predefined' | 'source' | 'sourceFile' | 'version' | 'createdAt' | 'updatedAt' | 'enabled' | 'scope' | 'cooldown' | 'flapping' | 'channels'> &
  Partial<Pick<Rule, 'enabled' | 'scope' | 'cooldown' | 'flapping' | 'channels'>>;

export interface EscalationTier {
  after: string;
  channels: string[];
}

export interface EscalationPolicy {
  id: string;
  name: string;
  tiers: EscalationTier[];
  reminder?: { every: string; max?: number };
  source: 'file' | 'api';
  sourceFile?: string;
}

/** What every channel has; `config` holds its public settings only (secrets are write-only). */
interface ChannelFields {
  id: string;
  name: string;
  enabled: boolean;
  source: 'file' | 'api';
  sourceFile?: string;
  createdAt: string;
  updatedAt: string;
}

export interface SlackChannelConfig {
  channel?: string;
  username?: string;
}

export interface SlackChannel extends ChannelFields {
  type: 'slack';
  config: SlackChannelConfig;
  secretsConfigured: Array<'url'>;
}

export interface DiscordChannelConfig {
  username?: string;
}

export interface DiscordChannel extends ChannelFields {
  type: 'discord';
  config: DiscordChannelConfig;
  secretsConfigured: Array<'url'>;
}

export interface EmailChannelConfig {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  from: string;
  to: string[];
  /** Present when set; `rejectUnauthorized: false` accepts any certificate from the relay. */
  tls?: { rejectUnauthorized?: boolean };
}

export interface EmailChannel extends ChannelFields {
  type: 'email';
  config: EmailChannelConfig;
  secretsConfigured: Array<'password'>;
}

export interface SmsChannelConfig {
  baseUrl: string;
  accountSid: string;
  from: string;
  to: string[];
}

export interface SmsChannel extends ChannelFields {
  type: 'sms';
  config: SmsChannelConfig;
  secretsConfigured: Array<'authToken'>;
}

export interface WebhookChannelConfig {
  url: string;
}

export interface WebhookChannel extends ChannelFields {
  type: 'webhook';
  config: WebhookChannelConfig;
  secretsConfigured: Array<'secret' | 'headers'>;
}

export interface AlertmanagerChannelConfig {
  url: string;
  username?: string;
}

export interface AlertmanagerChannel extends ChannelFields {
  type: 'alertmanager';
  config: AlertmanagerChannelConfig;
  secretsConfigured: Array<'password'>;
}

export type Channel = SlackChannel | DiscordChannel | EmailChannel | SmsChannel | WebhookChannel | AlertmanagerChannel;

export type ChannelType = Channel['type'];
export const CHANNEL_TYPES: ChannelType[] = ['slack', 'discord', 'email', 'sms', 'webhook', 'alertmanager'];

/**
 * What POST and PUT /api/v1/channels take: `config` holds the public settings and any secret the
 * user typed; a PUT that leaves a secret field out keeps the stored value.
 */
export interface ChannelInput {
  id: string;
  name: string;
  type: ChannelType;
  enabled?: boolean;
  config: Record<string, unknown>;
}

/** The answer of POST /api/v1/channels/{id}/test: what the receiver said, or the error and its classification. */
export interface ChannelTestResult {
  delivered: boolean;
  httpStatus?: number;
  errorType?: string;
  error?: string;
  durationMs: number;
}

/** What POST and PUT /api/v1/escalation-policies take (durations as text, e.g. "15m"). */
export type EscalationPolicyInput = Omit<EscalationPolicy, 'source' | 'sourceFile'>;

export interface QueryTarget {
  refId: string;
  metric: string;
  workflowIds?: string[];
  labels?: Record<string, string>;
  /** Only executions from these locations. */
  locations?: string[];
  groupBy?: 'none' | 'workflow' | 'error_type' | 'step' | 'location';
  alias?: string;
  /** One point at `to` for the whole range (the range's figure) instead of a series. */
  instant?: boolean;
  /** For metric burn_rate: the window of each point (default 1h). */
  burnRateWindow?: '5m' | '30m' | '1h' | '6h' | '24h' | '72h';
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

/** A step of a dry run: a stored execution's step, with when it started. */
export interface DryRunStep extends Step {
  startedAt: string;
}

/**
 * POST /api/v1/dry-runs: the execution as GET /api/v1/executions/{id} shows it, without what only a
 * stored execution has (id, runId, workerId). `workflowId` is null when the definition had no id.
 */
export interface DryRunResult {
  workflowId: string | null;
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
  /** The location of the replica that ran the dry run. */
  location: string;
  steps: DryRunStep[];
}

/** What a silence matches: every given matcher must match (labels: each key equal); at least one is required. */
export interface SilenceMatchers {
  workflowIds?: string[];
  labels?: Record<string, string>;
  severities?: Severity[];
}

/** A silence or, with `recurrence`, a maintenance window (each cron occurrence silences for `window` ms). */
export interface Silence {
  id: number;
  matchers: SilenceMatchers;
  startsAt: string;
  endsAt: string;
  recurrence?: { cron: string; window: number; timezone?: string };
  activeNow: boolean;
  createdBy: string;
  comment: string;
  createdAt: string;
}

/** What POST /api/v1/silences takes: `endsAt` or `duration`; durations as text ("2h"). */
export interface SilenceInput {
  matchers: SilenceMatchers;
  startsAt?: string;
  endsAt?: string;
  duration?: string;
  recurrence?: { cron: string; window: string; timezone?: string };
  createdBy: string;
  comment?: string;
}

/** GET /api/v1/locations: the answering replica and every location with its live replicas. */
export interface LocationList {
  /** The location of the replica that answered. */
  location: string;
  replicaId: string;
  locations: LocationStatus[];
}

export interface LocationStatus {
  location: string;
  /** `empty`: workflows list it but no replica of it is live. */
  status: 'ok' | 'empty';
  lastSeenAt: string | null;
  /** Workflows that list this location. */
  workflows: number;
  replicas: ReplicaStatus[];
}

export interface ReplicaStatus {
  id: string;
  location: string;
  version: string;
  startedAt: string;
  lastSeenAt: string;
  /** Whether it runs the scheduler (SCHEDULER_ENABLED). */
  scheduling: boolean;
}
