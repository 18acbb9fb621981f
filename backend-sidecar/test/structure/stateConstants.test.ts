import fs from 'node:fs';
import path from 'node:path';
import { EXECUTION_STATUS, EXECUTION_TRIGGER, STEP_STATUS } from '../../src/model/execution';
import { RUN_KIND, RUN_STATE } from '../../src/model/runState';

const MIGRATIONS = path.resolve(__dirname, '../../migrations');

/**
 * `table.column` → the values its CHECK (column IN (...)) allows, as the LAST migration to define it
 * says. A CHECK belongs to the nearest CREATE TABLE / ALTER TABLE before it (column constraints in a
 * table body, or `ALTER TABLE t ADD CONSTRAINT c CHECK (...)` in a later migration).
 */
function checkedValues(): Map<string, string[]> {
  const checks = new Map<string, string[]>();
  const files = fs.readdirSync(MIGRATIONS).filter((name) => /^\d{4}_.*\.sql$/.test(name)).sort();
  for (const name of files) {
    const sql = fs.readFileSync(path.join(MIGRATIONS, name), 'utf8').replace(/--[^\n]*/g, '');
    const tables = [...sql.matchAll(/\b(?:CREATE|ALTER)\s+TABLE\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?(?:ONLY\s+)?([a-z_][a-z0-9_]*)/gi)];
    for (const check of sql.matchAll(/\bCHECK\s*\(\s*([a-z_][a-z0-9_]*)\s+IN\s*\(([^)]*)\)\s*\)/gi)) {
      const table = tables.filter((t) => t.index! < check.index!).at(-1)?.[1];
      if (table) {
        const values = [...check[2]!.matchAll(/'([^']*)'/g)].map((v) => v[1]!);
        checks.set(`${table.toLowerCase()}.${check[1]!.toLowerCase()}`, values);
      }
    }
  }
  return checks;
}

const CONSTANTS: Record<string, Readonly<Record<string, string>>> = {
  'scheduled_runs.state': RUN_STATE,
  'scheduled_runs.kind': RUN_KIND,
  'executions.status': EXECUTION_STATUS,
  'executions.trigger': EXECUTION_TRIGGER,
  'execution_steps.status': STEP_STATUS,
};

describe('state constants match the database', () => {
  const checks = checkedValues();

  it.each(Object.entries(CONSTANTS))('%s: the last CHECK constraint lists exactly the constant values', (column, constant) => {
    expect(checks.get(column)?.slice().sort()).toEqual(Object.values(constant).slice().sort());
  });

  it('are frozen and spell each value as its key', () => {
    for (const constant of Object.values(CONSTANTS)) {
      expect(Object.isFrozen(constant)).toBe(true);
      for (const [key, value] of Object.entries(constant)) {
        expect(value).toBe(key);
      }
    }
  });
});
