/**
 * Turns a pasted curl command into a workflow step (method, URL, query, headers, body). Written
 * here because it is this product's own mapping: the shell quoting it reads is the small subset
 * people paste (single, double and $'…' quotes, backslash-newline continuations), and an option it
 * does not know is reported, never guessed at.
 */

export interface StepRequestDefinition {
  method: string;
  url: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  json?: unknown;
  body?: string;
  timeout?: string;
}

export interface StepDefinition {
  name: string;
  request: StepRequestDefinition;
}

export type CurlImport = { ok: true; step: StepDefinition } | { ok: false; error: string };

class CurlError extends Error {}

/** Options that change nothing the sidecar does (it follows redirects and decompresses itself) or only curl's own output. */
const IGNORED_FLAGS = new Set([
  '-L', '--location', '--compressed', '-s', '--silent', '-S', '--show-error', '-v', '--verbose', '-i', '--include',
  '-f', '--fail', '--fail-with-body', '-#', '--progress-bar', '--no-progress-meter', '-N', '--no-buffer',
]);
/** Options with a value that only affects curl's own output. */
const IGNORED_WITH_VALUE = new Set(['-o', '--output', '--connect-timeout', '-w', '--write-out']);
/** Short options that take a value (so `-XPOST` and `-sX POST` read right). */
const SHORT_WITH_VALUE = new Set(['X', 'H', 'd', 'u', 'A', 'e', 'b', 'm', 'o', 'w']);

/** Splits a command line the way a POSIX shell would for the quoting people paste. */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const text = command.replace(/\r\n?/g, '\n');
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\') {
      const next = text[i + 1];
      if (next === '\n') {
        i += 2; // line continuation
        continue;
      }
      if (next === undefined) {
        throw new CurlError('the command ends with a lone backslash');
      }
      word += next;
      inWord = true;
      i += 2;
      continue;
    }
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) {
        throw new CurlError('a single quote (\') is not closed');
      }
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
      continue;
    }
    if (c === '$' && text[i + 1] === "'") {
      const { value, next } = ansiCQuoted(text, i + 2);
      word += value;
      inWord = true;
      i = next;
      continue;
    }
    if (c === '"') {
      i += 1;
      let closed = false;
      while (i < text.length) {
        const d = text[i]!;
        if (d === '"') {
          closed = true;
          i += 1;
          break;
        }
        if (d === '\\' && i + 1 < text.length) {
          const next = text[i + 1]!;
          if (next === '\n') {
            i += 2;
            continue;
          }
          // Inside double quotes a backslash escapes only these; elsewhere it stays.
          word += '"\\$`'.includes(next) ? next : `\\${next}`;
          i += 2;
          continue;
        }
        word += d;
        i += 1;
      }
      if (!closed) {
        throw new CurlError('a double quote (") is not closed');
      }
      inWord = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) {
        words.push(word);
        word = '';
        inWord = false;
      }
      i += 1;
      continue;
    }
    if ('|;&<>`'.includes(c) || (c === '$' && text[i + 1] === '(')) {
      throw new CurlError(`"${c === '$' ? '$(' : c}" outside quotes is shell syntax (a pipe, redirect, substitution or second command); paste a single curl command and quote URLs that contain &`);
    }
    word += c;
    inWord = true;
    i += 1;
  }
  if (inWord) {
    words.push(word);
  }
  return words;
}

/** `$'…'` (bash's ANSI-C quoting, used by browsers' "Copy as cURL"): the common escapes. */
function ansiCQuoted(text: string, start: number): { value: string; next: number } {
  const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '?': '?', a: '\x07', b: '\b', e: '\x1b', f: '\f', v: '\v' };
  let value = '';
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'") {
      return { value, next: i + 1 };
    }
    if (c === '\\' && i + 1 < text.length) {
      const next = text[i + 1]!;
      const hex = next === 'x' ? /^[0-9a-fA-F]{1,2}/.exec(text.slice(i + 2)) : next === 'u' ? /^[0-9a-fA-F]{1,4}/.exec(text.slice(i + 2)) : null;
      if (hex) {
        value += String.fromCharCode(parseInt(hex[0], 16));
        i += 2 + hex[0].length;
        continue;
      }
      value += escapes[next] ?? `\\${next}`;
      i += 2;
      continue;
    }
    value += c;
    i += 1;
  }
  throw new CurlError("a $'…' quote is not closed");
}

/** Base64 of the UTF-8 bytes (btoa alone takes Latin-1 only). */
function base64Utf8(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary);
}

