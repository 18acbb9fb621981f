import YAML from 'yaml';

/** A problem with a definition file: which file, where in it, and what is wrong. */
export interface FileLoadError {
  file: string;
  path: string;
  message: string;
}

/**
 * A YAML file's text as plain data, or the first problem with the file and where it is. Both the
 * syntax errors of parseDocument and the alias errors of toJS (an unknown alias, an alias bomb
 * past 100 expansions) are reported, never thrown.
 */
export function parseYaml(text: string, file: string): { content: unknown } | { error: FileLoadError } {
  const document = YAML.parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    const where = first.linePos?.[0] ? `line ${first.linePos[0].line}, column ${first.linePos[0].col}` : '(file)';
    return { error: { file, path: where, message: `invalid YAML: ${first.message.split('\n')[0]}` } };
  }
  try {
    return { content: document.toJS({ maxAliasCount: 100 }) };
  } catch (error) {
    return { error: { file, path: '(file)', message: `invalid YAML: ${(error as Error).message.split('\n')[0]}` } };
  }
}
