import { describe, expect, it } from 'vitest';
import { scanDotenv } from './dotenv-parse.js';
import type { EnvSource } from './layers.js';
import { lintVisibleEntry, looksHighEntropy } from './lint.js';
import type { KeyProvenance, MergedEnv } from './merge.js';
import { checkSchema, schemaFromDotenv } from './schema.js';

function merged(values: Record<string, [value: string, file: string, line: number]>): MergedEnv {
  const provenance = new Map<string, KeyProvenance>();
  for (const [key, [, file, line]] of Object.entries(values)) {
    const source: EnvSource = { layer: file, kind: 'visible', secret: false, file, line };
    provenance.set(key, { key, secret: false, source, overrode: [] });
  }
  return {
    values: new Map(Object.entries(values).map(([key, [value]]) => [key, value])),
    provenance,
    problems: [],
  };
}

const example = (text: string) => schemaFromDotenv(scanDotenv(text), '.env.example');

describe('the example file (.env.example)', () => {
  it('reads keys and the "# optional" mark', () => {
    expect(example('APP_NAME=\nCACHE_PREFIX= # optional\n').schema.keys).toEqual([
      { key: 'APP_NAME', line: 1, optional: false },
      { key: 'CACHE_PREFIX', line: 2, optional: true },
    ]);
  });

  it('takes "# optional" only from the key\'s own line, never from a comment line after it', () => {
    expect(example('A=\n# optional\nB=\n').schema.keys).toEqual([
      { key: 'A', line: 1, optional: false },
      { key: 'B', line: 3, optional: false },
    ]);
  });

  it('keeps a key required when a section header mentioning "optional" follows it', () => {
    const { schema } = example('APP_NAME=\nDB_PASSWORD=\n\n# Optional: mail settings\nMAIL_HOST=\n');
    expect(schema.keys.map(({ key, optional }) => [key, optional])).toEqual([
      ['APP_NAME', false],
      ['DB_PASSWORD', false],
      ['MAIL_HOST', false],
    ]);
    const problems = checkSchema(schema, merged({ APP_NAME: ['shop', '.env.visible', 1] }));
    expect(problems.map((problem) => [problem.code, problem.key])).toEqual([
      ['ENV_SCHEMA_MISSING_KEY', 'DB_PASSWORD'],
      ['ENV_SCHEMA_MISSING_KEY', 'MAIL_HOST'],
    ]);
  });

  it('needs the mark at the start of the comment: "# not optional" keeps a key required', () => {
    expect(
      example(
        'A= # not optional\nB= # required, not optional\nC= #optional\nD= # Optional, may be empty\n',
      ).schema.keys.map(({ key, optional }) => [key, optional]),
    ).toEqual([
      ['A', false],
      ['B', false],
      ['C', true],
      ['D', true],
    ]);
  });

  it('refuses a key required by the example that no layer sets, at the example line', () => {
    const { schema } = example('APP_NAME=\nDB_HOST=\n');
    expect(checkSchema(schema, merged({ APP_NAME: ['shop', '.env.visible', 1] }))).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'ENV_SCHEMA_MISSING_KEY',
        key: 'DB_HOST',
        file: '.env.example',
        line: 2,
      }),
    ]);
  });

  it('refuses an empty value unless the example marks the key optional', () => {
    const { schema } = example('A=\nB= # optional\n');
    const problems = checkSchema(schema, merged({ A: ['', '.env.visible', 3], B: ['', '.env.visible', 4] }));
    expect(problems).toEqual([
      expect.objectContaining({ code: 'ENV_SCHEMA_EMPTY_VALUE', key: 'A', file: '.env.visible', line: 3 }),
    ]);
    expect(problems[0]?.message).toContain('.env.example:1');
  });

  it('refuses an optional key that no layer sets: optional means it may be empty, not absent', () => {
    // Laravel's env('KEY', default) gives the default for an absent key but '' for an empty one.
    const { schema } = example('A=\nSENTRY_DSN= # optional\n');
    expect(checkSchema(schema, merged({ A: ['1', '.env.visible', 1] }))).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'ENV_SCHEMA_MISSING_KEY',
        key: 'SENTRY_DSN',
        file: '.env.example',
        line: 2,
        message: expect.stringContaining('may be empty but must be set'),
      }),
    ]);
    expect(
      checkSchema(schema, merged({ A: ['1', '.env.visible', 1], SENTRY_DSN: ['', '.env.visible', 2] })),
    ).toEqual([]);
  });

  it('warns about keys the example does not list, and refuses them under strict', () => {
    const { schema } = example('A=\n');
    const env = merged({ A: ['1', '.env.visible', 1], EXTRA: ['2', '.env.visible', 2] });
    expect(checkSchema(schema, env)).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'ENV_SCHEMA_EXTRA_KEY', key: 'EXTRA', line: 2 }),
    ]);
    expect(checkSchema(schema, env, { strict: true })).toEqual([
      expect.objectContaining({ severity: 'error', code: 'ENV_SCHEMA_EXTRA_KEY', key: 'EXTRA' }),
    ]);
  });

  it('refuses a line of the example that dotenv would skip: a typo must not drop a requirement', () => {
    const read = example('APP_NAME=\nDB HOST=\nDB_PORT=\n');
    expect(read.schema.keys.map((entry) => entry.key)).toEqual(['APP_NAME', 'DB_PORT']);
    expect(read.problems).toEqual([
      expect.objectContaining({ severity: 'error', code: 'ENV_LINE_IGNORED', file: '.env.example', line: 2 }),
    ]);
  });

  it('refuses duplicate and invalid keys in the example itself', () => {
    expect(example('A=\nA=\nb-c=\n').problems.map((problem) => [problem.code, problem.line])).toEqual([
      ['ENV_DUPLICATE_KEY', 2],
      ['ENV_INVALID_KEY', 3],
    ]);
  });
});

