import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLogger, errorToJson, formatError, isReletanError, type Logger } from '@reletan/core';
import { makeTempDir, type TempDir } from '@reletan/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diffEnv } from './diff.js';
import { explainKey } from './explain.js';
import { describeSource } from './layers.js';
import { buildEnv, type ResolveEnvOptions, resolveEnv } from './resolve.js';
import type { SsmReader } from './ssm.js';
import { writeEnvFile } from './write.js';

/** A quiet logger that hands registered secrets and progress lines to the test. */
function recordingLogger(record: {
  secret?: (value: string) => void;
  progress?: (message: string) => void;
}): Logger {
  const quiet = createLogger({ stdout: { write: () => true }, stderr: { write: () => true }, env: {} });
  return {
    ...quiet,
    secret: (value) => record.secret?.(value),
    progress: (message) => record.progress?.(message),
  };
}

let dir: TempDir;
beforeEach(async () => {
  dir = await makeTempDir('reletan-env-');
});
afterEach(async () => {
  await dir.cleanup();
});

async function files(entries: Record<string, string>) {
  for (const [name, content] of Object.entries(entries)) {
    await mkdir(path.dirname(path.join(dir.path, name)), { recursive: true });
    await writeFile(path.join(dir.path, name), content);
  }
}

const config = (stages: Record<string, unknown>) => ({ 'reletan.config.json': JSON.stringify({ stages }) });

const SECRETS = {
  fileSecret: 'file-s3cr3t-value',
  stageFileSecret: 'stage-file-s3cr3t',
  envSecret: 'env-s3cr3t-p@ss',
  ssmSecret: 'ssm-decrypted-t0ken',
};

const ssmReader: SsmReader = async (where) => [{ name: `${where}/API_TOKEN`, value: SECRETS.ssmSecret }];

const EXAMPLE = 'APP_NAME=\nAPP_URL=\nDB_PASSWORD=\nMAIL_PASSWORD=\nAPI_TOKEN=\nSTRIPE_SECRET=\n';

/** A project using every kind of layer. */
async function fullProject() {
  await files({
    ...config({
      prod: { env: { secretEnv: { DB_PASSWORD: 'PROD_DB_PASSWORD' }, ssmPath: '/shop/prod' } },
      dev: {},
    }),
    '.env.example': EXAMPLE,
    '.env.visible': '# shared\nAPP_NAME=shop\nAPP_URL=http://localhost\n',
    '.env.prod.visible': 'APP_URL=https://shop.example\n',
    '.env.dev.visible': 'APP_URL=http://dev.shop.example\n',
    '.env.secret': `MAIL_PASSWORD=${SECRETS.fileSecret}\nSTRIPE_SECRET=old\n`,
    '.env.prod.secret': `STRIPE_SECRET=${SECRETS.stageFileSecret}\n`,
  });
}

const prodOptions = (extra: Partial<ResolveEnvOptions> = {}): ResolveEnvOptions => ({
  stage: 'prod',
  cwd: dir.path,
  sources: { env: { PROD_DB_PASSWORD: SECRETS.envSecret }, ssm: ssmReader, ...extra.sources },
  ...extra,
});

