import type { Pool, PoolClient } from '../db/pool';
import { ConflictError, NotFoundError, ValidationError } from '../errors/errors';
import { formatDuration } from '../schema/duration';
import { ensureRoomFor } from '../store/resourceLimits';
import { PREDEFINED_RULES } from './predefinedRules';
import type { Condition, Rule, RuleInput } from './ruleSchema';
import { assertApiManaged } from '../model/fileManaged';
import { knownChannelIds } from '../notify/channelStore';

interface RuleRow {
  id: string;
  name: string;
  description: string | null;
  enabled: boolean;
  severity: Rule['severity'];
  scope: Rule['scope'];
  condition: Condition;
  cooldown_ms: number;
  flapping: Rule['flapping'] | null;
  policy_id: string | null;
  channels: string[];
  predefined: boolean;
  source: Rule['source'];
  source_file: string | null;
  disabled_reason: string | null;
  quorum: Rule['quorum'] | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface StoredRule extends Rule {
  /** Why the sidecar disabled the rule on start (its stored condition fails today's checks). */
  disabledReason?: string;
  createdAt: Date;
  updatedAt: Date;
}

function toRule(r: RuleRow): StoredRule {
  return {
    id: r.id,
    name: r.name,
    ...(r.description ? { description: r.description } : {}),
    enabled: r.enabled,
    severity: r.severity,
    scope: r.scope,
    condition: r.condition,
    cooldown: r.cooldown_ms,
    flapping: r.flapping ?? { window: 30 * 60_000, threshold: 6 },
    ...(r.policy_id ? { escalationPolicy: r.policy_id } : {}),
    channels: r.channels,
    predefined: r.predefined,
    source: r.source,
    ...(r.source_file ? { sourceFile: r.source_file } : {}),
    ...(r.disabled_reason ? { disabledReason: r.disabled_reason } : {}),
    ...(r.quorum ? { quorum: r.quorum } : {}),
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Conditions are stored as parsed (durations in ms); the API shows durations as written units. */
export function conditionForApi(c: Condition): Record<string, unknown> {
  const out: Record<string, unknown> = { ...c };
  for (const key of ['window', 'threshold'] as const) {
    if (typeof out[key] === 'number' && (key === 'window' || c.type === 'duration')) {
      out[key] = formatDuration(out[key] as number);
    }
  }
  if (c.type === 'burn_rate') {
    out.pairs = c.pairs.map((pair) => ({ long: formatDuration(pair.long), short: formatDuration(pair.short), factor: pair.factor }));
  }
  return out;
}

export function ruleForApi(r: StoredRule) {
  return {
    ...r,
    condition: conditionForApi(r.condition),
    cooldown: formatDuration(r.cooldown),
    flapping: { window: formatDuration(r.flapping.window), threshold: r.flapping.threshold },
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export async function listRules(db: Pool | PoolClient, opts: { enabledOnly?: boolean } = {}): Promise<StoredRule[]> {
  const { rows } = await db.query<RuleRow>(`SELECT * FROM alert_rules ${opts.enabledOnly ? 'WHERE enabled' : ''} ORDER BY predefined DESC, id`);
  return rows.map(toRule);
}

export async function getRule(db: Pool | PoolClient, id: string): Promise<StoredRule | undefined> {
  const { rows } = await db.query<RuleRow>('SELECT * FROM alert_rules WHERE id = $1', [id]);
  return rows[0] ? toRule(rows[0]) : undefined;
}

async function checkReferences(db: Pool | PoolClient, input: RuleInput, pathPrefix = ''): Promise<void> {
  const details: Array<{ path: string; message: string }> = [];
  if (input.escalationPolicy) {
    const { rowCount } = await db.query('SELECT 1 FROM escalation_policies WHERE id = $1', [input.escalationPolicy]);
    if (!rowCount) {
      details.push({ path: `${pathPrefix}escalationPolicy`, message: `escalation policy "${input.escalationPolicy}" does not exist` });
    }
  }
  if (input.channels.length > 0) {
    const known = await knownChannelIds(db, input.channels);
    input.channels.forEach((c, i) => {
      if (!known.has(c)) {
        details.push({ path: `${pathPrefix}channels[${i}]`, message: `channel "${c}" does not exist` });
      }
    });
  }
  if (details.length > 0) {
    throw new ValidationError(`${details[0]!.path}: ${details[0]!.message}`, details);
  }
}

export async function saveRule(
  db: Pool | PoolClient,
  input: RuleInput,
  opts: { source: Rule['source']; sourceFile?: string; mode: 'create' | 'upsert'; pathPrefix?: string; /** MAX_RULES */ maxCount?: number }
): Promise<{ created: boolean }> {
  const existing = await getRule(db, input.id);
  if (existing && opts.mode === 'create') {
    throw new ConflictError(`rule "${input.id}" already exists; PUT /api/v1/rules/${input.id} replaces it`, undefined, 'exists');
  }
  if (!existing && opts.maxCount !== undefined) {
    await ensureRoomFor(db, 'rules', input.id, opts.maxCount);
  }
  if (existing && opts.source === 'api') {
    assertApiManaged('rule', input.id, existing);
  }
  await checkReferences(db, input, opts.pathPrefix);
  await db.query(
    `INSERT INTO alert_rules (id, name, description, enabled, severity, scope, condition, cooldown_ms, flapping, policy_id, channels, predefined, source, source_file, quorum)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT (id) DO UPDATE SET name = $2, description = $3, enabled = $4, severity = $5, scope = $6, condition = $7,
       cooldown_ms = $8, flapping = $9, policy_id = $10, channels = $11, quorum = $15, disabled_reason = NULL,
       source = CASE WHEN alert_rules.source = 'builtin' AND $13 = 'api' THEN 'builtin' ELSE $13 END,
       source_file = $14, version = alert_rules.version + 1, updated_at = now()`,
    [
      input.id, input.name, input.description ?? null, input.enabled, input.severity, JSON.stringify(input.scope), JSON.stringify(input.condition),
      input.cooldown, JSON.stringify(input.flapping), input.escalationPolicy ?? null, JSON.stringify(input.channels),
      opts.source === 'builtin', opts.source, opts.sourceFile ?? null, input.quorum ? JSON.stringify(input.quorum) : null,
    ]
  );
  return { created: !existing };
}

export async function deleteRule(db: Pool | PoolClient, id: string): Promise<void> {
  const existing = await getRule(db, id);
  if (!existing) {
    throw new NotFoundError(`rule "${id}" does not exist`);
  }
  assertApiManaged('rule', id, existing);
  if (existing.predefined) {
    throw new ConflictError(`rule "${id}" is predefined; disable it with PUT (enabled: false) instead of deleting it`, undefined, 'predefined');
  }
  await db.query('DELETE FROM alert_rules WHERE id = $1', [id]);
}

/** Disables an enabled rule with the reason the API shows; false when it was not enabled. */
export async function disableRule(db: Pool | PoolClient, id: string, reason: string): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE alert_rules SET enabled = false, disabled_reason = $2, updated_at = now() WHERE id = $1 AND enabled', [id, reason]);
  return Boolean(rowCount);
}

/** Installs the predefined rules that are missing; existing ones (maybe edited) are left alone. */
export async function installPredefinedRules(db: Pool | PoolClient): Promise<number> {
  let installed = 0;
  for (const rule of PREDEFINED_RULES) {
    const { rowCount } = await db.query(
      `INSERT INTO alert_rules (id, name, description, enabled, severity, scope, condition, cooldown_ms, flapping, channels, predefined, source)
       VALUES ($1, $2, $3, true, $4, $5, $6, $7, $8, '[]', true, 'builtin') ON CONFLICT (id) DO NOTHING`,
      [rule.id, rule.name, rule.description ?? null, rule.severity, JSON.stringify(rule.scope), JSON.stringify(rule.condition), rule.cooldown, JSON.stringify(rule.flapping)]
    );
    installed += rowCount ?? 0;
  }
  return installed;
}
