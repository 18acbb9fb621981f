import YAML, { isAlias, isMap, isScalar, isSeq, LineCounter, type Document, type Node, type Pair } from 'yaml';
import { ENV_REFERENCE } from '../schema/interpolateEnv';

/** 1-based line and column in a file, as editors and CI annotations count them. */
export interface SourcePosition {
  line: number;
  column: number;
}

/**
 * Where a problem the loaders report (`steps[0].request.url`, `rules[2].condition.window`) sits in
 * the file's text. The loaders validate plain data, which has no positions; this maps their paths
 * back onto the YAML syntax tree afterwards, so they stay the one validation the sidecar runs.
 *
 * The text is parsed with every `${NAME}` reference masked by as many `x` characters: the loaders
 * substitute the environment before parsing, which moves columns, while a same-length plain scalar
 * keeps every offset and the structure around it.
 */
export class YamlPositions {
  private readonly lines = new LineCounter();
  private readonly document: Document.Parsed;

  constructor(private readonly text: string) {
    const masked = text.replace(ENV_REFERENCE, (reference: string) => 'x'.repeat(reference.length));
    this.document = YAML.parseDocument(masked, { lineCounter: this.lines });
  }

  /**
   * The position of `path` (as formatIssues writes it), or of its deepest part the file holds (a
   * missing field points at the mapping that lacks it). A YAML syntax error's own position wins.
   */
  of(path: string, message = ''): SourcePosition {
    const syntax = this.document.errors[0];
    if (syntax) {
      return this.at(syntax.pos[0]);
    }
    const missingEnv = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}?/.exec(message);
    if (path === '(file)' && missingEnv) {
      const at = this.text.search(new RegExp(`\\$\\{${missingEnv[1]}[:}]`));
      if (at >= 0) {
        return this.at(at);
      }
    }
    let node: unknown = this.document.contents;
    let offset = rangeStart(node) ?? 0;
    let rest = path === '(root)' || path === '(file)' ? '' : path;
    while (rest.length > 0 && node) {
      const step = this.descend(node, rest, /^unknown /i.test(message));
      if (!step) {
        break;
      }
      ({ node, rest } = step);
      offset = step.offset ?? offset;
    }
    if (rest.length === 0) {
      const key = /^Unrecognized keys?: "([^"]*)"/.exec(message);
      const pair = key && isMap(node) ? node.items.find((item) => keyText(item) === key[1]) : undefined;
      if (pair) {
        offset = rangeStart(pair.key) ?? offset;
      }
    }
    return this.at(offset);
  }

  /** One step down `rest`: a `[n]` index into a sequence, or the longest key of a mapping it starts with (keys may hold dots). */
  private descend(parent: unknown, rest: string, keyIsTheProblem: boolean): { node: unknown; rest: string; offset: number | undefined } | undefined {
    const node = isAlias(parent) ? parent.resolve(this.document) : parent;
    const index = /^\[(\d+)\]/.exec(rest);
    if (index) {
      const item = isSeq(node) ? node.items[Number(index[1])] : undefined;
      return item === undefined ? undefined : { node: item, rest: trimDot(rest.slice(index[0].length)), offset: rangeStart(item) };
    }
    if (!isMap(node)) {
      return undefined;
    }
    let best: Pair | undefined;
    for (const pair of node.items) {
      const key = keyText(pair);
      const written = key === '' ? '""' : key;
      if (written !== undefined && rest.startsWith(written) && /^($|[.[])/.test(rest.slice(written.length)) && written.length > (keyText(best) ?? '').length) {
        best = pair;
      }
    }
    if (!best) {
      return undefined;
    }
    const written = keyText(best) === '' ? '""' : keyText(best)!;
    const remaining = trimDot(rest.slice(written.length));
    // The value when the file gives one; an empty value (`url:`), or a key that is itself the
    // problem ("unknown section"), points at the key.
    const offset = (remaining === '' && keyIsTheProblem ? undefined : rangeStart(best.value)) ?? rangeStart(best.key);
    return { node: best.value, rest: remaining, offset };
  }

  private at(offset: number): SourcePosition {
    const { line, col } = this.lines.linePos(offset);
    // LineCounter counts the first line as 0 until it has seen a newline (a one-line file).
    return { line: Math.max(line, 1), column: Math.max(col, 1) };
  }
}

function trimDot(rest: string): string {
  return rest.startsWith('.') ? rest.slice(1) : rest;
}

function keyText(pair: Pair | undefined): string | undefined {
  if (!pair) {
    return undefined;
  }
  const key = pair.key;
  if (isScalar(key)) {
    return String(key.value);
  }
  return typeof key === 'string' || typeof key === 'number' ? String(key) : undefined;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  if (!range) {
    return undefined;
  }
  // An empty value's range is the place it would be, often the end of its line: its key reads better.
  return range[0] === range[1] && isScalar(node) && node.value === null ? undefined : range[0];
}
