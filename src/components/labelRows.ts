/** Key/value rows as a form edits them (rules' scope labels, silences' label matchers). */
export interface LabelRow {
  key: string;
  value: string;
}

export function labelRows(record: Record<string, string> | undefined): LabelRow[] {
  return Object.entries(record ?? {}).map(([key, value]) => ({ key, value }));
}

/** The rows as a record; rows left entirely empty are dropped; a value without a name or a name twice is a problem. */
export function labelRecord(rows: LabelRow[]): { record: Record<string, string> } | { problem: string } {
  const record: Record<string, string> = {};
  for (const row of rows) {
    const key = row.key.trim();
    if (!key && !row.value.trim()) {
      continue;
    }
    if (!key) {
      return { problem: `the value "${row.value}" needs a label name` };
    }
    if (Object.prototype.hasOwnProperty.call(record, key)) {
      return { problem: `label "${key}" is given twice` };
    }
    record[key] = row.value;
  }
  return { record };
}
