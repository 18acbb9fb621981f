/**
 * The shapes that flow down the chain: executor → store → alerts. Frozen constants for every state
 * so SQL, API schemas and code agree on the spelling.
 */
export const ERROR_TYPES = Object.freeze([
  'transient',
  'permanent',
  'rate_limit',
  'timeout',
  'network',
  'unknown',
  'circuit_open',
  'assertion',
] as const);
export type ErrorType = (typeof ERROR_TYPES)[number];

export const EXECUTION_STATUS = Object.freeze({ success: 'success', degraded: 'degraded', failed: 'failed' } as const);
export const EXECUTION_STATUSES = Object.freeze([EXECUTION_STATUS.success, EXECUTION_STATUS.degraded, EXECUTION_STATUS.failed] as const);
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const STEP_STATUS = Object.freeze({ passed: 'passed', failed: 'failed', skipped: 'skipped' } as const);
export const STEP_STATUSES = Object.freeze([STEP_STATUS.passed, STEP_STATUS.failed, STEP_STATUS.skipped] as const);
export type StepStatus = (typeof STEP_STATUSES)[number];

export const EXECUTION_TRIGGER = Object.freeze({ schedule: 'schedule', manual: 'manual', push: 'push', missed: 'missed' } as const);
export const EXECUTION_TRIGGERS = Object.freeze([EXECUTION_TRIGGER.schedule, EXECUTION_TRIGGER.manual, EXECUTION_TRIGGER.push, EXECUTION_TRIGGER.missed] as const);
export type ExecutionTrigger = (typeof EXECUTION_TRIGGERS)[number];

/** The most characters of a response value a failed assertion keeps (see `storedActual`). */
export const MAX_STORED_ACTUAL = 200;

export interface AssertionResult {
  /** The assertion as written, e.g. `status == 200`. */
  assertion: string;
  passed: boolean;
  expected?: unknown;
  /**
   * What the response held, only on a failed assertion and at most MAX_STORED_ACTUAL characters;
   * never for `exists` / `not exists` (the message says only what kind of value was there).
   */
  actual?: unknown;
  message?: string;
}

/** The server certificate an HTTPS attempt's response came with (the leaf), as recorded and served. */
export interface AttemptTls {
  /** Whole days from the attempt until `validTo` (negative once expired). */
  daysRemaining: number;
  /** Distinguished names as `key=value` pairs in the certificate's order, e.g. `CN=R3, O=Let's Encrypt, C=US`. */
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
}

export interface AttemptRecord {
  /** 1-based attempt number within the step. */
  number: number;
  startedAt: Date;
  durationMs: number;
  /** Delay waited before this attempt started (0 for the first). */
  delayMs: number;
  httpStatus?: number;
  /** Undefined when the attempt succeeded. */
  errorType?: ErrorType;
  errorMessage?: string;
  /** HTTPS attempts that got a response: the certificate it came with. */
  tls?: AttemptTls;
}

export interface StepResult {
  /** 0-based position in the workflow. */
  position: number;
  name: string;
  status: StepStatus;
  startedAt: Date;
  durationMs: number;
  httpStatus?: number;
  errorType?: ErrorType;
  errorMessage?: string;
  assertions: AssertionResult[];
  /** Values extracted for later steps (names → values). */
  extracted: Record<string, unknown>;
  attempts: AttemptRecord[];
}

export interface ExecutionResult {
  workflowId: string;
  status: ExecutionStatus;
  trigger: ExecutionTrigger;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  /** The first failing step's error, if the execution failed. */
  errorType?: ErrorType;
  errorMessage?: string;
  steps: StepResult[];
  /** The location of the replica that ran it (a pushed result: as reported); absent: `default`. */
  location?: string;
}