function headerLine(line: string): [string, string] {
  // `-H 'X-Empty;'` is curl's way to send a header with no value.
  const semicolon = /^([^:;\s]+);$/.exec(line.trim());
  if (semicolon) {
    return [semicolon[1]!, ''];
  }
  const colon = line.indexOf(':');
  const name = colon > 0 ? line.slice(0, colon).trim() : '';
  if (!name || /\s/.test(name)) {
    throw new CurlError(`header "${line}" is not "Name: value"`);
  }
  return [name, line.slice(colon + 1).trim()];
}

/** `--data-urlencode`: `name=value` encodes the value, `=value` and plain `value` the whole. */
function urlencodeData(value: string): string {
  if (value.includes('@') && /^[^=]*@/.test(value)) {
    throw new CurlError(`--data-urlencode "${value}" reads a file, which cannot be imported; paste the content instead`);
  }
  const eq = value.indexOf('=');
  if (eq < 0) {
    return encodeURIComponent(value);
  }
  const name = value.slice(0, eq);
  return `${name ? `${name}=` : ''}${encodeURIComponent(value.slice(eq + 1))}`;
}

/** A query string as a record, or undefined when a name repeats (a record cannot hold that: the URL keeps it). */
function queryRecord(query: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(query)) {
    if (Object.hasOwn(out, name)) {
      return undefined;
    }
    out[name] = value;
  }
  return out;
}

const hasHeader = (headers: Record<string, string>, name: string) => Object.keys(headers).some((h) => h.toLowerCase() === name);
const headerValue = (headers: Record<string, string>, name: string) => Object.entries(headers).find(([h]) => h.toLowerCase() === name)?.[1];