describe('layer order', () => {
  it('merges visible files, secret files, secretEnv, SSM and computed values, recording each source', async () => {
    await fullProject();
    await files({ '.env.example': `${EXAMPLE}CACHE_PREFIX=\n` });
    const built = await buildEnv(
      prodOptions({
        sources: {
          env: { PROD_DB_PASSWORD: SECRETS.envSecret },
          ssm: ssmReader,
          computed: [{ name: 'cache-coordinator', values: { CACHE_PREFIX: 'shop:v1.4.0:' } }],
        },
      }),
    );
    expect(built.values).toEqual({
      APP_NAME: 'shop',
      APP_URL: 'https://shop.example',
      DB_PASSWORD: SECRETS.envSecret,
      MAIL_PASSWORD: SECRETS.fileSecret,
      API_TOKEN: SECRETS.ssmSecret,
      STRIPE_SECRET: SECRETS.stageFileSecret,
      CACHE_PREFIX: 'shop:v1.4.0:',
    });
    const source = (key: string) => {
      const record = built.provenance[key];
      return record ? describeSource(record.source) : undefined;
    };
    expect(source('APP_NAME')).toBe('.env.visible:2');
    expect(source('APP_URL')).toBe('.env.prod.visible:1');
    expect(built.provenance.APP_URL?.overrode.map(describeSource)).toEqual(['.env.visible:3']);
    expect(source('MAIL_PASSWORD')).toBe('.env.secret:1');
    expect(source('STRIPE_SECRET')).toBe('.env.prod.secret:1');
    expect(built.provenance.STRIPE_SECRET?.overrode.map(describeSource)).toEqual(['.env.secret:2']);
    expect(source('DB_PASSWORD')).toBe('env PROD_DB_PASSWORD');
    expect(source('API_TOKEN')).toBe('ssm /shop/prod/API_TOKEN');
    expect(source('CACHE_PREFIX')).toBe('computed by reletan (cache-coordinator)');
    expect(
      Object.values(built.provenance)
        .filter((record) => record.secret)
        .map((record) => record.key)
        .sort(),
    ).toEqual(['API_TOKEN', 'DB_PASSWORD', 'MAIL_PASSWORD', 'STRIPE_SECRET']);
    expect(built.layers.map((layer) => [layer.name, layer.status, layer.keys])).toEqual([
      ['.env.visible', 'read', 2],
      ['.env.prod.visible', 'read', 1],
      ['.env.secret', 'read', 2],
      ['.env.prod.secret', 'read', 1],
      ['secretEnv', 'read', 1],
      ['ssm:/shop/prod', 'read', 1],
      ['computed:cache-coordinator', 'read', 1],
    ]);
    expect(built.warnings).toEqual([]);
  });

  it('orders keys as the example does, then the others as first defined', async () => {
    await files({
      ...config({ dev: {} }),
      '.env.example': 'B=\nA=\n',
      '.env.visible': 'Z=1\nA=1\nB=1\n',
    });
    const built = await buildEnv({ stage: 'dev', cwd: dir.path });
    expect(Object.keys(built.values)).toEqual(['B', 'A', 'Z']);
  });

  it('treats missing layer files (and a missing example) as empty', async () => {
    await files({ ...config({ dev: {} }), '.env.visible': 'A=1\n' });
    const built = await buildEnv({ stage: 'dev', cwd: dir.path });
    expect(built.values).toEqual({ A: '1' });
    expect(built.layers.filter((layer) => layer.status === 'missing').map((layer) => layer.name)).toEqual([
      '.env.dev.visible',
      '.env.secret',
      '.env.dev.secret',
    ]);
    expect(built.schema).toBeUndefined();
  });

  it('reads the layers a stage configures, relative to the config file, from a subdirectory', async () => {
    await files({
      ...config({
        prod: {
          env: {
            visible: ['env/common'],
            secret: ['env/prod.secret'],
            schema: 'env/example',
            out: 'build/.env',
          },
        },
      }),
      'env/common': 'A=1\n',
      'env/prod.secret': 'B=2\n',
      'env/example': 'A=\nB=\n',
    });
    await mkdir(path.join(dir.path, 'app'));
    const built = await buildEnv({ stage: 'prod', cwd: path.join(dir.path, 'app') });
    expect(built.values).toEqual({ A: '1', B: '2' });
    // Shown relative to the working directory when inside it, else absolute.
    expect(built.provenance.A?.source.file).toBe(path.join(dir.path, 'env/common'));
    expect(built.out).toBe(path.join(dir.path, 'build/.env'));
    expect(built.schema?.file).toBe(path.join(dir.path, 'env/example'));
  });

  it('passes the SSM reader the stage path', async () => {
    await files(config({ prod: { env: { ssmPath: '/shop/prod/' } } }));
    const asked: string[] = [];
    await buildEnv({
      stage: 'prod',
      cwd: dir.path,
      sources: {
        ssm: async (where) => {
          asked.push(where);
          return [];
        },
      },
    });
    expect(asked).toEqual(['/shop/prod/']);
  });

  it('says what it waits for before reading SSM, the one slow layer', async () => {
    await files(config({ prod: { env: { ssmPath: '/shop/prod' } }, dev: {} }));
    const events: string[] = [];
    const options = {
      cwd: dir.path,
      logger: recordingLogger({ progress: (message) => events.push(message) }),
      sources: {
        ssm: async () => {
          events.push('read');
          return [];
        },
      },
    };
    await resolveEnv({ stage: 'prod', ...options });
    await resolveEnv({ stage: 'dev', ...options });
    expect(events).toEqual(['reading SSM parameters under /shop/prod', 'read']);
  });
});

