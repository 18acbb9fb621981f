import type { Pool, PoolClient } from '../db/pool';
import { ConflictError, NotFoundError, ValidationError } from '../errors/errors';
import { ensureRoomFor } from '../store/resourceLimits';
import { checkChannelConfig, SECRET_FIELDS, type Channel, type ChannelInput, type ChannelType } from './channelSchema';
import { assertApiManaged } from '../model/fileManaged';

interface ChannelRow {
  id: string;
  name: string;
  type: ChannelType;
  config: Record<string, unknown>;
  secret_keys: string[];
  enabled: boolean;
  source: 'file' | 'api';
  source_file: string | null;
  created_at: Date;
  updated_at: Date;
}

/** The API view: public settings and the names of the secrets that are set, never their values. */
export interface ChannelView {
  id: string;
  name: string;
  type: ChannelType;
  enabled: boolean;
  config: Record<string, unknown>;
  secretsConfigured: string[];
  source: 'file' | 'api';
  sourceFile?: string;
  createdAt: string;
  updatedAt: string;
}

const VIEW_COLUMNS = `id, name, type, config, ARRAY(SELECT jsonb_object_keys(secrets)) AS secret_keys, enabled, source, source_file, created_at, updated_at`;

function toView(row: ChannelRow): ChannelView {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    enabled: row.enabled,
    config: row.config,
    secretsConfigured: row.secret_keys.sort(),
    source: row.source,
    ...(row.source_file ? { sourceFile: row.source_file } : {}),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Which of these channel ids exist (and, with `enabledOnly`, are enabled). */
export async function knownChannelIds(db: Pool | PoolClient, ids: string[], opts: { enabledOnly?: boolean } = {}): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM channels WHERE id = ANY($1)${opts.enabledOnly ? ' AND enabled' : ''}`, [ids]);
  return new Set(rows.map((r) => r.id));
}

export async function listChannels(db: Pool | PoolClient): Promise<ChannelView[]> {
  const { rows } = await db.query<ChannelRow>(`SELECT ${VIEW_COLUMNS} FROM channels ORDER BY id`);
  return rows.map(toView);
}

export async function getChannelView(db: Pool | PoolClient, id: string): Promise<ChannelView> {
  const { rows } = await db.query<ChannelRow>(`SELECT ${VIEW_COLUMNS} FROM channels WHERE id = $1`, [id]);
  if (!rows[0]) {
    throw new NotFoundError(`channel "${id}" does not exist`);
  }
  return toView(rows[0]);
}

/** With secrets: for delivery and the test button only. */
export async function getChannelForDelivery(db: Pool | PoolClient, id: string): Promise<Channel | undefined> {
  const { rows } = await db.query<{ id: string; name: string; type: ChannelType; enabled: boolean; config: Record<string, unknown>; secrets: Record<string, unknown> }>(
    'SELECT id, name, type, enabled, config, secrets FROM channels WHERE id = $1',
    [id]
  );
  const row = rows[0];
  return row ? { id: row.id, name: row.name, type: row.type, enabled: row.enabled, config: { ...row.config, ...row.secrets } } : undefined;
}

/**
 * Creates or replaces a channel. Secrets not resent are kept (an edit need not repeat the
 * password); a change of type starts from no secrets.
 */
export async function saveChannel(
  db: Pool | PoolClient,
  input: ChannelInput,
  opts: { source: 'file' | 'api'; sourceFile?: string; mode: 'create' | 'replace' | 'upsert'; pathPrefix?: string; /** MAX_CHANNELS */ maxCount?: number }
): Promise<{ created: boolean }> {
  const { rows: existing } = await db.query<{ type: ChannelType; secrets: Record<string, unknown>; source: string; source_file: string | null }>(
    'SELECT type, secrets, source, source_file FROM channels WHERE id = $1',
    [input.id]
  );
  const current = existing[0];
  if (current && opts.mode === 'create') {
    throw new ConflictError(`channel "${input.id}" already exists; PUT /api/v1/channels/${input.id} replaces it`, undefined, 'exists');
  }
  if (current && opts.source === 'api') {
    assertApiManaged('channel', input.id, { source: current.source, sourceFile: current.source_file });
  }
  if (!current && opts.maxCount !== undefined) {
    await ensureRoomFor(db, 'channels', input.id, opts.maxCount);
  }
  const stored = current && current.type === input.type ? current.secrets : {};
  const check = checkChannelConfig(input.type, input.config, stored);
  if (!check.ok) {
    const details = check.errors.map((e) => ({ ...e, path: opts.pathPrefix ? `${opts.pathPrefix}.${e.path}` : e.path }));
    throw new ValidationError(`invalid ${input.type} channel: ${details[0]!.path}: ${details[0]!.message}`, details);
  }
  await db.query(
    `INSERT INTO channels (id, name, type, config, secrets, enabled, source, source_file)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (id) DO UPDATE SET name = $2, type = $3, config = $4, secrets = $5, enabled = $6, source = $7, source_file = $8, updated_at = now()`,
    [input.id, input.name, input.type, JSON.stringify(check.publicConfig), JSON.stringify(check.secrets), input.enabled, opts.source, opts.sourceFile ?? null]
  );
  return { created: !current };
}

export async function deleteChannel(db: Pool | PoolClient, id: string): Promise<void> {
  const { rows } = await db.query<{ source: string; source_file: string | null }>('SELECT source, source_file FROM channels WHERE id = $1', [id]);
  if (!rows[0]) {
    throw new NotFoundError(`channel "${id}" does not exist`);
  }
  assertApiManaged('channel', id, { source: rows[0].source, sourceFile: rows[0].source_file });
  await db.query('DELETE FROM channels WHERE id = $1', [id]);
}

/** Secret field names per type, for the OpenAPI description and the plugin's forms. */
export const SECRET_FIELD_NAMES = SECRET_FIELDS;
