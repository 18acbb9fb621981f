import { EventEmitter } from 'node:events';
import type { ErrorType, ExecutionStatus, ExecutionTrigger } from '../model/execution';

/** What the store announces after an execution (and its steps and attempts) is committed. */
export interface ExecutionRecorded {
  executionId: number;
  workflowId: string;
  status: ExecutionStatus;
  trigger: ExecutionTrigger;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  attempts: number;
  retries: number;
  errorType?: ErrorType;
  errorMessage?: string;
  /** Per-step durations and errors, for duration and pattern rules. */
  steps: Array<{ name: string; status: string; durationMs: number; errorType?: ErrorType; errorMessage?: string }>;
}

interface EventMap {
  executionRecorded: [ExecutionRecorded];
}

/**
 * Events flowing down the chain (store → alerts → notify). Listeners run after the write is
 * committed; a listener's failure is logged by whoever registered it, never thrown back up.
 */
export class SidecarEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(50);
  }

  on<K extends keyof EventMap>(event: K, listener: (...args: EventMap[K]) => void): () => void {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
    return () => this.emitter.off(event, listener as (...args: unknown[]) => void);
  }

  emit<K extends keyof EventMap>(event: K, ...args: EventMap[K]): void {
    this.emitter.emit(event, ...args);
  }
}
