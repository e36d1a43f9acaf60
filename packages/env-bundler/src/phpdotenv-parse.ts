/*
 * How vlucas/phpdotenv 5 (what Laravel uses) reads a .env file, as a pure function: Dotenv\Parser\Lines
 * (joining multiline double-quoted values), Dotenv\Parser\EntryParser (names, and a state machine over
 * Dotenv\Parser\Lexer's tokens for values) and Dotenv\Loader\Resolver (`${NAME}` substitution).
 * reletan uses it to check every line it writes before writing it; the tests hold it equal to the real
 * phpdotenv (php-vlucas-phpdotenv 5.4) on generated files.
 */

/** One parsed entry: the name, and the value (null for a bare `NAME`) with where `$` appeared unescaped. */
export interface PhpDotenvEntry {
  name: string;
  value: { chars: string; vars: number[] } | null;
}

export type PhpDotenvResult =
  | { ok: true; entries: PhpDotenvEntry[]; values: Map<string, string | null> }
  | { ok: false; error: string };

// PHP's trim() default set, and ctype_space's (which adds \f).
const PHP_TRIM = ' \t\n\r\0\x0B';
const CTYPE_SPACE = ' \t\n\r\x0B\f';

function phpTrim(text: string, left = true, right = true): string {
  let start = 0;
  let end = text.length;
  while (left && start < end && PHP_TRIM.includes(text.charAt(start))) start++;
  while (right && end > start && PHP_TRIM.includes(text.charAt(end - 1))) end--;
  return text.slice(start, end);
}

function isCtypeSpace(text: string): boolean {
  return text.length > 0 && [...text].every((char) => CTYPE_SPACE.includes(char));
}

function looksLikeMultilineStop(line: string, started: boolean): boolean {
  if (line === '"') return true;
  const text = line.replaceAll('\\\\', '');
  let quotes = 0;
  for (let index = 0; index + 1 < text.length; index++) {
    if (text[index] !== '\\' && text[index + 1] === '"') quotes++;
  }
  return started ? quotes > 1 : quotes >= 1;
}

/** Lines::looksLikeMultilineStart: phpdotenv joins the lines after this one into its value. */
export function looksLikeMultilineStart(line: string): boolean {
  return line.includes('="') && !looksLikeMultilineStop(line, true);
}

function isCommentOrWhitespace(line: string): boolean {
  const trimmed = phpTrim(line);
  return trimmed === '' || trimmed.startsWith('#');
}

/** Lines::process: raw entries, with multiline double-quoted values joined by "\n". */
function rawEntries(content: string): string[] {
  const output: string[] = [];
  let multiline = false;
  let buffer: string[] = [];
  for (let line of content.split(/\r\n|\n|\r/)) {
    const started = looksLikeMultilineStart(line);
    if (started) multiline = true;
    if (multiline) {
      buffer.push(line);
      if (looksLikeMultilineStop(line, started)) {
        multiline = false;
        line = buffer.join('\n');
        buffer = [];
      }
    }
    if (!multiline && !isCommentOrWhitespace(line)) output.push(line);
  }
  return output;
}

// Lexer::PATTERNS, with PCRE's ASCII-only \s spelled out (JS's \s would also match Unicode spaces).
const TOKEN = /[\r\n]+|[ \t\v\f]+|\\|'|"|#|\$|[^ \t\n\r\v\f\\'"#$]+/gy;

const State = {
  Initial: 0,
  Unquoted: 1,
  SingleQuoted: 2,
  DoubleQuoted: 3,
  Escape: 4,
  Whitespace: 5,
  Comment: 6,
} as const;
type State = (typeof State)[keyof typeof State];