describe('secrets', () => {
  it('registers every secret value with the logger as it is read, and no visible one', async () => {
    await fullProject();
    const registered: string[] = [];
    await resolveEnv(
      prodOptions({
        logger: recordingLogger({ secret: (value) => registered.push(value) }),
        sources: {
          env: { PROD_DB_PASSWORD: SECRETS.envSecret },
          ssm: ssmReader,
          computed: [{ name: 'signer', values: { SIGNING_KEY: 'computed-secret' }, secret: true }],
        },
      }),
    );
    expect(registered.sort()).toEqual([...Object.values(SECRETS), 'old', 'computed-secret'].sort());
  });

  it('refuses a build with problems without a single secret value in the error', async () => {
    await fullProject();
    // Every rule broken at once, with secrets around each one.
    await files({
      '.env.visible': `APP_NAME=shop\nAPP_NAME=again\nbad-key=1\nDB_PASSWORD=${SECRETS.envSecret}\n`,
      '.env.prod.secret': `STRIPE_SECRET=${SECRETS.stageFileSecret}\nSTRIPE_SECRET=${SECRETS.stageFileSecret}2\n`,
    });
    const error = await buildEnv(prodOptions({ sources: { env: {}, ssm: ssmReader } })).catch(
      (caught) => caught,
    );
    expect(isReletanError(error) && error.code).toBe('ENV_INVALID');
    expect(error.kind).toBe('failure');
    const everything = [
      error.message,
      error.hint,
      ...error.details,
      formatError(error, { verbose: true }),
      JSON.stringify(errorToJson(error)),
    ].join('\n');
    for (const secret of Object.values(SECRETS)) expect(everything).not.toContain(secret);
    expect(error.details).toEqual(
      expect.arrayContaining([
        '.env.visible:2: APP_NAME is defined twice in .env.visible: line 1 and line 2',
        '.env.visible:3: "bad-key" is not a valid key (letters, digits and "_", not starting with a digit) (.env.visible:3)',
        '.env.prod.secret:2: STRIPE_SECRET is defined twice in .env.prod.secret: line 1 and line 2',
        'DB_PASSWORD: the environment variable PROD_DB_PASSWORD is not set (stages.prod.env.secretEnv.DB_PASSWORD)',
      ]),
    );
  });

  it('refuses a key that is in a visible and a secret layer, naming both files', async () => {
    await fullProject();
    await files({ '.env.prod.visible': `MAIL_PASSWORD=${SECRETS.fileSecret}\n` });
    const error = await buildEnv(prodOptions()).catch((caught) => caught);
    expect(error.message).toBe(
      '.env.prod.visible:1: MAIL_PASSWORD is in a visible layer (.env.prod.visible:1) and a secret layer (.env.secret:1); keep it in one (stage prod)',
    );
    expect(error.input).toEqual({ file: '.env.prod.visible', line: 1, key: 'MAIL_PASSWORD' });
  });
});

