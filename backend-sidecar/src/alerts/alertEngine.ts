import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { withTransaction, type Pool, type PoolClient } from '../db/pool';
import { coerceError } from '../errors/errors';
import type { Logger } from '../log/logger';
import { ALERT_STATE } from '../model/alertStates';
import { advanceEscalation, applyVerdict, resolve, suppress, transition, unsuppress, type EscalationContext, type Transition } from './alertLifecycle';
import { alertNames, claimDueAlerts, countOpenAlerts, listOpenAlerts, lockOpenAlerts, openFingerprints, type AlertRow } from './alertStore';
import { conditionWindow, evaluateCondition, inScope, recentNeeded, type EvaluationTrigger, type Verdict } from './evaluateCondition';
import { effectivePolicy, listPolicies, type EscalationPolicy } from './policyStore';
import { listRules, type StoredRule } from './ruleStore';
import { silencedBy } from './silences';
import { loadLiveSilences } from './silenceStore';
import { loadLocationFacts, loadWorkflowFacts } from './workflowFacts';
import { evaluateQuorum } from './quorum';
import { attachRollupFacts } from './ruleFacts';

export interface AlertEngineOptions {
  pool: Pool;
  log: Logger;
  registry: Registry;
  /** Window rules and silent workflows are re-judged this often. */
  evalIntervalMs: number;
  /** Escalation tiers, reminders and acknowledgement timeouts are checked this often. */
  tickIntervalMs: number;
  /** Called after a commit that queued notifications. */
  onQueued: () => void;
}

interface Config {
  rules: StoredRule[];
  policies: Map<string, EscalationPolicy>;
  loadedAt: number;
}

const CONFIG_TTL_MS = 2_000;

/**
 * Judges rules and moves alerts through their lifecycle. Executions are judged in batches (many
 * executions of many workflows → one facts query); the timer judges window conditions for every
 * workflow; the tick moves escalation along. State lives in PostgreSQL, so replicas can all run
 * this: opening is an INSERT … ON CONFLICT on the open-fingerprint index, escalation claims rows
 * with SKIP LOCKED, and notifications are unique by idempotency key.
 */
export class AlertEngine {
  private config?: Config;
  /** Bumped by invalidate(), so a read that started before a change is not cached after it. */
  private generation = 0;
  /** Workflows with executions not yet judged, and how many. */
  private readonly pending = new Map<string, number>();
  private draining?: Promise<void>;
  private evalTimer?: NodeJS.Timeout;
  private tickTimer?: NodeJS.Timeout;
  private timerRun?: Promise<void>;
  private tickRun?: Promise<number>;
  private stopped = true;
  readonly opened: Counter<'severity'>;
  readonly resolvedCount: Counter<'by'>;
  readonly evaluationSeconds: Histogram<'trigger'>;

