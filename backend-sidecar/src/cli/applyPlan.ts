import { ruleInputSchema, type RuleInput } from '../alerts/ruleSchema';
import { workflowDefinitionSchema, type WorkflowDefinition } from '../model/workflowDefinition';
import type { LocalDefinition } from './applyFiles';
import type { RemoteRule, RemoteWorkflow } from './sidecarClient';

export type PlanAction = 'create' | 'update' | 'delete' | 'unchanged';
export type DefinitionKind = 'workflow' | 'rule';

export interface PlanEntry {
  kind: DefinitionKind;
  id: string;
  action: PlanAction;
  /** What is sent for create and update: the definition as the file wrote it. */
  body?: unknown;
  /** The file it comes from (absent for deletions). */
  file?: string;
}

export interface ApplyPlan {
  entries: PlanEntry[];
  /** Ids in the files that the sidecar holds as file-defined: apply may not take them over. */
  conflicts: string[];
  /** API-defined ones on the sidecar that are not in the files, left alone without --prune. */
  notInFiles: Array<{ kind: DefinitionKind; id: string }>;
}

/** JSON with object keys sorted, so two definitions compare by content, not by key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v
  );
}

/**
 * A rule as the API returns it, reduced to the fields a rule's input has (the API adds `source`,
 * `version`, timestamps…): what export writes and what apply compares.
 */
export function ruleDefinitionOf(remote: RemoteRule): Record<string, unknown> {
  const fields = new Set(Object.keys(ruleInputSchema.shape));
  return Object.fromEntries(Object.entries(remote).filter(([key]) => fields.has(key)));
}

/**
 * Both sides read through the schema the sidecar validates with, so defaults and units do not count
 * as changes (`every: 60s` is `every: 1m`); anything that changes what the sidecar would run does.
 * A stored definition that no longer parses is always updated.
 */
function sameWorkflow(local: WorkflowDefinition, remote: unknown): boolean {
  const parsed = workflowDefinitionSchema.safeParse(remote);
  return parsed.success && canonicalJson(parsed.data) === canonicalJson(local);
}

function sameRule(local: RuleInput, remote: RemoteRule): boolean {
  const parsed = ruleInputSchema.safeParse(ruleDefinitionOf(remote));
  return parsed.success && canonicalJson(parsed.data) === canonicalJson(local);
}

function planKind<L, R extends { id: string; source: string; sourceFile?: string }>(
  kind: DefinitionKind,
  local: ReadonlyArray<LocalDefinition<L>>,
  remote: readonly R[],
  same: (local: L, remote: R) => boolean,
  prune: boolean,
  plan: ApplyPlan
): void {
  const remoteById = new Map(remote.map((r) => [r.id, r]));
  for (const definition of local) {
    const existing = remoteById.get(definition.id);
    if (existing?.source === 'file') {
      plan.conflicts.push(`${kind} "${definition.id}" (${definition.file}) is defined in ${existing.sourceFile ?? 'a file'} on the sidecar; apply manages API-defined ones only`);
      continue;
    }
    const action: PlanAction = !existing ? 'create' : same(definition.parsed, existing) ? 'unchanged' : 'update';
    plan.entries.push({ kind, id: definition.id, action, file: definition.file, ...(action === 'unchanged' ? {} : { body: definition.raw }) });
  }
  const localIds = new Set(local.map((d) => d.id));
  // Only API-defined ones: file-defined belong to their files, predefined rules to the sidecar.
  for (const extra of remote.filter((r) => r.source === 'api' && !localIds.has(r.id))) {
    if (prune) {
      plan.entries.push({ kind, id: extra.id, action: 'delete' });
    } else {
      plan.notInFiles.push({ kind, id: extra.id });
    }
  }
}

/** What apply would do: create, update or leave each definition of the files, and delete API-defined ones gone from them under --prune. */
export function planApply(
  local: { workflows: ReadonlyArray<LocalDefinition<WorkflowDefinition>>; rules: ReadonlyArray<LocalDefinition<RuleInput>> },
  remote: { workflows: readonly RemoteWorkflow[]; rules: readonly RemoteRule[] },
  opts: { prune: boolean }
): ApplyPlan {
  const plan: ApplyPlan = { entries: [], conflicts: [], notInFiles: [] };
  planKind('workflow', local.workflows, remote.workflows, (l, r) => sameWorkflow(l, r.definition), opts.prune, plan);
  planKind('rule', local.rules, remote.rules, sameRule, opts.prune, plan);
  return plan;
}
