import { parseDocument, stringify } from 'yaml';

export interface YamlProblem {
  line?: number;
  column?: number;
  message: string;
}

/** A definition as YAML, keys in the order the form and the docs use; long URLs are not folded. */
export function definitionToYaml(definition: Record<string, unknown>): string {
  return stringify(definition, { lineWidth: 0 });
}

/** Parses YAML into a value, or lists what is wrong with line and column numbers. Never throws. */
export function parseYaml(text: string): { ok: true; value: unknown } | { ok: false; problems: YamlProblem[] } {
  try {
    // `merge` reads `<<: *anchor`, as the sidecar's own loader does for workflow files.
    const doc = parseDocument(text, { merge: true, prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      return {
        ok: false,
        problems: doc.errors.map((e) => ({
          line: e.linePos?.[0].line,
          column: e.linePos?.[0].col,
          // prettyErrors appends " at line N, column M:" and a code frame; the numbers are shown separately.
          message: e.message.split(/ at line \d+, column \d+/)[0]!.trim(),
        })),
      };
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) {
      return { ok: false, problems: [{ message: 'The YAML is empty: write a workflow definition (id, name, schedule, steps)' }] };
    }
    return { ok: true, value };
  } catch (error) {
    // toJS refuses alias bombs ("Excessive alias count") and the like.
    return { ok: false, problems: [{ message: error instanceof Error ? error.message : String(error) }] };
  }
}

export function describeProblem(p: YamlProblem): string {
  return p.line !== undefined ? `Line ${p.line}, column ${p.column ?? 1}: ${p.message}` : p.message;
}