describe('secret files that cannot be read as written', () => {
  // An unquoted multi-line PEM: dotenv reads only its first line; a base64 line ending in "==" reads as
  // a key named by the base64 text, with the value "=".
  const PEM_LINES = [
    'PRIVATE_KEY=-----BEGIN PRIVATE KEY-----',
    'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7',
    'Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4==',
    '-----END PRIVATE KEY-----',
  ];

  it('refuses a secret file with an unreadable line, naming only file:line, and uses nothing from it', async () => {
    await fullProject();
    await files({
      '.env.secret': `MAIL_PASSWORD=${SECRETS.fileSecret}\nSTRIPE_SECRET=old\n${PEM_LINES.join('\n')}\n`,
    });
    const registered: string[] = [];
    const resolution = await resolveEnv(
      prodOptions({ logger: recordingLogger({ secret: (value) => registered.push(value) }) }),
    );
    const errors = resolution.problems.filter((problem) => problem.severity === 'error');
    expect(errors.map((problem) => [problem.code, problem.file, problem.line, problem.key])).toEqual([
      ['ENV_LINE_IGNORED', '.env.secret', 4, undefined],
      ['ENV_LINE_IGNORED', '.env.secret', 6, undefined],
      ['ENV_SCHEMA_MISSING_KEY', '.env.example', 4, 'MAIL_PASSWORD'],
    ]);
    expect(resolution.layers.find((layer) => layer.name === '.env.secret')).toMatchObject({
      status: 'broken',
      keys: 0,
    });
    // Nothing from the broken file is merged, listed, or registered (a registered "=" garbles output).
    expect(Object.keys(resolution.values)).not.toContain('Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4');
    expect(resolution.values.PRIVATE_KEY).toBeUndefined();
    expect(registered).not.toContain('=');
    const printed = JSON.stringify(resolution.problems);
    for (const line of PEM_LINES.slice(1, 3)) expect(printed).not.toContain(line);
    expect(printed).not.toContain(SECRETS.fileSecret);
    await expect(buildEnv(prodOptions())).rejects.toMatchObject({ code: 'ENV_INVALID' });
  });

  it('names an invalid key of a secret file by file:line only', async () => {
    await fullProject();
    await files({
      '.env.prod.secret': `STRIPE_SECRET=${SECRETS.stageFileSecret}\nsk-live-4eC39HqLyjWDarjtT1zdp7dc=x\n`,
    });
    const problems = (await resolveEnv(prodOptions())).problems;
    expect(problems).toEqual([
      expect.objectContaining({ code: 'ENV_INVALID_KEY', file: '.env.prod.secret', line: 2 }),
    ]);
    expect(problems[0]?.key).toBeUndefined();
    expect(JSON.stringify(problems)).not.toContain('4eC39HqLyjWDarjtT1zdp7dc');
  });

  it('treats the name of a secret-file key the example does not list as secret text', async () => {
    await fullProject();
    // A base64 secret alone on a line reads as a key (its text) with an empty value.
    await files({
      '.env.secret': `MAIL_PASSWORD=${SECRETS.fileSecret}\nSTRIPE_SECRET=old\nc2VjcmV0dG9rZW4xMjM0NTY=\n`,
    });
    const registered: string[] = [];
    const resolution = await resolveEnv(
      prodOptions({ logger: recordingLogger({ secret: (value) => registered.push(value) }) }),
    );
    expect(resolution.problems).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'ENV_SCHEMA_EXTRA_KEY',
        file: '.env.secret',
        line: 3,
      }),
    ]);
    expect(resolution.problems[0]?.key).toBeUndefined();
    expect(JSON.stringify(resolution.problems)).not.toContain('c2VjcmV0dG9rZW4xMjM0NTY');
    expect(registered).toContain('c2VjcmV0dG9rZW4xMjM0NTY');
    // Keys the example lists are names, not secrets.
    expect(registered).not.toContain('MAIL_PASSWORD');
  });
});