const ESCAPES: Record<string, string> = { f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

type Step = [chars: string, isVar: boolean, next: State] | string;

function step(state: State, token: string): Step {
  switch (state) {
    case State.Initial:
      if (token === "'") return ['', false, State.SingleQuoted];
      if (token === '"') return ['', false, State.DoubleQuoted];
      if (token === '#') return ['', false, State.Comment];
      return [token, token === '$', State.Unquoted];
    case State.Unquoted:
      if (token === '#') return ['', false, State.Comment];
      if (isCtypeSpace(token)) return ['', false, State.Whitespace];
      return [token, token === '$', State.Unquoted];
    case State.SingleQuoted:
      return token === "'" ? ['', false, State.Whitespace] : [token, false, State.SingleQuoted];
    case State.DoubleQuoted:
      if (token === '"') return ['', false, State.Whitespace];
      if (token === '\\') return ['', false, State.Escape];
      return [token, token === '$', State.DoubleQuoted];
    case State.Escape: {
      if (token === '"' || token === '\\' || token === '$') return [token, false, State.DoubleQuoted];
      const escaped = ESCAPES[token.charAt(0)];
      return escaped === undefined
        ? 'an unexpected escape sequence'
        : [escaped + token.slice(1), false, State.DoubleQuoted];
    }
    case State.Whitespace:
      if (token === '#') return ['', false, State.Comment];
      return isCtypeSpace(token) ? ['', false, State.Whitespace] : 'unexpected whitespace';
    case State.Comment:
      return ['', false, State.Comment];
  }
}

function errorMessage(cause: string, subject: string): string {
  return `Encountered ${cause} at [${subject.split('\n')[0]}].`;
}

function parseValue(value: string): { chars: string; vars: number[] } | string {
  if (phpTrim(value) === '') return { chars: '', vars: [] };
  let chars = '';
  const vars: number[] = [];
  let state: State = State.Initial;
  for (const [token] of value.matchAll(TOKEN)) {
    const result = step(state, token);
    if (typeof result === 'string') return errorMessage(result, value);
    const [append, isVar, next] = result;
    if (isVar) vars.push([...chars].length);
    chars += append;
    state = next;
  }
  if (state === State.SingleQuoted || state === State.DoubleQuoted || state === State.Escape) {
    return errorMessage('a missing closing quote', value);
  }
  return { chars, vars };
}

function parseName(raw: string): string | { error: string } {
  let name = raw;
  const points = [...name];
  if (points.length > 8 && name.startsWith('export') && isCtypeSpace(points[6] ?? '')) {
    name = phpTrim(name.slice(6), true, false);
  }
  const named = [...name];
  if (named.length >= 3) {
    const first = named[0];
    const last = named[named.length - 1];
    if ((first === '"' && last === '"') || (first === "'" && last === "'"))
      name = named.slice(1, -1).join('');
  }
  if (!/^[a-zA-Z0-9_.]+$/.test(name)) return { error: errorMessage('an invalid name', name) };
  return name;
}

/** EntryParser::parse for one raw entry. */
function parseEntry(raw: string): PhpDotenvEntry | string {
  const equals = raw.indexOf('=');
  const [rawName, rawValue] =
    equals === -1 ? [raw, null] : [phpTrim(raw.slice(0, equals)), phpTrim(raw.slice(equals + 1))];
  if (rawName === '') return errorMessage('an unexpected equals', raw);
  const name = parseName(rawName);
  if (typeof name !== 'string') return name.error;
  if (rawValue === null) return { name, value: null };
  const value = parseValue(rawValue);
  return typeof value === 'string' ? value : { name, value };
}

/** A `${NAME}` reference, which phpdotenv's Resolver substitutes (also Laravel, from the real environment). */
export const PHP_VARIABLE = /\$\{([a-zA-Z0-9_.]+)\}/;
const PHP_VARIABLE_AT_START = new RegExp(`^${PHP_VARIABLE.source}`);

/**
 * Resolver::resolve: each unescaped `$` followed by `${NAME}` is replaced by NAME's value when the
 * repository has one, from the last occurrence to the first.
 */
export function resolvePhpValue(
  value: { chars: string; vars: number[] },
  lookup: (name: string) => string | null | undefined,
): string {
  let points = [...value.chars];
  for (const index of [...value.vars].sort((a, b) => b - a)) {
    const rest = points.slice(index).join('');
    const match = PHP_VARIABLE_AT_START.exec(rest);
    if (!match) continue;
    const replacement = lookup(match[1] ?? '');
    if (replacement === null || replacement === undefined) continue;
    points = [...points.slice(0, index), ...replacement, ...[...rest].slice([...match[0]].length)];
  }
  return points.join('');
}

/**
 * `Dotenv\Dotenv::parse($content)`: the entries, and the values as phpdotenv returns them (later entries
 * win; `${NAME}` resolved against the entries before it). A syntax error makes the whole file fail, as
 * it makes Laravel fail to boot.
 */
export function parsePhpDotenv(content: string): PhpDotenvResult {
  const entries: PhpDotenvEntry[] = [];
  for (const raw of rawEntries(content)) {
    const entry = parseEntry(raw);
    if (typeof entry === 'string') return { ok: false, error: `Failed to parse dotenv file. ${entry}` };
    entries.push(entry);
  }
  const values = new Map<string, string | null>();
  for (const entry of entries) {
    // A bare NAME clears it: resolving ${NAME} later finds nothing, and NAME keeps its place with null.
    if (entry.value === null) {
      values.set(entry.name, null);
    } else {
      values.set(
        entry.name,
        resolvePhpValue(entry.value, (name) => values.get(name)),
      );
    }
  }
  return { ok: true, entries, values };
}

/**
 * True when phpdotenv would substitute something into this value, so what Laravel reads depends on
 * its environment (Laravel resolves `${NAME}` against real environment variables too).
 */
export function dependsOnEnvironment(value: { chars: string; vars: number[] }): boolean {
  const points = [...value.chars];
  return value.vars.some((index) => PHP_VARIABLE_AT_START.test(points.slice(index).join('')));
}
