import dotenv from 'dotenv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { envFile } from '../test/arbitraries.js';
import { entriesToObject, parseDotenv, scanDotenv } from './dotenv-parse.js';

describe('reading a .env file as dotenv does', () => {
  it.each([
    ['plain', 'A=1', { A: '1' }],
    ['export prefix', 'export A=1', { A: '1' }],
    ['spaces around =', 'A = 1 ', { A: '1' }],
    ['inline comment after an unquoted value', 'A=1 # one', { A: '1' }],
    ['# inside double quotes', 'A="a # b"', { A: 'a # b' }],
    ['# inside single quotes', "A='a # b'", { A: 'a # b' }],
    ['\\n expanded in double quotes', 'A="a\\nb"', { A: 'a\nb' }],
    ['\\n kept in single quotes', "A='a\\nb'", { A: 'a\\nb' }],
    ['a multiline double-quoted value', 'A="line 1\nline 2"\nB=2', { A: 'line 1\nline 2', B: '2' }],
    ['backticks', 'A=`it\'s "x"`', { A: 'it\'s "x"' }],
    ['an empty value', 'A=', { A: '' }],
    ['CRLF line ends', 'A=1\r\nB=2\r\n', { A: '1', B: '2' }],
    ['the last of two definitions', 'A=1\nA=2', { A: '2' }],
    ['colon syntax', 'A: 1', { A: '1' }],
  ])('%s', (_name, text, expected) => {
    expect(entriesToObject(scanDotenv(text).entries)).toEqual(expected);
    expect(dotenv.parse(text)).toEqual(expected);
  });

  it('gives each entry the line of its key, after multiline values and blank lines', () => {
    const { entries } = scanDotenv('# header\n\nA=1\nB="x\ny\nz"\n\n  export C=3\n');
    expect(entries.map(({ key, line }) => [key, line])).toEqual([
      ['A', 3],
      ['B', 4],
      ['C', 8],
    ]);
  });

  it('keeps every definition of a duplicated key, with its line', () => {
    const { entries } = scanDotenv('A=1\nB=2\nA=3\n');
    expect(entries.filter((entry) => entry.key === 'A').map((entry) => entry.line)).toEqual([1, 3]);
  });

  it("keeps an entry's trailing comment (the example file's `# optional`)", () => {
    const { entries } = scanDotenv('A= # optional\nB=x\nC="" # Optional: may be empty\n');
    expect(entries.map((entry) => entry.comment)).toEqual([
      '# optional',
      undefined,
      '# Optional: may be empty',
    ]);
  });

  it('gives an entry only the comment on the line its value ends on, never a later comment line', () => {
    const { entries } = scanDotenv(
      'A=\n# optional\nB=\n\n# Optional: mail settings\nC=""\n  # optional\nD="x\ny" # optional\n',
    );
    expect(entries.map((entry) => [entry.key, entry.comment])).toEqual([
      ['A', undefined],
      ['B', undefined],
      ['C', undefined],
      ['D', '# optional'],
    ]);
  });

  it('lists the lines dotenv silently skips', () => {
    expect(scanDotenv('A=1\nthis is not an entry\n# comment\n\n=value\nB=2\n').ignoredLines).toEqual([2, 5]);
  });

  it('matches dotenv.parse on generated files, values and keys alike', () => {
    fc.assert(
      fc.property(envFile, (text) => {
        expect(entriesToObject(scanDotenv(text).entries)).toEqual(dotenv.parse(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('points every entry at a line that holds its key', () => {
    fc.assert(
      fc.property(envFile, (text) => {
        const lines = text.replace(/\r\n?/g, '\n').split('\n');
        for (const entry of scanDotenv(text).entries) {
          expect(lines[entry.line - 1]).toContain(entry.key);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('never reports a line holding an entry as ignored', () => {
    fc.assert(
      fc.property(envFile, (text) => {
        const { entries, ignoredLines } = scanDotenv(text);
        for (const entry of entries) expect(ignoredLines).not.toContain(entry.line);
      }),
      { numRuns: 1000 },
    );
  });

  it('parseDotenv returns the same reading after checking it against dotenv', () => {
    const text = 'A=1\nB="two"\n';
    expect(parseDotenv(text, '.env.visible')).toEqual(scanDotenv(text));
  });
});