describe('refusals, one per rule', () => {
  const refusal = async (extraFiles: Record<string, string>, options: Partial<ResolveEnvOptions> = {}) => {
    await fullProject();
    await files(extraFiles);
    const resolution = await resolveEnv(prodOptions(options));
    return resolution.problems.filter((problem) => problem.severity === 'error');
  };

  it('a key defined twice in one file', async () => {
    expect(await refusal({ '.env.prod.visible': 'APP_URL=a\n\nAPP_URL=b\n' })).toEqual([
      expect.objectContaining({
        code: 'ENV_DUPLICATE_KEY',
        file: '.env.prod.visible',
        line: 3,
        key: 'APP_URL',
      }),
    ]);
  });

  it('a key that is not a valid identifier', async () => {
    expect(await refusal({ '.env.prod.visible': 'APP_URL=x\napp.url=y\n' })).toEqual([
      expect.objectContaining({
        code: 'ENV_INVALID_KEY',
        file: '.env.prod.visible',
        line: 2,
        key: 'app.url',
      }),
    ]);
  });

  it('a key in a visible and a secret layer', async () => {
    expect(await refusal({ '.env.visible': 'APP_NAME=shop\nAPP_URL=x\nSTRIPE_SECRET=oops\n' })).toEqual([
      expect.objectContaining({ code: 'ENV_VISIBLE_SECRET_CONFLICT', file: '.env.visible', line: 3 }),
    ]);
  });

  it('a key the example requires that no layer sets', async () => {
    expect(await refusal({ '.env.visible': 'APP_URL=x\n' })).toEqual([
      expect.objectContaining({
        code: 'ENV_SCHEMA_MISSING_KEY',
        file: '.env.example',
        line: 1,
        key: 'APP_NAME',
      }),
    ]);
  });

  it('an empty value the example does not mark optional', async () => {
    expect(await refusal({ '.env.visible': 'APP_NAME=\nAPP_URL=x\n' })).toEqual([
      expect.objectContaining({
        code: 'ENV_SCHEMA_EMPTY_VALUE',
        file: '.env.visible',
        line: 1,
        key: 'APP_NAME',
      }),
    ]);
  });

  it('a key the example does not list, under strict', async () => {
    const problems = await refusal({ '.env.prod.visible': 'APP_URL=x\nDEBUGBAR=1\n' }, { strict: true });
    expect(problems).toEqual([
      expect.objectContaining({ code: 'ENV_SCHEMA_EXTRA_KEY', line: 2, key: 'DEBUGBAR' }),
    ]);
  });

  it('a secretEnv variable that is not set', async () => {
    expect(await refusal({}, { sources: { env: {}, ssm: ssmReader } })).toEqual([
      expect.objectContaining({
        code: 'ENV_SCHEMA_MISSING_KEY',
        key: 'DB_PASSWORD',
        file: '.env.example',
        line: 3,
      }),
      expect.objectContaining({
        code: 'ENV_SECRET_ENV_UNSET',
        key: 'DB_PASSWORD',
        message:
          'DB_PASSWORD: the environment variable PROD_DB_PASSWORD is not set (stages.prod.env.secretEnv.DB_PASSWORD)',
      }),
    ]);
  });

  it('an SSM parameter whose last segment is not a valid key', async () => {
    const ssm: SsmReader = async () => [
      { name: '/shop/prod/API_TOKEN', value: 'x' },
      { name: '/shop/prod/db-password', value: 'y' },
    ];
    expect(await refusal({}, { sources: { env: { PROD_DB_PASSWORD: 'p' }, ssm } })).toEqual([
      expect.objectContaining({
        code: 'ENV_SSM_INVALID_NAME',
        key: 'db-password',
        message: expect.stringContaining('SSM parameter /shop/prod/db-password'),
      }),
    ]);
  });

  it('two SSM parameters giving the same key', async () => {
    const ssm: SsmReader = async () => [
      { name: '/shop/prod/API_TOKEN', value: 'x' },
      { name: '/shop/prod/legacy/API_TOKEN', value: 'y' },
    ];
    expect(await refusal({}, { sources: { env: { PROD_DB_PASSWORD: 'p' }, ssm } })).toEqual([
      expect.objectContaining({
        code: 'ENV_SSM_DUPLICATE_KEY',
        message:
          'API_TOKEN is set by two SSM parameters, /shop/prod/API_TOKEN and /shop/prod/legacy/API_TOKEN (the key is the last path segment)',
      }),
    ]);
  });

  it('a computed key that a file also sets', async () => {
    const problems = await refusal(
      { '.env.prod.visible': 'APP_URL=x\nCACHE_PREFIX=manual\n' },
      {
        sources: {
          env: { PROD_DB_PASSWORD: 'p' },
          ssm: ssmReader,
          computed: [{ name: 'cache-coordinator', values: { CACHE_PREFIX: 'shop:v2:' } }],
        },
      },
    );
    expect(problems).toEqual([
      expect.objectContaining({
        code: 'ENV_COMPUTED_CONFLICT',
        file: '.env.prod.visible',
        line: 2,
        key: 'CACHE_PREFIX',
      }),
    ]);
  });

  it('an unknown stage (a usage error naming the stages)', async () => {
    await fullProject();
    const error = await resolveEnv({ stage: 'staging', cwd: dir.path }).catch((caught) => caught);
    expect(error).toMatchObject({
      code: 'STAGE_UNKNOWN',
      kind: 'usage',
      hint: 'stages in the config: prod, dev',
    });
  });

  it('warns (without refusing) about secret-looking values in a committed file and skipped lines', async () => {
    await fullProject();
    await files({ '.env.prod.visible': 'APP_URL=x\nthis line is junk\n' });
    await files({ '.env.visible': 'APP_NAME=shop\nAPP_URL=x\nLEGACY_TOKEN=abc\n' });
    const built = await buildEnv(prodOptions());
    expect(built.warnings.map((problem) => [problem.code, problem.file, problem.line])).toEqual([
      ['ENV_LOOKS_SECRET', '.env.visible', 3],
      ['ENV_SCHEMA_EXTRA_KEY', '.env.visible', 3],
      ['ENV_LINE_IGNORED', '.env.prod.visible', 2],
    ]);
    expect(built.warnings[0]?.message).not.toContain('abc');
  });
});

