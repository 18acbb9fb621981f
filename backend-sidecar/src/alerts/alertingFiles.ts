import fs from 'node:fs/promises';
import path from 'node:path';
import type { Pool } from '../db/pool';
import { AppError, coerceError } from '../errors/errors';
import { channelInputSchema, type ChannelInput } from '../notify/channelSchema';
import { saveChannel } from '../notify/channelStore';
import { interpolateEnv } from '../schema/interpolateEnv';
import { savePolicy } from './policyStore';
import { saveRule } from './ruleStore';
import { escalationPolicyInputSchema, ruleInputSchema, type EscalationPolicyInput, type RuleInput } from './ruleSchema';
import { formatIssues } from '../schema/issues';
import { parseYaml, type FileLoadError } from '../schema/yaml';
import { listYamlFiles } from '../schema/yamlFiles';
import { reportScheduleInputSchema, type ReportScheduleInput } from '../reports/reportScheduleSchema';
import { saveSchedule } from '../reports/reportScheduleStore';

const SECTIONS = ['channels', 'escalationPolicies', 'rules', 'reports'] as const;

export interface Parsed<T> {
  item: T;
  /** The entry as the file wrote it (after `${ENV}` interpolation), before the schema's defaults. */
  raw: unknown;
  file: string;
  path: string;
}

/** What the alerting files hold, each entry validated and placed (file and path); the rest as errors. */
export interface ParsedAlertingFiles {
  channels: Array<Parsed<ChannelInput>>;
  policies: Array<Parsed<EscalationPolicyInput>>;
  rules: Array<Parsed<RuleInput>>;
  reports: Array<Parsed<ReportScheduleInput>>;
  errors: FileLoadError[];
}

/**
 * Reads and validates alerting files without touching a database: `${ENV}` interpolated from `env`,
 * each entry checked against its schema. What only the database can tell (a rule naming a channel
 * that does not exist, MAX_RULES) is left to the save. The CLI's `validate` runs exactly this.
 */
export async function parseAlertingFiles(files: readonly string[], env: NodeJS.ProcessEnv): Promise<ParsedAlertingFiles> {
  const errors: FileLoadError[] = [];
  const channels: Array<Parsed<ChannelInput>> = [];
  const policies: Array<Parsed<EscalationPolicyInput>> = [];
  const rules: Array<Parsed<RuleInput>> = [];
  const reports: Array<Parsed<ReportScheduleInput>> = [];
  for (const file of files) {
    let source: string;
    try {
      source = await fs.readFile(file, 'utf8');
    } catch (error) {
      errors.push({ file, path: '(file)', message: `cannot read: ${(error as Error).message}` });
      continue;
    }
    const { text, missing } = interpolateEnv(source, env);
    if (missing.length > 0) {
      errors.push({ file, path: '(file)', message: `environment variable${missing.length > 1 ? 's' : ''} ${missing.map((m) => `\${${m}}`).join(', ')} not set and no default given` });
      continue;
    }
    const parsed = parseYaml(text, file);
    if ('error' in parsed) {
      errors.push(parsed.error);
      continue;
    }
    const content = (parsed.content ?? {}) as Record<string, unknown>;
    if (typeof content !== 'object' || Array.isArray(content)) {
      errors.push({ file, path: '(root)', message: `must be a mapping with ${SECTIONS.join(', ')}` });
      continue;
    }
    for (const key of Object.keys(content)) {
      if (!(SECTIONS as readonly string[]).includes(key)) {
        // An empty key (`: x`) still gets a path the reader can see.
        errors.push({ file, path: key === '' ? '""' : key, message: `unknown section; allowed: ${SECTIONS.join(', ')}` });
      }
    }
    const collect = <T>(section: (typeof SECTIONS)[number], schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: never[] } } }, into: Array<Parsed<T>>) => {
      const list = content[section];
      if (list === undefined || list === null) {
        return;
      }
      if (!Array.isArray(list)) {
        errors.push({ file, path: section, message: 'must be a list' });
        return;
      }
      list.forEach((raw, i) => {
        const result = schema.safeParse(raw);
        if (result.success) {
          into.push({ item: result.data, raw, file, path: `${section}[${i}]` });
        } else {
          errors.push(...formatIssues(result.error.issues, `${section}[${i}]`).map((e) => ({ file, ...e })));
        }
      });
    };
    collect('channels', channelInputSchema as never, channels);
    collect('escalationPolicies', escalationPolicyInputSchema as never, policies);
    collect('rules', ruleInputSchema as never, rules);
    collect('reports', reportScheduleInputSchema as never, reports);
  }
  return { channels, policies, rules, reports, errors };
}

/**
 * `alerting/*.yaml` next to the workflows: `channels`, `escalationPolicies`, `rules` and `reports` (report schedules) lists,
 * `${ENV}` interpolated (channel secrets come from the environment). Applied in that order so
 * references resolve; entries that came from files and are gone from them are removed. A bad
 * entry is reported with file and path and skipped; the good ones still apply.
 */
export async function syncAlertingFiles(pool: Pool, dir: string, env: NodeJS.ProcessEnv, limits: { maxRules?: number; maxChannels?: number } = {}): Promise<FileLoadError[]> {
  let names: string[] = [];
  try {
    names = await listYamlFiles(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      return [{ file: dir, path: '(directory)', message: `cannot read: ${(error as Error).message}` }];
    }
  }
  const { channels, policies, rules, reports, errors } = await parseAlertingFiles(
    names.map((name) => path.join(dir, name)),
    env
  );
  const apply = async <T extends { id: string }>(entries: Array<Parsed<T>>, table: string, save: (p: Parsed<T>) => Promise<unknown>) => {
    // Entries gone from the files go first, so they no longer count against MAX_RULES / MAX_CHANNELS.
    await pool.query(`DELETE FROM ${table} WHERE source = 'file' AND NOT (id = ANY($1))`, [entries.map((e) => e.item.id)]);
    const applied: string[] = [];
    for (const entry of entries) {
      try {
        await save(entry);
        applied.push(entry.item.id);
      } catch (error) {
        const e = coerceError(error);
        const details = e instanceof AppError && Array.isArray(e.details) ? (e.details as Array<{ path: string; message: string }>) : [{ path: `${entry.path}`, message: e.message }];
        errors.push(...details.map((d) => ({ file: entry.file, path: d.path.startsWith(entry.path) ? d.path : `${entry.path}.${d.path}`, message: d.message })));
      }
    }
    await pool.query(`DELETE FROM ${table} WHERE source = 'file' AND NOT (id = ANY($1))`, [applied]);
  };
  await apply(channels, 'channels', (p) => saveChannel(pool, p.item, { source: 'file', sourceFile: p.file, mode: 'upsert', pathPrefix: p.path, maxCount: limits.maxChannels }));
  await apply(policies, 'escalation_policies', (p) => savePolicy(pool, p.item, { source: 'file', sourceFile: p.file, mode: 'upsert', pathPrefix: `${p.path}.` }));
  await apply(rules, 'alert_rules', (p) => saveRule(pool, p.item, { source: 'file', sourceFile: p.file, mode: 'upsert', pathPrefix: `${p.path}.`, maxCount: limits.maxRules }));
  await apply(reports, 'report_schedules', (p) => saveSchedule(pool, p.item, { source: 'file', sourceFile: p.file, mode: 'upsert', pathPrefix: `${p.path}.` }));
  return errors;
}
