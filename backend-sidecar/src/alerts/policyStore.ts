import type { Pool, PoolClient } from '../db/pool';
import { ConflictError, ValidationError } from '../errors/errors';
import { assertApiManaged } from '../model/fileManaged';
import { knownChannelIds } from '../notify/channelStore';
import { formatDuration } from '../schema/duration';
import type { EscalationPolicyInput, Rule } from './ruleSchema';

/** Every statement on `escalation_policies`, the API's shape of a policy, and which policy a rule uses. */
export interface EscalationTier {
  afterMs: number;
  channels: string[];
}

export interface EscalationPolicy {
  id: string;
  name: string;
  tiers: EscalationTier[];
  reminderMs?: number;
  reminderMax?: number;
  source: 'file' | 'api';
  sourceFile?: string;
}

interface PolicyRow {
  id: string;
  name: string;
  tiers: EscalationTier[];
  reminder_ms: number | null;
  reminder_max: number | null;
  source: 'file' | 'api';
  source_file: string | null;
}

function toPolicy(r: PolicyRow): EscalationPolicy {
  return {
    id: r.id,
    name: r.name,
    tiers: r.tiers,
    ...(r.reminder_ms ? { reminderMs: r.reminder_ms } : {}),
    ...(r.reminder_max ? { reminderMax: r.reminder_max } : {}),
    source: r.source,
    ...(r.source_file ? { sourceFile: r.source_file } : {}),
  };
}

export function policyForApi(p: EscalationPolicy) {
  return {
    id: p.id,
    name: p.name,
    tiers: p.tiers.map((t) => ({ after: formatDuration(t.afterMs), channels: t.channels })),
    ...(p.reminderMs ? { reminder: { every: formatDuration(p.reminderMs), ...(p.reminderMax ? { max: p.reminderMax } : {}) } } : {}),
    source: p.source,
    ...(p.sourceFile ? { sourceFile: p.sourceFile } : {}),
  };
}

export async function listPolicies(db: Pool | PoolClient): Promise<EscalationPolicy[]> {
  const { rows } = await db.query<PolicyRow>('SELECT * FROM escalation_policies ORDER BY id');
  return rows.map(toPolicy);
}

export async function getPolicy(db: Pool | PoolClient, id: string): Promise<EscalationPolicy | undefined> {
  const { rows } = await db.query<PolicyRow>('SELECT * FROM escalation_policies WHERE id = $1', [id]);
  return rows[0] ? toPolicy(rows[0]) : undefined;
}

export async function savePolicy(
  db: Pool | PoolClient,
  input: EscalationPolicyInput,
  opts: { source: 'file' | 'api'; sourceFile?: string; mode: 'create' | 'upsert'; pathPrefix?: string }
): Promise<{ created: boolean }> {
  const { rows } = await db.query<{ source: string; source_file: string | null }>('SELECT source, source_file FROM escalation_policies WHERE id = $1', [input.id]);
  const existing = rows[0];
  if (existing && opts.mode === 'create') {
    throw new ConflictError(`escalation policy "${input.id}" already exists`, undefined, 'exists');
  }
  if (existing && opts.source === 'api') {
    assertApiManaged('escalation policy', input.id, { source: existing.source, sourceFile: existing.source_file });
  }
  const channelIds = [...new Set(input.tiers.flatMap((t) => t.channels))];
  const knownIds = await knownChannelIds(db, channelIds);
  const details: Array<{ path: string; message: string }> = [];
  input.tiers.forEach((t, i) => t.channels.forEach((c, j) => {
    if (!knownIds.has(c)) {
      details.push({ path: `${opts.pathPrefix ?? ''}tiers[${i}].channels[${j}]`, message: `channel "${c}" does not exist` });
    }
  }));
  if (details.length > 0) {
    throw new ValidationError(`${details[0]!.path}: ${details[0]!.message}`, details);
  }
  await db.query(
    `INSERT INTO escalation_policies (id, name, tiers, reminder_ms, reminder_max, source, source_file) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (id) DO UPDATE SET name = $2, tiers = $3, reminder_ms = $4, reminder_max = $5, source = $6, source_file = $7, updated_at = now()`,
    [
      input.id, input.name, JSON.stringify(input.tiers.map((t) => ({ afterMs: t.after, channels: t.channels }))),
      input.reminder?.every ?? null, input.reminder?.max ?? null, opts.source, opts.sourceFile ?? null,
    ]
  );
  return { created: !existing };
}

/**
 * The tiers an alert of this rule escalates through: its policy; else its own channels, all at
 * once; else the policy called `default` when there is one; else nobody is notified.
 */
export function effectivePolicy(rule: Pick<Rule, 'escalationPolicy' | 'channels'>, policies: Map<string, EscalationPolicy>): Pick<EscalationPolicy, 'tiers' | 'reminderMs' | 'reminderMax'> {
  if (rule.escalationPolicy && policies.has(rule.escalationPolicy)) {
    return policies.get(rule.escalationPolicy)!;
  }
  if (rule.channels.length > 0) {
    return { tiers: [{ afterMs: 0, channels: rule.channels }] };
  }
  return policies.get('default') ?? { tiers: [] };
}