describe('env diff', () => {
  it('lists keys only in A, only in B, and differing, masking secret values with a short hash', async () => {
    await fullProject();
    await files({
      '.env.dev.visible': 'APP_URL=http://dev.shop.example\nDEBUGBAR=true\n',
      '.env.dev.secret': `STRIPE_SECRET=dev-stripe\n`,
    });
    const dev = await resolveEnv({ stage: 'dev', cwd: dir.path });
    const prod = await resolveEnv(prodOptions());
    const diff = diffEnv(dev, prod);
    expect(diff.onlyInA.map((entry) => entry.key)).toEqual(['DEBUGBAR']);
    expect(diff.onlyInB.map((entry) => [entry.key, entry.secret])).toEqual([
      ['DB_PASSWORD', true],
      ['API_TOKEN', true],
    ]);
    expect(diff.differing).toEqual([
      {
        key: 'APP_URL',
        secret: false,
        a: { value: 'http://dev.shop.example', source: '.env.dev.visible:1' },
        b: { value: 'https://shop.example', source: '.env.prod.visible:1' },
      },
      {
        key: 'STRIPE_SECRET',
        secret: true,
        a: { hash: expect.stringMatching(/^sha256:[0-9a-f]{8}$/), source: '.env.dev.secret:1' },
        b: { hash: expect.stringMatching(/^sha256:[0-9a-f]{8}$/), source: '.env.prod.secret:1' },
      },
    ]);
    expect(JSON.stringify(diff)).not.toContain(SECRETS.stageFileSecret);
    expect(diff.same).toEqual(['APP_NAME', 'MAIL_PASSWORD']);
  });

  it('gives equal secrets equal hashes within one diff, and different secrets different hashes', async () => {
    await fullProject();
    // In dev, STRIPE_SECRET and MAIL_PASSWORD hold the same secret; both differ from prod.
    await files({ '.env.dev.secret': 'STRIPE_SECRET=same-dev-secret\nMAIL_PASSWORD=same-dev-secret\n' });
    const dev = await resolveEnv({ stage: 'dev', cwd: dir.path });
    const prod = await resolveEnv(prodOptions());
    const diff = diffEnv(dev, prod);
    const hashes = (key: string) => diff.differing.find((entry) => entry.key === key);
    expect(hashes('STRIPE_SECRET')?.a.hash).toMatch(/^sha256:[0-9a-f]{8}$/);
    expect(hashes('MAIL_PASSWORD')?.a.hash).toBe(hashes('STRIPE_SECRET')?.a.hash);
    expect(hashes('MAIL_PASSWORD')?.b.hash).not.toBe(hashes('STRIPE_SECRET')?.b.hash);
    expect(diff.hashes).toBe('per-run');
  });

  it('gives a secret the same hash in every run with a hash key, and another hash with another key', async () => {
    await fullProject();
    await files({ '.env.dev.secret': 'STRIPE_SECRET=dev-stripe\n' });
    const dev = await resolveEnv({ stage: 'dev', cwd: dir.path });
    const prod = await resolveEnv(prodOptions());
    const stripe = (diff: ReturnType<typeof diffEnv>) =>
      diff.differing.find((entry) => entry.key === 'STRIPE_SECRET');
    const hashKey = 'a-team-wide-diff-key-0123456789';
    const first = stripe(diffEnv(dev, prod, { hashKey }));
    const second = stripe(diffEnv(await resolveEnv(prodOptions()), dev, { hashKey }));
    expect(second?.a.hash).toBe(first?.b.hash);
    expect(second?.b.hash).toBe(first?.a.hash);
    expect(diffEnv(dev, prod, { hashKey }).hashes).toBe('keyed');
    expect(stripe(diffEnv(dev, prod, { hashKey: `${hashKey}-other` }))?.a.hash).not.toBe(first?.a.hash);
    // Without a key, every run is salted afresh: hashes compare only within one diff.
    expect(stripe(diffEnv(dev, prod))?.a.hash).not.toBe(stripe(diffEnv(dev, prod))?.a.hash);
  });
});