  constructor(private readonly opts: AlertEngineOptions) {
    const registers = [opts.registry];
    this.opened = new Counter({ name: 'workflow_monitor_alerts_opened_total', help: 'Alerts opened, by severity', labelNames: ['severity'], registers });
    this.resolvedCount = new Counter({ name: 'workflow_monitor_alerts_resolved_total', help: 'Alerts resolved, by who resolved them (system or a person)', labelNames: ['by'], registers });
    this.evaluationSeconds = new Histogram({
      name: 'workflow_monitor_alert_evaluation_seconds',
      help: 'Time to judge the rules for a batch of workflows, by trigger',
      labelNames: ['trigger'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    const pool = opts.pool;
    new Gauge({
      name: 'workflow_monitor_alerts_open',
      help: 'Open alerts by state and severity',
      labelNames: ['state', 'severity'],
      registers,
      async collect() {
        try {
          const rows = await countOpenAlerts(pool);
          this.reset();
          for (const r of rows) {
            this.set({ state: r.state, severity: r.severity }, r.n);
          }
        } catch {
          // Database down: keep the scrape working.
        }
      },
    });
  }

  /** Rules or policies changed through the API on this replica. */
  invalidate(): void {
    this.generation += 1;
    this.config = undefined;
  }

  private async loadConfig(): Promise<Config> {
    for (;;) {
      if (this.config && Date.now() - this.config.loadedAt < CONFIG_TTL_MS) {
        return this.config;
      }
      const generation = this.generation;
      const [rules, policies] = await Promise.all([listRules(this.opts.pool, { enabledOnly: true }), listPolicies(this.opts.pool)]);
      // A change saved while this read was under way may be missing from it: caching it would
      // hide a new rule from the executions judged next. Read again instead.
      if (generation === this.generation) {
        this.config = { rules, policies: new Map(policies.map((p) => [p.id, p])), loadedAt: Date.now() };
        return this.config;
      }
    }
  }

  start(): void {
    this.stopped = false;
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, ms);
      t.unref();
      return t;
    };
    this.evalTimer = every(this.opts.evalIntervalMs, () => {
      this.timerRun ??= this.evaluateAll().finally(() => (this.timerRun = undefined));
    });
    this.tickTimer = every(this.opts.tickIntervalMs, () => {
      this.tickRun ??= this.tick().finally(() => (this.tickRun = undefined));
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.evalTimer);
    clearInterval(this.tickTimer);
    await Promise.allSettled([this.draining, this.timerRun, this.tickRun]);
  }

  /** A new execution of this workflow was stored: judge its rules (batched with others). */
  executionRecorded(workflowId: string): void {
    this.pending.set(workflowId, (this.pending.get(workflowId) ?? 0) + 1);
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  /** Resolves when every execution reported so far has been judged (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.draining) {
      await this.draining;
    }
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0) {
      const batch = new Map([...this.pending].slice(0, 500));
      batch.forEach((_, id) => this.pending.delete(id));
      try {
        await this.evaluate([...batch.keys()], 'execution', batch);
      } catch (error) {
        this.opts.log.error({ err: coerceError(error), workflows: batch.size }, 'alert evaluation failed; the timer will judge these workflows again');
      }
    }
  }

  /** Judges every enabled rule for the given workflows; returns the number of state changes. */
  async evaluate(workflowIds: string[] | 'all', trigger: EvaluationTrigger, executions?: Map<string, number>): Promise<{ pairs: number; changes: number; queued: number }> {
    const end = this.evaluationSeconds.startTimer({ trigger });
    const { rules, policies } = await this.loadConfig();
    const now = new Date();
    if (rules.length === 0) {
      end();
      return { pairs: 0, changes: 0, queued: 0 };
    }
    const windows = rules.flatMap((r) => {
      const w = conditionWindow(r.condition);
      return w === undefined ? [] : [w];
    });
    const recentLimit = Math.min(101, Math.max(...rules.map((r) => recentNeeded(r.condition))));
    const certificates = rules.some((r) => r.condition.type === 'certificate_expiry');
    const factsRequest = { windowsMs: windows.length > 0 ? windows : [60_000], recentLimit, certificates };
    const [facts, locationFacts] = await Promise.all([
      loadWorkflowFacts(this.opts.pool, workflowIds, factsRequest),
      // Quorum rules judge each of a workflow's locations on its own executions.
      rules.some((r) => r.quorum) ? loadLocationFacts(this.opts.pool, workflowIds, factsRequest) : undefined,
    ]);
    await attachRollupFacts(this.opts.pool, facts, workflowIds, rules.map((r) => r.condition), now.getTime());
    const ids = [...facts.keys()];
    const open = await openFingerprints(this.opts.pool, workflowIds === 'all' ? 'all' : ids);
    const changes: Array<{ rule: StoredRule; workflowId: string; verdict: Verdict; failingLocations?: string[] }> = [];
    let pairs = 0;
    for (const [workflowId, f] of facts) {
      for (const rule of rules) {
        if (!inScope(rule.scope, f.workflow)) {
          continue;
        }
        pairs += 1;
        const byLocation = rule.quorum ? locationFacts?.get(workflowId) : undefined;
        // A workflow without locations is one location: a quorum changes nothing for it.
        const quorum = rule.quorum && byLocation ? evaluateQuorum(rule.condition, rule.quorum, byLocation, trigger, now.getTime()) : undefined;
        const verdict = quorum ?? evaluateCondition(rule.condition, f, trigger, now.getTime());
        const isOpen = open.has(`${rule.id}:${workflowId}`);
        if ((verdict.state === 'firing' && (!isOpen || trigger === 'execution' || quorum)) || (verdict.state === 'clear' && isOpen)) {
          changes.push({ rule, workflowId, verdict, ...(quorum ? { failingLocations: quorum.failingLocations } : {}) });
        }
      }
    }
    let queued = 0;
    if (changes.length > 0) {
      const silences = await loadLiveSilences(this.opts.pool, now);
      for (const change of changes) {
        const f = facts.get(change.workflowId)!;
        try {
          const outcome = await withTransaction(this.opts.pool, (client) =>
            applyVerdict(client, {
              ctx: { rule: change.rule, policy: effectivePolicy(change.rule, policies), workflowName: f.workflow.name },
              workflowId: change.workflowId,
              labels: f.workflow.labels,
              verdict: change.verdict,
              failingLocations: change.failingLocations,
              trigger,
              repeats: trigger === 'execution' ? (executions?.get(change.workflowId) ?? 1) : 0,
              silences,
              now,
            })
          );
          queued += outcome.queued;
          const fields = { rule: change.rule.id, workflowId: change.workflowId, severity: change.rule.severity };
          if (outcome.opened) {
            this.opened.inc({ severity: change.rule.severity });
            this.opts.log.warn({ ...fields, alertId: outcome.opened }, `alert opened: ${change.rule.name} on ${f.workflow.name} — ${change.verdict.message}`);
          }
          if (outcome.resolved) {
            this.resolvedCount.inc({ by: 'system' });
            this.opts.log.info({ ...fields, alertId: outcome.resolved }, `alert resolved: ${change.rule.name} on ${f.workflow.name}`);
          }
        } catch (error) {
          this.opts.log.error({ err: coerceError(error), rule: change.rule.id, workflowId: change.workflowId }, 'could not apply an alert verdict');
        }
      }
    }
    if (workflowIds === 'all') {
      queued += await this.closeOrphans(rules, new Set(ids));
    }
    if (queued > 0) {
      this.opts.onQueued();
    }
    end();
    return { pairs, changes: changes.length, queued };
  }

  /** Open alerts whose rule was disabled or deleted, or whose workflow is gone, are resolved. */
  private async closeOrphans(rules: StoredRule[], workflows: Set<string>): Promise<number> {
    const enabled = new Set(rules.map((r) => r.id));
    const rows = await listOpenAlerts(this.opts.pool);
    let queued = 0;
    for (const alert of rows.filter((a) => !enabled.has(a.rule_id) || !workflows.has(a.workflow_id))) {
      const why = !enabled.has(alert.rule_id) ? `rule "${alert.rule_id}" was disabled or deleted` : `workflow "${alert.workflow_id}" was deleted`;
      queued += await withTransaction(this.opts.pool, (client) => resolve(client, alert, { actor: 'system', comment: why, now: new Date() }));
      this.resolvedCount.inc({ by: 'system' });
    }
    return queued;
  }

  private async evaluateAll(): Promise<void> {
    if (this.stopped) {
      return;
    }
    try {
      await this.evaluate('all', 'timer');
      await this.sweepSilences();
    } catch (error) {
      this.opts.log.warn({ err: coerceError(error) }, 'timed alert evaluation failed; will try again');
    }
  }

  private async escalationContext(client: PoolClient, alert: AlertRow): Promise<EscalationContext> {
    const { rules, policies } = await this.loadConfig();
    const rule = rules.find((r) => r.id === alert.rule_id);
    const { workflowName } = await alertNames(client, alert);
    return {
      policy: rule ? effectivePolicy(rule, policies) : { tiers: [] },
      ruleName: rule?.name ?? alert.rule_id,
      workflowName,
      flapWindowMs: rule?.flapping.window ?? 30 * 60_000,
    };
  }

  /** Escalation, reminders and acknowledgement timeouts that are due. */
  async tick(): Promise<number> {
    if (this.stopped) {
      return 0;
    }
    let queued = 0;
    try {
      queued = await withTransaction(this.opts.pool, async (client) => {
        let n = 0;
        const now = new Date();
        for (const alert of await claimDueAlerts(client, 200)) {
          n += await advanceEscalation(client, alert, await this.escalationContext(client, alert), now);
        }
        return n;
      });
    } catch (error) {
      this.opts.log.warn({ err: coerceError(error) }, 'escalation tick failed; will try again');
    }
    if (queued > 0) {
      this.opts.onQueued();
    }
    return queued;
  }

  /** Moves open alerts into `suppressed` while a silence matches, and back out when it ends. */
  async sweepSilences(): Promise<void> {
    const now = new Date();
    const silences = await loadLiveSilences(this.opts.pool, now);
    const queued = await withTransaction(this.opts.pool, async (client) => {
      let n = 0;
      for (const alert of await lockOpenAlerts(client)) {
        const silence = silencedBy(silences, { workflowId: alert.workflow_id, labels: alert.labels, severity: alert.severity }, now);
        if (silence && alert.state !== ALERT_STATE.suppressed) {
          await suppress(client, alert, silence);
        } else if (!silence && alert.state === ALERT_STATE.suppressed) {
          n += await unsuppress(client, alert, await this.escalationContext(client, alert), now);
        }
      }
      return n;
    });
    if (queued > 0) {
      this.opts.onQueued();
    }
  }

  /** A person acknowledges, unacknowledges or resolves (API). */
  async act(id: number, action: Transition, opts: { user: string; comment?: string; timeoutMs?: number }): Promise<void> {
    const queued = await withTransaction(this.opts.pool, (client) =>
      transition(client, id, action, { ...opts, now: new Date(), policyOf: (alert) => this.escalationContext(client, alert) })
    );
    if (action === 'resolve') {
      this.resolvedCount.inc({ by: 'user' });
    }
    if (queued > 0) {
      this.opts.onQueued();
    }
  }
}
