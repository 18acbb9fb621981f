import { EventEmitter } from 'node:events';

/**
 * What the store announces after an execution (and its steps and attempts) is committed. Listeners
 * read what else they need from the store: the alert engine re-evaluates the workflow's rules.
 */
export interface ExecutionRecorded {
  executionId: number;
  workflowId: string;
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