describe('secret-looking values in committed files', () => {
  const lint = (key: string, value: string) =>
    lintVisibleEntry({
      key,
      value,
      source: { layer: '.env.visible', kind: 'visible', secret: false, file: '.env.visible', line: 7 },
    });

  it.each([
    ['DB_PASSWORD', 'hunter2'],
    ['CLIENT_SECRET', 'abc'],
    ['GITHUB_TOKEN', 'abc'],
    ['STRIPE_KEY', 'abc'],
    ['APP_NAME', 'aB3xK9pQ2mZ7vL4nR8tY1wE6'],
    ['DATABASE_URL', 'mysql://app:hunter2@db.internal/shop'],
  ])('warns about %s, at its file and line, without the value', (key, value) => {
    const [problem] = lint(key, value);
    expect(problem).toMatchObject({
      severity: 'warning',
      code: 'ENV_LOOKS_SECRET',
      key,
      file: '.env.visible',
      line: 7,
    });
    expect(problem?.message).not.toContain(value);
  });

  it.each([
    ['APP_NAME', 'shop'],
    ['APP_URL', 'https://shop.example/path/to/somewhere'],
    ['DB_PASSWORD', ''],
    ['KEYBOARD_LAYOUT', 'us'],
    ['MAIL_FROM', 'no-reply@shop.example'],
    ['SENTRY_RELEASE', 'shop-backend-2024-06-01'],
  ])('does not warn about %s', (key, value) => {
    expect(lint(key, value)).toEqual([]);
  });

  it('tells random strings from words', () => {
    expect(looksHighEntropy('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08')).toBe(true);
    expect(looksHighEntropy('base64:Yk3pX9qL2vN8rT5wZ1mC7hJ4sD6fG0aB')).toBe(true);
    expect(looksHighEntropy('the_quick_brown_fox_jumps_over')).toBe(false);
    expect(looksHighEntropy('ThisIsATitleCaseSentence2024')).toBe(false);
  });
});
