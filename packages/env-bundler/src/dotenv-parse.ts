import { ReletanError } from '@reletan/core';
import dotenv from 'dotenv';

/** One `KEY=value` entry of a dotenv file, where it is, and the comment after it. */
export interface DotenvEntry {
  key: string;
  value: string;
  /** 1-based line of the key. */
  line: number;
  /** The `# ...` comment starting on the line the entry's value ends on, if any (`KEY= # optional`). */
  comment?: string;
}

export interface ParsedDotenv {
  /** Every entry in file order, duplicates included (dotenv keeps the last one). */
  entries: DotenvEntry[];
  /** Lines that are neither blank, nor comments, nor part of an entry: dotenv skips them silently. */
  ignoredLines: number[];
}

/*
 * dotenv's grammar (lib/main.js of the `dotenv` package, v17), one entry at a time:
 * optional `export `, a key of word characters, `.` and `-`, then `=` (or `:` and a space), then a value
 * that is single-, double- or backtick-quoted (quotes may span lines) or runs unquoted up to a `#` or the
 * end of the line, then an optional comment. Anything that does not fit is skipped. We scan with the
 * same grammar to know where each entry is, and check the result against `dotenv.parse` itself.
 */
const LEAD = String.raw`^\s*(?:export\s+)?`;
const KEY = String.raw`([\w.-]+)`;
const SEPARATOR = String.raw`(?:\s*=\s*?|:\s+?)`;
const QUOTED = (quote: string) => String.raw`\s*${quote}(?:\\${quote}|[^${quote}])*${quote}`;
const VALUE = `(${QUOTED("'")}|${QUOTED('"')}|${QUOTED('`')}|[^#\\r\\n]+)?`;
const TRAILER = String.raw`\s*(#.*)?$`;
const ENTRY_SOURCE = `${LEAD}${KEY}${SEPARATOR}${VALUE}${TRAILER}`;

/** dotenv's value clean-up: trim, drop one pair of surrounding quotes, expand `\n` and `\r` in double quotes. */
function cleanValue(raw: string): string {
  let value = raw.trim();
  const quote = value[0];
  // Multiline mode matters: dotenv strips a quote pair per "line", and JS counts U+2028/U+2029 as line ends.
  value = value.replace(/^(['"`])([\s\S]*)\1$/gm, '$2');
  if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
  return value;
}

/**
 * Parses dotenv text exactly as the `dotenv` package does, keeping each entry's line. Pure; never
 * throws for bad input (dotenv has no syntax errors, it skips what it cannot read).
 */
export function scanDotenv(text: string): ParsedDotenv {
  const normalized = text.replace(/\r\n?/g, '\n');
  const lineStarts = [0];
  for (let index = normalized.indexOf('\n'); index !== -1; index = normalized.indexOf('\n', index + 1)) {
    lineStarts.push(index + 1);
  }
  const lineOf = (offset: number) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((lineStarts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };

  const entries: DotenvEntry[] = [];
  const covered: [number, number][] = [];
  const pattern = new RegExp(ENTRY_SOURCE, 'gmd');
  for (let match = pattern.exec(normalized); match; match = pattern.exec(normalized)) {
    const key = match[1] ?? '';
    const keyStart = match.indices?.[1]?.[0] ?? match.index;
    const commentStart = match.indices?.[3]?.[0];
    // dotenv's trailing `\s*` also crosses line ends, so the match can end in a comment on a later line
    // (`A=` then `# optional` below it): that comment belongs to no entry.
    const comment =
      commentStart === undefined || /\n\s*$/.test(normalized.slice(match.index, commentStart))
        ? undefined
        : match[3];
    entries.push({
      key,
      value: cleanValue(match[2] ?? ''),
      line: lineOf(keyStart),
      ...(comment === undefined ? {} : { comment }),
    });
    covered.push([match.index, match.index + match[0].length]);
  }

  // A line is ignored when no entry touches it. (JS regexes also end lines at U+2028/U+2029, so dotenv
  // can find an entry in the middle of a physical line; that line is not ignored.)
  const ignoredLines: number[] = [];
  let range = 0;
  lineStarts.forEach((start, index) => {
    const end = (lineStarts[index + 1] ?? normalized.length + 1) - 1;
    const content = normalized.slice(start, end);
    const firstVisible = content.search(/\S/);
    if (firstVisible === -1 || content[firstVisible] === '#') return;
    while (range < covered.length && (covered[range]?.[1] ?? 0) <= start) range++;
    const current = covered[range];
    if (!current || current[0] >= end) ignoredLines.push(index + 1);
  });
  return { entries, ignoredLines };
}

/** Folds entries into an object the way dotenv does (last one wins, plain-object assignment). */
export function entriesToObject(entries: readonly DotenvEntry[]): Record<string, string> {
  const object: Record<string, string> = {};
  for (const entry of entries) object[entry.key] = entry.value;
  return object;
}

/**
 * {@link scanDotenv}, checked against `dotenv.parse` on the same text: if a future dotenv reads the file
 * differently, we stop rather than build from a different reading. The error names keys, never values;
 * with `secret` it names only the file (a "key" read from a secret file may be secret text).
 */
export function parseDotenv(text: string, file: string, options: { secret?: boolean } = {}): ParsedDotenv {
  const parsed = scanDotenv(text);
  const ours = entriesToObject(parsed.entries);
  const theirs = dotenv.parse(text);
  const keys = new Set([...Object.keys(ours), ...Object.keys(theirs)]);
  const differing = [...keys].filter((key) => ours[key] !== theirs[key]);
  if (differing.length > 0) {
    const what = options.secret
      ? `${differing.length} key${differing.length === 1 ? '' : 's'} (names not shown: the file holds secrets)`
      : differing.join(', ');
    throw new ReletanError({
      code: 'ENV_PARSER_MISMATCH',
      message: `${file}: reletan's reading of ${what} differs from the installed dotenv's`,
      input: { file, ...(options.secret ? {} : { key: differing[0] ?? '' }) },
      hint: 'this is a bug in reletan (a dotenv release changed its parser?); report it with the dotenv version',
    });
  }
  return parsed;
}
