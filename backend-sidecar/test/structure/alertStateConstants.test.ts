import fs from 'node:fs';
import path from 'node:path';
import { SEVERITIES } from '../../src/alerts/ruleSchema';
import { ALERT_STATES } from '../../src/model/alertStates';
import { NOTIFICATION_STATES } from '../../src/model/notificationStates';
import { NOTIFICATION_KINDS } from '../../src/notify/notificationMessage';

/**
 * The state constants in src/model/ are what code and SQL spell; the migrations' CHECK constraints
 * are what PostgreSQL accepts. A migration that changes one of these constraints without the
 * constant (or the other way round) fails here, not at the first alert that reaches the new state.
 * (`alert_events.type` is free text: no constraint to compare.)
 */
const MIGRATIONS = path.resolve(__dirname, '../../migrations');

/** `table.column` → the values of the last `CHECK (column IN (…))` the migrations, in order, define. */
function lastCheckLists(sources: Array<{ file: string; sql: string }>): Map<string, { values: string[]; file: string }> {
  const checks = new Map<string, { values: string[]; file: string }>();
  for (const { file, sql } of sources) {
    const code = sql
      .replace(/\$(\w*)\$[\s\S]*?\$\1\$/g, '') // function bodies
      .replace(/--[^\n]*/g, '')
      .replace(/\/\*[\s\S]*?\*\//g, '');
    for (const statement of code.split(';')) {
      const table = /^\s*(?:CREATE\s+TABLE(?:\s+IF\s+NOT\s+EXISTS)?|ALTER\s+TABLE(?:\s+IF\s+EXISTS)?(?:\s+ONLY)?)\s+"?(\w+)"?/i.exec(statement)?.[1];
      if (!table) {
        continue;
      }
      // A dropped default-named constraint (`alerts_state_check`) no longer limits its column.
      for (const m of statement.matchAll(/DROP\s+CONSTRAINT\s+(?:IF\s+EXISTS\s+)?"?(\w+)_check"?/gi)) {
        const column = m[1]!.startsWith(`${table}_`) ? m[1]!.slice(table.length + 1) : undefined;
        if (column) {
          checks.delete(`${table}.${column}`);
        }
      }
      for (const m of statement.matchAll(/CHECK\s*\(\s*"?(\w+)"?\s+IN\s*\(([^)]*)\)\s*\)/gi)) {
        const values = [...m[2]!.matchAll(/'((?:[^']|'')*)'/g)].map((v) => v[1]!.replace(/''/g, "'"));
        checks.set(`${table}.${m[1]}`, { values, file });
      }
    }
  }
  return checks;
}

const migrations = fs.readdirSync(MIGRATIONS).filter((f) => /^\d+_.*\.sql$/.test(f)).sort()
  .map((file) => ({ file, sql: fs.readFileSync(path.join(MIGRATIONS, file), 'utf8') }));
const checks = lastCheckLists(migrations);
const sorted = (values: readonly string[]) => [...values].sort();

describe('state constants agree with the migrations', () => {
  it.each([
    ['alerts.state', ALERT_STATES],
    ['notifications.state', NOTIFICATION_STATES],
    ['notifications.kind', NOTIFICATION_KINDS],
    ['alerts.severity', SEVERITIES],
    ['alert_rules.severity', SEVERITIES],
  ] as const)('the last CHECK on %s lists exactly the constant', (column, constant) => {
    const check = checks.get(column);
    expect(check).toBeDefined();
    expect({ column, values: sorted(check!.values) }).toEqual({ column, values: sorted(constant) });
  });

  it('reads the CHECK constraints from CREATE TABLE and lets a later ALTER TABLE replace them', () => {
    expect(checks.get('alerts.state')?.file).toBe('0010_alerting.sql');
    const replaced = lastCheckLists([
      { file: '1.sql', sql: "CREATE TABLE t (id int, state text NOT NULL CHECK (state IN ('a', 'b')));" },
      { file: '2.sql', sql: "-- CHECK (state IN ('z'))\nALTER TABLE t DROP CONSTRAINT t_state_check, ADD CONSTRAINT t_state_check CHECK (state IN ('a', 'b', 'c'));" },
    ]);
    expect(replaced.get('t.state')).toEqual({ values: ['a', 'b', 'c'], file: '2.sql' });
    const dropped = lastCheckLists([
      { file: '1.sql', sql: "CREATE TABLE t (state text CHECK (state IN ('a')));" },
      { file: '2.sql', sql: 'ALTER TABLE t DROP CONSTRAINT IF EXISTS t_state_check;' },
    ]);
    expect(dropped.has('t.state')).toBe(false);
  });
});
