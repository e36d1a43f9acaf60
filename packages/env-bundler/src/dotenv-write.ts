import dotenv from 'dotenv';
import {
  dependsOnEnvironment,
  looksLikeMultilineStart,
  PHP_VARIABLE,
  parsePhpDotenv,
} from './phpdotenv-parse.js';
import { invalidValueProblem } from './values.js';

/** How a value is written in a .env file. */
export type DotenvQuoting = 'none' | 'single' | 'double';

export type EncodedValue =
  | {
      text: string;
      quoting: DotenvQuoting;
      /**
       * The spelling ends in `\'`, which dotenv could read as an escaped quote and run on to the next
       * quote in the file: the line after it must be {@link DOTENV_GUARD_LINE}.
       */
      guard?: true;
    }
  | { problem: string };

/**
 * A comment that stops dotenv from reading a single-quoted value ending in `\` past its line: dotenv's
 * quoted value may only end at a quote followed by the end of the line (or a comment), and the first
 * quote it meets here is followed by another quote. Both parsers ignore the line itself.
 */
export const DOTENV_GUARD_LINE =
  "# '' (the value above ends in a backslash; this line keeps dotenv from reading on)";

// Characters both parsers read literally outside quotes (no space, #, $ or quotes).
const BARE = /^[A-Za-z0-9_\-.,:/@%+=~^!?*&()[\]{}<>|;\\]*$/;

/**
 * The candidate spellings of a value, most readable first. Each is built so that the closing quote ends
 * the entry for dotenv whatever follows (no `\'` or `\"` just before it), and then checked, see below.
 *
 * - bare: only characters neither parser treats specially;
 * - single quotes: both parsers take the text literally; no `'` or line break inside (phpdotenv reads
 *   single quotes on one line only); a trailing `\` needs the guard line after it (dotenv reads `\'` as
 *   an escaped quote);
 * - double quotes: line breaks as `\n` / `\r`, which both expand; no `"` or `\` (dotenv keeps `\"` and
 *   `\\` as typed, phpdotenv unescapes them) and no `${NAME}` (Laravel substitutes it); a lone `$` is
 *   literal to both.
 */
function candidates(value: string): { text: string; quoting: DotenvQuoting; guard?: true }[] {
  const out: { text: string; quoting: DotenvQuoting; guard?: true }[] = [];
  if (BARE.test(value)) out.push({ text: value, quoting: 'none' });
  if (!/['\n\r]/.test(value)) {
    out.push({
      text: `'${value}'`,
      quoting: 'single',
      ...(value.endsWith('\\') ? { guard: true as const } : {}),
    });
  }
  if (!/["\\]/.test(value) && !PHP_VARIABLE.test(value)) {
    out.push({ text: `"${value.replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`, quoting: 'double' });
  }
  return out;
}

/** True when `KEY=text` alone reads back as exactly `value` in dotenv and in phpdotenv. */
export function readsBack(key: string, text: string, value: string): boolean {
  const line = `${key}=${text}\n`;
  const fromDotenv = dotenv.parse(line);
  if (Object.keys(fromDotenv).length !== 1 || fromDotenv[key] !== value) return false;
  const fromPhp = parsePhpDotenv(line);
  if (!fromPhp.ok || fromPhp.entries.length !== 1) return false;
  const [entry] = fromPhp.entries;
  return (
    entry?.name === key &&
    entry.value?.chars === value &&
    !dependsOnEnvironment(entry.value ?? { chars: '', vars: [] })
  );
}

/** Why no candidate works, from the value's traits (never its content). */
function explainUnwritable(value: string): string {
  const traits: string[] = [];
  if (value.includes("'")) traits.push('a single quote');
  if (/[\n\r]/.test(value)) traits.push('a line break');
  else if (!value.includes("'") && looksLikeMultilineStart(`K='${value}'`)) {
    traits.push(
      '=" and no second double quote, which phpdotenv takes for the start of a multi-line value even inside single quotes',
    );
  }
  const noDouble: string[] = [];
  if (value.includes('"')) noDouble.push('a double quote');
  if (value.includes('\\')) noDouble.push('a backslash');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: names the syntax, not a template
  if (PHP_VARIABLE.test(value)) noDouble.push('a ${NAME} reference');
  if (traits.length && noDouble.length) {
    return `the value has ${traits.join(' and ')} (so it cannot be single-quoted) and ${noDouble.join(' and ')} (so it cannot be double-quoted): no spelling reads back the same in dotenv and phpdotenv`;
  }
  return 'no spelling of the value reads back the same in dotenv and phpdotenv';
}

/**
 * The spelling of `value` for `KEY=...` that dotenv and phpdotenv both read back exactly, or why there
 * is none. Every candidate is parsed by both before it is chosen.
 */
export function encodeDotenvValue(key: string, value: string): EncodedValue {
  const invalid = invalidValueProblem(value);
  if (invalid) return { problem: invalid };
  for (const candidate of candidates(value)) {
    if (readsBack(key, candidate.text, value)) return candidate;
  }
  return { problem: explainUnwritable(value) };
}