describe('env explain', () => {
  it('names the layer that set a key and what it overrode, never the value', async () => {
    await fullProject();
    const resolution = await resolveEnv(prodOptions());
    const explained = explainKey(resolution, 'STRIPE_SECRET');
    expect(explained).toMatchObject({
      key: 'STRIPE_SECRET',
      set: true,
      secret: true,
      source: { description: '.env.prod.secret:1' },
      overrode: [{ description: '.env.secret:2' }],
      schema: { file: '.env.example', line: 6, optional: false },
    });
    expect(JSON.stringify(explained)).not.toContain(SECRETS.stageFileSecret);
  });

  it('says when no layer sets a key', async () => {
    await fullProject();
    await files({ '.env.example': `${EXAMPLE}SENTRY_DSN= # optional\n` });
    const explained = explainKey(await resolveEnv(prodOptions()), 'SENTRY_DSN');
    expect(explained).toMatchObject({
      set: false,
      overrode: [],
      schema: { line: 7, optional: true },
      problems: [{ code: 'ENV_SCHEMA_MISSING_KEY', file: '.env.example', line: 7 }],
    });
  });
});

describe('writing the file', () => {
  /** Runs `write` with umask 0, so a mode of 0600 can only come from the writer setting it. */
  async function withoutUmask(write: () => Promise<void>) {
    const previous = process.umask(0);
    try {
      await write();
    } finally {
      process.umask(previous);
    }
  }

  it('writes with mode 0600, replacing an existing file atomically, leaving no temporary file', async () => {
    const file = path.join(dir.path, '.env');
    await writeFile(file, 'OLD=1\n', { mode: 0o644 });
    const before = await stat(file);
    await withoutUmask(() => writeEnvFile(file, 'NEW=1\n'));
    expect(await readFile(file, 'utf8')).toBe('NEW=1\n');
    const after = await stat(file);
    expect(after.mode & 0o777).toBe(0o600);
    // A new inode: a file renamed over the old one, not the old one rewritten in place (which a reader
    // could see half-written).
    expect(after.ino).not.toBe(before.ino);
    expect(await readdir(dir.path)).toEqual(['.env']);
  });

  it('creates the directory of the output file', async () => {
    const file = path.join(dir.path, 'build', 'deploy', '.env');
    await withoutUmask(() => writeEnvFile(file, 'A=1\n'));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});
