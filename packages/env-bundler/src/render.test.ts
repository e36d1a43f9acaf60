// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is what phpdotenv substitutes; these strings test it literally
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { isReletanError } from '@reletan/core';
import { makeTempDir } from '@reletan/core/testing';
import dotenv from 'dotenv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { trickyValue, unicodeValue } from '../test/arbitraries.js';
import { phpDotenvParse } from '../test/phpdotenv-oracle.js';
import { encodeDotenvValue } from './dotenv-write.js';
import { EB_ENVIRONMENT_NAMESPACE, formatProblems, renderEnv } from './render.js';

/** Renders values as dotenv and reads the file back with dotenv and the real phpdotenv. */
async function roundTrip(values: Record<string, string>) {
  const { content } = renderEnv(values, { format: 'dotenv', stage: 'prod' });
  const [php] = await phpDotenvParse([content]);
  return { content, dotenv: dotenv.parse(content), php };
}

function caught(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

const GOLDEN: Record<string, string> = {
  PLAIN: 'shop',
  EMPTY: '',
  URL: 'https://shop.example/path?a=1&b=2',
  HASH_INSIDE: 'abc#def',
  HASH_FIRST: '#hashtag',
  HASH_SPACED: 'value # not a comment',
  DOLLAR: 'price $5',
  DOLLAR_VAR: '$HOME/bin',
  DOLLAR_BRACES: 'literal ${HOME} stays',
  EQUALS: 'a=b=c',
  EQUALS_QUOTE: 'x="y"',
  SPACES: '  padded both sides  ',
  SINGLE_QUOTE: "it's here",
  DOUBLE_QUOTE: 'say "hi"',
  BACKSLASHES: 'C:\\path\\new\\table',
  TRAILING_BACKSLASH: 'ends with \\',
  BACKSLASH_N: 'not a newline: \\n',
  NEWLINES: 'line one\nline two\n',
  CRLF: 'windows\r\nline',
  TAB: 'a\tb',
  QUOTE_AND_NEWLINE: "it's\ntwo lines",
  JSON_ONE_LINE: '{"type":"service_account","key":"a\\nb"}',
  PEM: '-----BEGIN KEY-----\nMIIB+abc/def==\n-----END KEY-----',
  UNICODE: 'héllo 日本 😀',
  NBSP_EDGES: '\u00a0x\u00a0',
  BACKTICKS: '`whoami`',
  EXPORT_WORD: 'export',
};

describe('writing a .env that dotenv and phpdotenv read back exactly', () => {
  it('round-trips values with #, $, =, spaces, quotes, backslashes and newlines through both parsers', async () => {
    const result = await roundTrip(GOLDEN);
    expect(result.dotenv).toEqual(GOLDEN);
    expect(result.php).toEqual({ ok: true, values: Object.entries(GOLDEN) });
  });

  it('chooses the quoting per value: bare when nothing is special, quotes only when needed', () => {
    const quoting = (value: string) => {
      const encoded = encodeDotenvValue('K', value);
      return 'problem' in encoded ? 'refused' : encoded.quoting;
    };
    expect(quoting('shop')).toBe('none');
    expect(quoting('')).toBe('none');
    expect(quoting('a b')).toBe('single');
    expect(quoting('${HOME}')).toBe('single');
    expect(quoting('C:\\new')).toBe('none');
    expect(quoting('C:\\my files')).toBe('single');
    expect(quoting("it's")).toBe('double');
    expect(quoting('two\nlines')).toBe('double');
    expect(quoting('C:\\dir\\')).toBe('none');
    expect(quoting('ends with \\')).toBe('single');
    expect(quoting("it's \\")).toBe('refused');
  });

  it('writes a header comment and one line per key, in the given order', () => {
    const { content } = renderEnv({ B: '2', A: 'x y' }, { stage: 'prod' });
    expect(content).toBe(
      "# Built by reletan env build for stage prod. Do not edit or commit: rebuild it.\nB=2\nA='x y'\n",
    );
  });

  it.each([
    ['a double quote and a line break', 'KEY_A', 'say "hi"\nbye'],
    ['both quote kinds and a space', 'KEY_B', `it's "quoted"`],
    ['a single quote and a backslash', 'KEY_C', "it's C:\\dir"],
    ['a line break and a ${NAME} reference', 'KEY_D', 'a\n${HOME}'],
    ['a NUL character', 'KEY_E', 'a\0b'],
  ])('refuses a value with %s, naming the key and never the value', (_name, key, value) => {
    const error = caught(() => renderEnv({ OK: 'fine', [key]: value }));
    expect(isReletanError(error) && error.code).toBe('ENV_VALUE_UNWRITABLE');
    const text = JSON.stringify({
      error,
      message: (error as Error).message,
      details: (error as { details: unknown }).details,
    });
    expect(text).toContain(key);
    expect(text).not.toContain(value);
    for (const line of value.split('\n')) if (line.length > 3) expect(text).not.toContain(line);
  });

  it('keeps dotenv from reading past a single-quoted value that ends in a backslash', async () => {
    const values = { A: 'dir \\', B: '# not a comment', C: "x' # y" };
    const result = await roundTrip(values);
    expect(result.content).toContain(`A='dir \\'\n# ''`);
    expect(result.dotenv).toEqual(values);
    expect(result.php).toEqual({ ok: true, values: Object.entries(values) });
  });

  it('says why a value with =" and no second double quote is refused (phpdotenv reads a multi-line start)', () => {
    for (const value of ['a="b', '--opt="x y', 'a="b\\"c']) {
      const encoded = encodeDotenvValue('A', value);
      expect(encoded).toEqual({
        problem: expect.stringMatching(
          /^the value has =" and no second double quote, which phpdotenv takes for the start of a multi-line value even inside single quotes \(so it cannot be single-quoted\) and a double quote( and a backslash)? \(so it cannot be double-quoted\)/,
        ),
      });
    }
    // With a second double quote, phpdotenv reads the line as one: single quotes work.
    expect(encodeDotenvValue('A', 'a="b"')).toMatchObject({ quoting: 'single' });
    expect(encodeDotenvValue('A', 'k="v" w="')).toMatchObject({ quoting: 'single' });
  });

  it('names every refused key at once', () => {
    const error = caught(() => renderEnv({ A: 'x"\n', B: 'fine', C: "'\\" }));
    expect((error as { details: string[] }).details.map((line) => line.split(':')[0])).toEqual(['A', 'C']);
  });

  describe('on generated values (batched: one php process per 60 values)', () => {
    const refusalIsJustified = (value: string) =>
      (/["\\\0]/.test(value) || /\$\{[a-zA-Z0-9_.]+\}/.test(value)) &&
      (/['\n\r\0]/.test(value) || value.includes('="'));

    for (const [name, arbitrary, runs] of [
      ['tricky characters', trickyValue, 40],
      ['any Unicode', unicodeValue, 25],
    ] as const) {
      it(`every value written reads back exactly in dotenv and phpdotenv (${name})`, async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(arbitrary, { minLength: 60, maxLength: 60 }), async (values) => {
            const writable: Record<string, string> = {};
            values.forEach((value, index) => {
              const encoded = encodeDotenvValue(`K${index}`, value);
              if ('problem' in encoded)
                expect({ value, refused: refusalIsJustified(value) }).toEqual({ value, refused: true });
              else writable[`K${index}`] = value;
            });
            const result = await roundTrip(writable);
            expect(result.dotenv).toEqual(writable);
            expect(result.php).toEqual({ ok: true, values: Object.entries(writable) });
          }),
          { numRuns: runs },
        );
      }, 60_000);
    }
  });
});

describe('the other formats', () => {
  const values = { APP_NAME: 'shop', QUOTED: `it's "x"`, MULTI: 'a\nb', DOLLAR: '$HOME `id` \\' };

  it('json: one object holding the values', () => {
    expect(JSON.parse(renderEnv(values, { format: 'json' }).content)).toEqual(values);
  });

  it('shell: export lines that sh sources back to the exact values', async () => {
    const dir = await makeTempDir('reletan-shell-');
    try {
      const file = path.join(dir.path, 'env.sh');
      writeFileSync(file, renderEnv(values, { format: 'shell', stage: 'prod' }).content);
      const dump = `process.stdout.write(JSON.stringify(Object.fromEntries(${JSON.stringify(Object.keys(values))}.map((k) => [k, process.env[k]]))))`;
      const result = spawnSync(
        'sh',
        ['-c', '. "$1" && exec "$2" -e "$3"', 'sh', file, process.execPath, dump],
        {
          encoding: 'utf8',
          env: { PATH: process.env.PATH },
        },
      );
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual(values);
    } finally {
      await dir.cleanup();
    }
  });

  it('eb: option settings in the environment namespace', () => {
    expect(JSON.parse(renderEnv({ A: '1', B: 'two' }, { format: 'eb' }).content)).toEqual([
      { Namespace: EB_ENVIRONMENT_NAMESPACE, OptionName: 'A', Value: '1' },
      { Namespace: EB_ENVIRONMENT_NAMESPACE, OptionName: 'B', Value: 'two' },
    ]);
  });

  it('eb: accepts exactly 4096 bytes of key=value strings and refuses one byte more', () => {
    // 16 properties of KEY_xx=<value>: 7 + 249 bytes = 256 each, 4096 in all.
    const full = Object.fromEntries(
      Array.from({ length: 16 }, (_, index) => [`KEY_${String(index).padStart(2, '0')}`, 'v'.repeat(249)]),
    );
    expect(() => renderEnv(full, { format: 'eb' })).not.toThrow();
    const over = { ...full, KEY_00: 'é'.repeat(125) }; // 250 bytes in 125 characters
    const error = caught(() => renderEnv(over, { format: 'eb' }));
    expect(isReletanError(error) && error.code).toBe('ENV_EB_TOO_LARGE');
    expect((error as Error).message).toContain('4097 bytes');
    expect((error as { details: string[] }).details[0]).toContain('KEY_00 (257 bytes)');
    expect(JSON.stringify(error) + (error as Error).message).not.toContain('vvvv');
  });

  it('eb: refuses a value over 256 characters, naming the key', () => {
    const error = caught(() => renderEnv({ LONG: 'x'.repeat(257) }, { format: 'eb' }));
    expect(isReletanError(error) && error.code).toBe('ENV_VALUE_UNWRITABLE');
    expect((error as Error).message).toMatch(/^LONG: .*257 characters/);
  });

  it('eb: warns (by key) about characters Elastic Beanstalk does not document', () => {
    expect(renderEnv({ OK: 'a b:/c', ODD: 'a#b' }, { format: 'eb' }).warnings).toEqual([
      expect.stringMatching(/^ODD: /),
    ]);
  });

  it.each(['json', 'shell', 'eb'] as const)('%s: refuses a NUL character, naming the key', (format) => {
    const error = caught(() => renderEnv({ BAD: 'a\0b' }, { format }));
    expect(isReletanError(error) && error.code).toBe('ENV_VALUE_UNWRITABLE');
    expect((error as Error).message).toMatch(/^BAD: /);
  });
});

describe('what a format cannot hold, as problems (env check)', () => {
  const provenance = (keys: string[]) =>
    Object.fromEntries(
      keys.map((key, index) => [
        key,
        {
          key,
          secret: true,
          source: {
            layer: '.env.secret',
            kind: 'secret-file' as const,
            secret: true,
            file: '.env.secret',
            line: index + 1,
          },
          overrode: [],
        },
      ]),
    );

  it('finds what renderEnv would refuse, at the line that set each value, without throwing', () => {
    const values = { A: 'plain', JSON_DOC: '{\n  "user": "it\'s me"\n}', N: 'a\0b' };
    const problems = formatProblems(values, provenance(Object.keys(values)), 'dotenv');
    expect(problems.map((problem) => [problem.code, problem.key, problem.file, problem.line])).toEqual([
      ['ENV_VALUE_UNWRITABLE', 'JSON_DOC', '.env.secret', 2],
      ['ENV_VALUE_UNWRITABLE', 'N', '.env.secret', 3],
    ]);
    expect(problems[0]?.message).toMatch(/^JSON_DOC cannot be written to a \.env safely: /);
    // The multi-line JSON document that dotenv cannot hold is fine as json (and as shell).
    expect(
      formatProblems({ A: 'plain', JSON_DOC: values.JSON_DOC }, provenance(['A', 'JSON_DOC']), 'json'),
    ).toEqual([]);
    expect(formatProblems({ JSON_DOC: values.JSON_DOC }, provenance(['JSON_DOC']), 'shell')).toEqual([]);
  });

  it("eb: checks Elastic Beanstalk's 4096-byte total and 128/256-character limits, and warns by key", () => {
    const big = Object.fromEntries(
      Array.from({ length: 20 }, (_, index) => [`BIG_${index}`, 'x'.repeat(240)]),
    );
    const values = { ...big, LONG: 'y'.repeat(257), [`K${'k'.repeat(128)}`]: '1', ODD: 'a;b' };
    const problems = formatProblems(values, provenance(Object.keys(values)), 'eb');
    expect(problems.map((problem) => [problem.severity, problem.code, problem.key])).toEqual([
      ['error', 'ENV_VALUE_UNWRITABLE', 'LONG'],
      ['error', 'ENV_VALUE_UNWRITABLE', `K${'k'.repeat(128)}`],
      ['error', 'ENV_EB_TOO_LARGE', undefined],
      ['warning', 'ENV_EB_VALUE_CHARACTERS', 'ODD'],
    ]);
    expect(problems[0]).toMatchObject({ file: '.env.secret', line: 21 });
    expect(problems[2]?.message).toMatch(
      /^the environment properties take \d+ bytes as key=value strings; Elastic Beanstalk allows 4096 \(largest: /,
    );
    // Exactly what renderEnv refuses.
    expect(() => renderEnv(values, { format: 'eb' })).toThrow(/2 values cannot be written safely as eb/);
    expect(formatProblems(big, provenance(Object.keys(big)), 'eb').map((problem) => problem.code)).toEqual([
      'ENV_EB_TOO_LARGE',
    ]);
  });
});
