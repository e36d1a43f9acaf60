// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is what phpdotenv substitutes; these strings test it literally
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { envFile } from '../test/arbitraries.js';
import { phpDotenvParse, requirePhpDotenv } from '../test/phpdotenv-oracle.js';
import { dependsOnEnvironment, parsePhpDotenv } from './phpdotenv-parse.js';

const values = (content: string) => {
  const result = parsePhpDotenv(content);
  return result.ok ? Object.fromEntries(result.values) : result.error;
};

describe("phpdotenv's rules (what Laravel reads)", () => {
  it.each([
    ['single quotes are literal', "A='$x \\n \"'", { A: '$x \\n "' }],
    [
      'double quotes unescape \\" \\\\ \\$ and expand \\n',
      'A="q\\" b\\\\ d\\$ n\\n"',
      { A: 'q" b\\ d$ n\n' },
    ],
    ['${NAME} is substituted from earlier entries', 'A=1\nB="x${A}y"\nC=${A}', { A: '1', B: 'x1y', C: '1' }],
    ['an unknown ${NAME} is kept', 'B="${NOPE}"', { B: '${NOPE}' }],
    ['a multiline double-quoted value', 'A="one\ntwo"\nB=2', { A: 'one\ntwo', B: '2' }],
    ['a bare name is null', 'A', { A: null }],
    ['an inline comment', 'A=1 # one', { A: '1' }],
  ])('%s', (_name, content, expected) => {
    expect(values(content)).toEqual(expected);
  });

  it.each([
    ['a space in an unquoted value', 'A=a b', /unexpected whitespace/],
    ['an unknown escape in double quotes', 'A="\\q"', /unexpected escape sequence/],
    ['a missing closing quote', "A='abc", /missing closing quote/],
    ['an invalid name', 'A-B=1', /invalid name/],
  ])('refuses %s, as Laravel would fail to boot', (_name, content, error) => {
    expect(values(content)).toMatch(error);
  });

  it('swallows the following lines after a single-quoted value holding one ="', () => {
    // Lines::process starts a multiline value at any ="; this is why every written line is checked.
    expect(values("A='x=\"y'\nB=2\n")).toEqual({});
  });

  it('marks where ${NAME} would be substituted, so writers can avoid it', () => {
    const entry = (content: string) => {
      const result = parsePhpDotenv(content);
      if (!result.ok || !result.entries[0]?.value) throw new Error('expected one entry');
      return result.entries[0].value;
    };
    expect(dependsOnEnvironment(entry('A="${HOME}"'))).toBe(true);
    expect(dependsOnEnvironment(entry('A="$HOME"'))).toBe(false);
    expect(dependsOnEnvironment(entry("A='${HOME}'"))).toBe(false);
    expect(dependsOnEnvironment(entry('A="\\${HOME}"'))).toBe(false);
  });

  it('fails (never skips) saying how to install php and phpdotenv when either is missing', () => {
    const saved = { PATH: process.env.PATH, PHPDOTENV_AUTOLOAD: process.env.PHPDOTENV_AUTOLOAD };
    try {
      process.env.PHPDOTENV_AUTOLOAD = '/nonexistent/vendor/autoload.php';
      expect(() => requirePhpDotenv()).toThrow(/apt-get install php-cli php-vlucas-phpdotenv/);
      process.env.PATH = '/nonexistent';
      expect(() => requirePhpDotenv()).toThrow(
        /php is not installed.*apt-get install php-cli php-vlucas-phpdotenv/,
      );
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('equals the real phpdotenv on generated files (batches of 40 per php process)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(envFile, { minLength: 40, maxLength: 40 }), async (files) => {
        const real = await phpDotenvParse(files);
        files.forEach((content, index) => {
          const ours = parsePhpDotenv(content);
          const theirs = real[index];
          expect({ content, ok: ours.ok }).toEqual({ content, ok: theirs?.ok });
          if (ours.ok && theirs?.ok) expect([...ours.values]).toEqual(theirs.values);
        });
      }),
      { numRuns: 30 },
    );
  }, 60_000);
});