function parseCurl(command: string): StepDefinition {
  const words = shellWords(command.trim().replace(/^\$\s+/, ''));
  if (words.length === 0) {
    throw new CurlError('paste a curl command, e.g. curl -H "Accept: application/json" https://example.com/health');
  }
  if (words[0] !== 'curl') {
    throw new CurlError(`the command must start with curl, not "${words[0]}"`);
  }
  let method: string | undefined;
  const headers: Record<string, string> = {};
  const data: string[] = [];
  let json = false;
  let dataToQuery = false;
  let head = false;
  let timeout: string | undefined;
  const urls: string[] = [];

  const options = words.slice(1);
  let i = 0;
  const valueOf = (option: string): string => {
    const value = options[i + 1];
    if (value === undefined) {
      throw new CurlError(`${option} needs a value`);
    }
    i += 1;
    return value;
  };
  const dataFile = (option: string, value: string) => {
    if (value.startsWith('@')) {
      throw new CurlError(`${option} ${value} reads a file, which cannot be imported; paste the content instead (or use --data-raw)`);
    }
    return value;
  };

  const apply = (option: string, takeValue: () => string): void => {
    switch (option) {
      case '-X':
      case '--request':
        method = takeValue().toUpperCase();
        return;
      case '-H':
      case '--header': {
        const [name, value] = headerLine(takeValue());
        for (const existing of Object.keys(headers)) {
          if (existing.toLowerCase() === name.toLowerCase()) {
            delete headers[existing];
          }
        }
        headers[name] = value;
        return;
      }
      case '-d':
      case '--data':
      case '--data-ascii':
      case '--data-binary':
        data.push(dataFile(option, takeValue()));
        return;
      case '--data-raw':
        data.push(takeValue());
        return;
      case '--data-urlencode':
        data.push(urlencodeData(takeValue()));
        return;
      case '--json':
        data.push(dataFile(option, takeValue()));
        json = true;
        return;
      case '-u':
      case '--user': {
        const credentials = takeValue();
        if (!credentials.includes(':')) {
          throw new CurlError(`-u ${credentials} has no password (curl would prompt for it); give -u user:password`);
        }
        headers.Authorization = `Basic ${base64Utf8(credentials)}`;
        return;
      }
      case '-A':
      case '--user-agent':
        headers['User-Agent'] = takeValue();
        return;
      case '-e':
      case '--referer':
        headers.Referer = takeValue();
        return;
      case '-b':
      case '--cookie': {
        const cookie = takeValue();
        if (!cookie.includes('=')) {
          throw new CurlError(`--cookie ${cookie} reads a cookie file, which cannot be imported; give name=value`);
        }
        headers.Cookie = cookie;
        return;
      }
      case '-m':
      case '--max-time': {
        const seconds = takeValue();
        if (!/^\d+(\.\d+)?$/.test(seconds)) {
          throw new CurlError(`--max-time ${seconds} is not a number of seconds`);
        }
        timeout = `${seconds}s`;
        return;
      }
      case '--url':
        urls.push(takeValue());
        return;
      case '-G':
      case '--get':
        dataToQuery = true;
        return;
      case '-I':
      case '--head':
        head = true;
        return;
      default:
        if (IGNORED_FLAGS.has(option)) {
          return;
        }
        if (IGNORED_WITH_VALUE.has(option)) {
          takeValue();
          return;
        }
        if (option === '-k' || option === '--insecure') {
          throw new CurlError(`${option} cannot be imported: the sidecar always verifies TLS certificates`);
        }
        throw new CurlError(`the curl option ${option} is not supported here; remove it or add the step by hand`);
    }
  };

  let optionsEnded = false;
  for (; i < options.length; i += 1) {
    const word = options[i]!;
    if (optionsEnded || !word.startsWith('-') || word === '-') {
      urls.push(word);
      continue;
    }
    if (word === '--') {
      optionsEnded = true;
      continue;
    }
    if (word.startsWith('--')) {
      apply(word, () => valueOf(word));
      continue;
    }
    // Short options may be grouped (`-sSL`) and take their value attached (`-XPOST`, `-sXPOST`).
    for (let c = 1; c < word.length; c += 1) {
      const flag = `-${word[c]}`;
      if (SHORT_WITH_VALUE.has(word[c]!)) {
        const attached = word.slice(c + 1);
        apply(flag, () => (attached ? attached : valueOf(flag)));
        break;
      }
      apply(flag, () => valueOf(flag));
    }
  }

  if (urls.length === 0) {
    throw new CurlError('the command has no URL');
  }
  if (urls.length > 1) {
    throw new CurlError(`the command has more than one URL (${urls.join(', ')}); import one request at a time`);
  }
  let url = urls[0]!;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (!scheme) {
    url = `http://${url}`; // as curl does
  } else if (!['http', 'https'].includes(scheme[1]!.toLowerCase())) {
    throw new CurlError(`${scheme[1]}:// URLs cannot be monitored; a step calls http:// or https://`);
  }
  try {
    new URL(url.replace(/\{\{\s*[\w.-]+\s*\}\}/g, 'x'));
  } catch {
    throw new CurlError(`"${urls[0]}" is not a valid URL`);
  }
  // Split by hand, not through URL: it would percent-encode `{{token}}` templates.
  const withoutFragment = url.split('#')[0]!;
  const q = withoutFragment.indexOf('?');
  let base = q < 0 ? withoutFragment : withoutFragment.slice(0, q);
  let queryText = q < 0 ? '' : withoutFragment.slice(q + 1);
  if (dataToQuery && data.length > 0) {
    queryText = [queryText, ...data].filter(Boolean).join('&');
  }
  const query = queryText ? queryRecord(queryText) : {};
  if (queryText && !query) {
    base = `${base}?${queryText}`;
  }

  const sendsBody = data.length > 0 && !dataToQuery;
  const finalMethod = method ?? (head ? 'HEAD' : sendsBody ? 'POST' : 'GET');
  const request: StepRequestDefinition = { method: finalMethod, url: base };
  if (json) {
    if (!hasHeader(headers, 'content-type')) {
      headers['Content-Type'] = 'application/json';
    }
    if (!hasHeader(headers, 'accept')) {
      headers.Accept = 'application/json';
    }
  } else if (sendsBody && !hasHeader(headers, 'content-type')) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded'; // what curl sends with -d
  }
  if (Object.keys(headers).length > 0) {
    request.headers = headers;
  }
  if (query && Object.keys(query).length > 0) {
    request.query = query;
  }
  if (sendsBody) {
    const text = data.join(json ? '' : '&');
    const isJsonType = /\bjson\b/i.test(headerValue(headers, 'content-type') ?? '');
    let parsed: unknown;
    let parses = false;
    if (isJsonType) {
      try {
        parsed = JSON.parse(text);
        parses = true;
      } catch {
        parses = false;
      }
    }
    if (parses) {
      request.json = parsed;
    } else {
      request.body = text;
    }
  }
  if (timeout) {
    request.timeout = timeout;
  }
  const path = base.replace(/^[a-z]+:\/\/[^/?#]*/i, '').split('?')[0] || '/';
  return { name: `${finalMethod} ${path}`.slice(0, 200), request };
}

/** The step a curl command describes, or what is wrong with the command. Never throws. */
export function curlToStep(command: string): CurlImport {
  try {
    return { ok: true, step: parseCurl(command) };
  } catch (error) {
    return { ok: false, error: error instanceof CurlError ? error.message : `the command cannot be read: ${String(error)}` };
  }
}
