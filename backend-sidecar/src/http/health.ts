import type { Pool } from '../db/pool';
import { pendingMigrations } from '../db/migrate';

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface CheckResult {
  status: HealthStatus;
  message?: string;
  [key: string]: unknown;
}

export type HealthCheck = () => Promise<CheckResult> | CheckResult;

const RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

/**
 * Collects named checks; the overall status is the worst of them. The database check is always
 * present; other modules (scheduler, outbox) add theirs.
 */
export class HealthReporter {
  private readonly checks = new Map<string, HealthCheck>();
  readonly startedAt = new Date();
  lastReport?: { status: HealthStatus; at: Date };

  constructor(pool: Pool, opts: { timeoutMs?: number } = {}) {
    const timeoutMs = opts.timeoutMs ?? 2000;
    this.add('database', async () => {
      const started = Date.now();
      try {
        await withTimeout(pool.query('SELECT 1'), timeoutMs);
      } catch (error) {
        return { status: 'unhealthy', message: `PostgreSQL unreachable: ${(error as Error).message}` };
      }
      return { status: 'healthy', latencyMs: Date.now() - started };
    });
    this.add('migrations', async () => {
      try {
        const pending = await withTimeout(pendingMigrations(pool), timeoutMs);
        return pending.length === 0 ? { status: 'healthy' } : { status: 'degraded', message: `pending migrations: ${pending.join(', ')}`, pending };
      } catch (error) {
        return { status: 'unhealthy', message: `cannot read schema_migrations: ${(error as Error).message}` };
      }
    });
  }

  add(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  async report(): Promise<{ status: HealthStatus; checks: Record<string, CheckResult>; uptimeSeconds: number; timestamp: string }> {
    const entries = await Promise.all(
      [...this.checks.entries()].map(async ([name, check]): Promise<[string, CheckResult]> => {
        try {
          return [name, await check()];
        } catch (error) {
          return [name, { status: 'unhealthy', message: (error as Error).message }];
        }
      })
    );
    let status: HealthStatus = 'healthy';
    for (const [, result] of entries) {
      if (RANK[result.status] > RANK[status]) {
        status = result.status;
      }
    }
    const now = new Date();
    this.lastReport = { status, at: now };
    return {
      status,
      checks: Object.fromEntries(entries),
      uptimeSeconds: Math.round((now.getTime() - this.startedAt.getTime()) / 1000),
      timestamp: now.toISOString(),
    };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
