/** fast-check generators for .env files and values, biased towards the characters parsers disagree on. */
import fc from 'fast-check';

/** The characters that matter to dotenv and phpdotenv, plus ordinary and non-ASCII ones. */
export const TRICKY_CHARS = [
  '#',
  '$',
  '{',
  '}',
  '=',
  ' ',
  ' ',
  '\t',
  "'",
  '"',
  '`',
  '\\',
  '\n',
  '\r',
  'n',
  'r',
  't',
  'a',
  'B',
  '0',
  '_',
  '.',
  ':',
  '-',
  '/',
  '@',
  '!',
  '(',
  ')',
  'é',
  '日',
  '😀',
  '\u00a0',
  '\u2028',
  '\u2029',
  '\v',
  '\f',
  '\ufeff',
  'x',
  'export',
];

/** A value made of tricky characters (any string, in practice, that a secret or URL might be). */
export const trickyValue = fc.string({ unit: fc.constantFrom(...TRICKY_CHARS), maxLength: 24 });

/** Any Unicode string without NUL (which no environment variable can hold). */
export const unicodeValue = fc
  .string({ unit: 'binary', maxLength: 24 })
  .map((value) => value.replaceAll('\0', ''));

export const validKey = fc
  .tuple(
    fc.constantFrom('A', 'B', 'DB', 'APP', '_', 'x', 'mail'),
    fc.string({ unit: fc.constantFrom('A', 'B', '_', '1', 'z'), maxLength: 6 }),
  )
  .map(([head, tail]) => head + tail);

/**
 * Keys dotenv accepts but we may not: dots, dashes, leading digits. Never a canonical integer such as
 * "1": PHP turns those array keys into integers, which the oracle could not report by name.
 */
const looseKey = fc.oneof(
  validKey,
  fc
    .string({ unit: fc.constantFrom('A', 'b', '.', '-', '_', '1'), minLength: 1, maxLength: 6 })
    .filter((key) => !/^(0|-?[1-9][0-9]*)$/.test(key)),
);

const rawValue = fc.oneof(
  trickyValue,
  trickyValue.map((value) => `'${value}'`),
  trickyValue.map((value) => `"${value}"`),
  trickyValue.map((value) => `\`${value}\``),
  trickyValue.map((value) => `"${value}`),
);

/** One line (or, through quotes, several) of a plausible, often broken, .env file. */
export const envLine = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({
        indent: fc.constantFrom('', ' ', '\t'),
        exported: fc.constantFrom('', 'export ', 'export  '),
        key: looseKey,
        separator: fc.constantFrom('=', ' = ', '= ', ': ', ':'),
        value: rawValue,
        comment: fc.constantFrom('', ' # note', '# optional', ' #'),
      })
      .map(
        ({ indent, exported, key, separator, value, comment }) =>
          `${indent}${exported}${key}${separator}${value}${comment}`,
      ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', '# a comment', '   ', 'not an entry', 'export', '=value', '"'),
  },
  { weight: 1, arbitrary: trickyValue },
);

/** A whole file: lines joined by LF, CRLF or CR. */
export const envFile = fc
  .tuple(fc.array(envLine, { maxLength: 8 }), fc.constantFrom('\n', '\r\n', '\r'))
  .map(([lines, eol]) => lines.join(eol));
