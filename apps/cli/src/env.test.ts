import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir, runNodeScript, type TempDir } from '@reletan/core/testing';
import dotenv from 'dotenv';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runRecordingModules } from '../test/loaded-modules.js';
import { runReletanInProcess } from './testing.js';

const bin = fileURLToPath(new URL('../dist/bin.cjs', import.meta.url));

/** Values that must never be printed, one from each kind of secret layer. */
const SECRETS = {
  secretFile: 'Sf-7qL2#mZp9 x',
  stageSecretFile: "st4ge's-secret",
  env: 'env-Pa55w0rd!$HOME',
  ssm: 'ssm-Decrypted-9xQ',
  ssmOther: 'ssm-Second-Page-4kT',
};

/**
 * A local stand-in for AWS SSM, speaking its JSON protocol: GetParametersByPath in pages of one, so the
 * real SDK (pointed here with AWS_ENDPOINT_URL_SSM) follows NextToken. It records what it was asked.
 */
let ssmServer: Server;
let ssmUrl: string;
const ssmRequests: Record<string, unknown>[] = [];
beforeAll(async () => {
  const parameters = [
    { Name: '/shop/prod/API_TOKEN', Type: 'SecureString', Value: SECRETS.ssm },
    { Name: '/shop/prod/mail/MAILGUN_SECRET', Type: 'SecureString', Value: SECRETS.ssmOther },
  ];
  ssmServer = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const input = JSON.parse(body) as { NextToken?: string };
      ssmRequests.push({ target: request.headers['x-amz-target'], ...input });
      const index = input.NextToken ? Number(input.NextToken) : 0;
      const page = {
        Parameters: parameters.slice(index, index + 1),
        ...(index + 1 < parameters.length ? { NextToken: String(index + 1) } : {}),
      };
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'local' });
      response.end(JSON.stringify(page));
    });
  });
  await new Promise<void>((resolve) => ssmServer.listen(0, '127.0.0.1', resolve));
  ssmUrl = `http://127.0.0.1:${(ssmServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => ssmServer.close(resolve));
});

let dir: TempDir;
beforeEach(async () => {
  dir = await makeTempDir('reletan-env-cli-');
  ssmRequests.length = 0;
});
afterEach(async () => {
  await dir.cleanup();
});

const baseEnv = () => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  PROD_DB_PASSWORD: SECRETS.env,
  AWS_ENDPOINT_URL_SSM: ssmUrl,
  AWS_ACCESS_KEY_ID: 'AKIALOCALTEST',
  AWS_SECRET_ACCESS_KEY: 'local-test-secret',
  AWS_REGION: 'ap-northeast-1',
});

/**
 * `reletan ARGS` run in this process, through the real program (parsing, the command, hints, the exit
 * code): most tests here are about what `env` prints and writes, and a process per run would be most of
 * their cost. The tests of the real SDK's own settings chain (AWS_ENDPOINT_URL_SSM, which the SDK reads
 * from the process's environment) and of start-up run the built bin instead.
 */
const reletan = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runReletanInProcess(args, { cwd: dir.path, env: { ...baseEnv(), ...env } });
const reletanBin = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runNodeScript(bin, args, { cwd: dir.path, env: { ...baseEnv(), ...env } });

async function files(entries: Record<string, string>) {
  for (const [name, content] of Object.entries(entries)) await writeFile(path.join(dir.path, name), content);
}

async function project(options: { ssm?: boolean } = {}) {
  await files({
    'reletan.config.json': JSON.stringify({
      stages: {
        dev: {},
        prod: {
          env: {
            secretEnv: { DB_PASSWORD: 'PROD_DB_PASSWORD' },
            ...(options.ssm ? { ssmPath: '/shop/prod' } : {}),
          },
        },
      },
    }),
    '.env.example': [
      'APP_NAME=',
      'APP_URL=',
      'DB_PASSWORD=',
      'MAIL_PASSWORD=',
      'STRIPE_SECRET=',
      ...(options.ssm ? ['API_TOKEN=', 'MAILGUN_SECRET='] : []),
      '',
    ].join('\n'),
    '.env.visible': 'APP_NAME="My Shop"\nAPP_URL=http://localhost\n',
    '.env.prod.visible': 'APP_URL=https://shop.example\n',
    '.env.dev.visible': 'APP_URL=http://dev.shop.example\n',
    '.env.secret': `MAIL_PASSWORD='${SECRETS.secretFile}'\nSTRIPE_SECRET=dev-stripe\n`,
    '.env.prod.secret': `STRIPE_SECRET="${SECRETS.stageSecretFile}"\n`,
    '.env.dev.secret': 'DB_PASSWORD=dev-db\n',
  });
}

function expectNoSecret(...outputs: string[]) {
  const all = outputs.join('\n');
  for (const secret of Object.values(SECRETS)) expect(all).not.toContain(secret);
}

describe('env build', () => {
  it('writes the merged .env (mode 0600) and prints each key with its layer', async () => {
    await project();
    const result = await reletan(['env', 'build', 'prod']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^ {2}APP_URL +\.env\.prod\.visible:1 +\(overrides \.env\.visible:2\)$/m);
    expect(result.stdout).toMatch(/^ {2}DB_PASSWORD +env PROD_DB_PASSWORD +secret$/m);
    expect(result.stdout).toMatch(
      /^ {2}STRIPE_SECRET +\.env\.prod\.secret:1 +secret \(overrides \.env\.secret:2\)$/m,
    );
    expect(result.stdout).toMatch(/^wrote \.env \(dotenv, 5 keys, \d+ bytes, mode 0600\)$/m);
    const written = await readFile(path.join(dir.path, '.env'), 'utf8');
    expect(dotenv.parse(written)).toEqual({
      APP_NAME: 'My Shop',
      APP_URL: 'https://shop.example',
      DB_PASSWORD: SECRETS.env,
      MAIL_PASSWORD: SECRETS.secretFile,
      STRIPE_SECRET: SECRETS.stageSecretFile,
    });
    expect((await stat(path.join(dir.path, '.env'))).mode & 0o777).toBe(0o600);
  });

  it('reads SSM parameters under the stage path, every page, through the real AWS SDK', async () => {
    await project({ ssm: true });
    const result = await reletanBin(['env', 'build', 'prod', '--json']);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.keys.filter((key: { source: string }) => key.source.startsWith('ssm '))).toEqual([
      { key: 'API_TOKEN', secret: true, source: 'ssm /shop/prod/API_TOKEN', overrode: [] },
      { key: 'MAILGUN_SECRET', secret: true, source: 'ssm /shop/prod/mail/MAILGUN_SECRET', overrode: [] },
    ]);
    expect(ssmRequests).toEqual([
      {
        target: 'AmazonSSM.GetParametersByPath',
        Path: '/shop/prod',
        Recursive: true,
        WithDecryption: true,
        MaxResults: 10,
      },
      {
        target: 'AmazonSSM.GetParametersByPath',
        Path: '/shop/prod',
        Recursive: true,
        WithDecryption: true,
        MaxResults: 10,
        NextToken: '1',
      },
    ]);
    const written = dotenv.parse(await readFile(path.join(dir.path, '.env'), 'utf8'));
    expect(written.API_TOKEN).toBe(SECRETS.ssm);
    expect(written.MAILGUN_SECRET).toBe(SECRETS.ssmOther);
    // The wait is announced; the SDK's notice about Node versions it will drop in 2027 is not.
    expect(result.stderr).toContain('reading SSM parameters under /shop/prod');
    expect(result.stderr).not.toContain('NodeVersionSupportWarning');
  });

  it('never prints a secret value: human, JSON, dry run, verbose, check, diff, explain, and refusals', async () => {
    await project({ ssm: true });
    const commands = [
      ['env', 'build', 'prod'],
      ['env', 'build', 'prod', '--json'],
      ['env', 'build', 'prod', '--dry-run', '--verbose'],
      ['env', 'build', 'prod', '--format', 'json', '--out', 'env.json', '--json'],
      ['env', 'check', 'prod', '--json'],
      ['env', 'check', 'prod', '--format', 'eb', '--verbose'],
      ['env', 'diff', 'dev', 'prod'],
      ['env', 'diff', 'dev', 'prod', '--json'],
      ['env', 'explain', 'prod', 'MAIL_PASSWORD', '--json'],
      ['env', 'explain', 'prod', 'API_TOKEN'],
    ];
    const runs = [];
    for (const args of commands) {
      const run = await reletanBin(args);
      expect(run.exitCode).toBe(0);
      // Not masked: never even attempted. A successful run prints keys and layers only.
      expect(`${run.stdout}${run.stderr}`).not.toContain('***');
      if (args.includes('--json')) JSON.parse(run.stdout);
      runs.push(run);
    }
    // Refusals: a secret in a visible file too, and a secret no .env spelling can hold.
    await files({
      '.env.prod.visible': `APP_URL=https://shop.example\nSTRIPE_SECRET='${SECRETS.stageSecretFile}'\n`,
    });
    runs.push(await reletanBin(['env', 'build', 'prod', '--verbose']));
    runs.push(await reletanBin(['env', 'build', 'prod', '--json']));
    runs.push(await reletanBin(['env', 'check', 'prod']));
    await project({ ssm: true });
    runs.push(
      await reletanBin(['env', 'build', 'prod', '--verbose'], { PROD_DB_PASSWORD: `${SECRETS.env}'"\n` }),
    );
    for (const run of runs.slice(-4)) expect(run.exitCode).toBe(1);
    for (const run of runs) expectNoSecret(run.stdout, run.stderr);
    JSON.parse(runs.at(-3)?.stdout ?? '');
    expect(runs.at(-1)?.stderr).toContain('DB_PASSWORD: cannot be written safely as dotenv');
  }, 60_000); // 14 runs of the bin: on a loaded 2-core machine, about 1.5 s each

  it('keeps every --json output valid JSON when a secret is as short as "false" or "5"', async () => {
    await project();
    await files({
      '.env.secret': 'MAIL_PASSWORD=false\nSTRIPE_SECRET=dev-stripe\n',
      '.env.prod.secret': 'STRIPE_SECRET=5\n',
    });
    const runs: [string[], number, NodeJS.ProcessEnv?][] = [
      [['env', 'build', 'prod', '--json'], 0],
      [['env', 'build', 'prod', '--dry-run', '--json'], 0],
      [['env', 'build', 'prod', '--format', 'eb', '--out', 'eb.json', '--json'], 0],
      [['env', 'check', 'prod', '--json'], 0],
      [['env', 'check', 'prod', '--format', 'shell', '--json'], 0],
      [['env', 'diff', 'dev', 'prod', '--json'], 0],
      [['env', 'explain', 'prod', 'MAIL_PASSWORD', '--json'], 0],
      [['env', 'explain', 'prod', 'STRIPE_SECRET', '--json'], 0],
      [['env', 'build', 'prod', '--json'], 1, { PROD_DB_PASSWORD: undefined }],
      [['env', 'check', 'prod', '--json'], 1, { PROD_DB_PASSWORD: undefined }],
    ];
    for (const [args, exitCode, env] of runs) {
      const result = await reletan(args, env);
      expect(result.exitCode).toBe(exitCode);
      expect(() => JSON.parse(result.stdout), args.join(' ')).not.toThrow();
    }
    const written = dotenv.parse(await readFile(path.join(dir.path, '.env'), 'utf8'));
    expect([written.MAIL_PASSWORD, written.STRIPE_SECRET]).toEqual(['false', '5']);
  }, 60_000); // 10 runs of the bin

  it('refuses a build with problems, exit 1, naming file:line and key, and writes nothing', async () => {
    await project();
    await files({ '.env': 'OLD=1\n', '.env.prod.visible': 'APP_URL=a\nAPP_URL=b\n' });
    const result = await reletan(['env', 'build', 'prod']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      'error .env.prod.visible:2: APP_URL is defined twice in .env.prod.visible: line 1 and line 2 (stage prod)',
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await readFile(path.join(dir.path, '.env'), 'utf8')).toBe('OLD=1\n');
    // No temporary file left behind either.
    expect((await readdir(dir.path)).sort()).toEqual(
      [
        '.env',
        '.env.dev.secret',
        '.env.dev.visible',
        '.env.example',
        '.env.prod.secret',
        '.env.prod.visible',
        '.env.secret',
        '.env.visible',
        'reletan.config.json',
      ].sort(),
    );
  });

  it('refuses a secret file with an unquoted multi-line PEM, naming only file:line, and writes nothing', async () => {
    await project();
    const pem = [
      '-----BEGIN PRIVATE KEY-----',
      'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7',
      'VGhpcyBpcyBub3QgYSByZWFsIGtleSBidXQgbG9va3MgbGlrZQ==',
      '-----END PRIVATE KEY-----',
    ];
    await files({
      '.env.example': `${await readFile(path.join(dir.path, '.env.example'), 'utf8')}PRIVATE_KEY=\n`,
      '.env.prod.secret': `STRIPE_SECRET="${SECRETS.stageSecretFile}"\nPRIVATE_KEY=${pem.join('\n')}\n`,
    });
    for (const args of [
      ['env', 'build', 'prod'],
      ['env', 'build', 'prod', '--json'],
      ['env', 'check', 'prod'],
    ]) {
      const result = await reletan(args);
      expect(result.exitCode).toBe(1);
      const output = `${result.stdout}${result.stderr}`;
      expect(output).toContain('.env.prod.secret:3: not a KEY=VALUE line');
      expect(output).toContain('.env.prod.secret:5: not a KEY=VALUE line');
      for (const line of pem.slice(1, 3)) expect(output).not.toContain(line);
      expect(output).not.toContain('VGhpcyBpcyBub3Q');
      expectNoSecret(result.stdout, result.stderr);
    }
    await expect(stat(path.join(dir.path, '.env'))).rejects.toThrow();
  });

  it('never shows a line of a secret file that only reads as a key (a token alone on a line), nor its length', async () => {
    await project();
    const token = 'c2VjcmV0dG9rZW4xMjM0NTY';
    await files({
      '.env.secret': `MAIL_PASSWORD='${SECRETS.secretFile}'\nSTRIPE_SECRET=dev-stripe\n${token}=\n`,
    });
    const build = await reletan(['env', 'build', 'prod']);
    expect(build.exitCode).toBe(0);
    expect(build.stdout).toMatch(/^ {2}\*\*\* {12}\.env\.secret:3 +secret$/m);
    expect(build.stdout).toMatch(/^ {2}APP_NAME {7}\.env\.visible:1$/m);
    expect(build.stderr).toContain('warning .env.secret:3: the key on this line is not in .env.example');
    const others = [
      await reletan(['env', 'build', 'prod', '--dry-run', '--json']),
      await reletan(['env', 'check', 'prod', '--json']),
      await reletan(['env', 'check', 'prod', '--strict']),
      await reletan(['env', 'diff', 'dev', 'prod', '--json']),
      await reletan(['env', 'diff', 'dev', 'prod']),
    ];
    for (const run of [build, ...others]) {
      expect(`${run.stdout}${run.stderr}`).not.toContain(token);
      expectNoSecret(run.stdout, run.stderr);
    }
    // It is still written: the file says what the layers say.
    expect(dotenv.parse(await readFile(path.join(dir.path, '.env'), 'utf8'))[token]).toBe('');
  });

  it('refuses a value that cannot be written safely, naming the key, and writes nothing', async () => {
    await project();
    const result = await reletan(['env', 'build', 'prod', '--json'], {
      PROD_DB_PASSWORD: `it's "both"\nquotes`,
    });
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      error: { code: 'ENV_VALUE_UNWRITABLE', input: { key: 'DB_PASSWORD' } },
    });
    await expect(stat(path.join(dir.path, '.env'))).rejects.toThrow();
  });

  it('prints the plan and writes nothing with --dry-run', async () => {
    await project();
    const result = await reletan(['env', 'build', 'prod', '--dry-run']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(
      /^dry run: would write \.env \(dotenv, 5 keys, \d+ bytes, mode 0600\); nothing was written$/m,
    );
    await expect(stat(path.join(dir.path, '.env'))).rejects.toThrow();
  });

  it('writes --format json, shell and eb to --out, and refuses them without --out (exit 2)', async () => {
    await project();
    expect(
      (await reletan(['env', 'build', 'prod', '--format', 'json', '--out', 'out/env.json'])).exitCode,
    ).toBe(0);
    expect(JSON.parse(await readFile(path.join(dir.path, 'out/env.json'), 'utf8')).DB_PASSWORD).toBe(
      SECRETS.env,
    );
    expect((await reletan(['env', 'build', 'prod', '--format', 'shell', '--out', 'env.sh'])).exitCode).toBe(
      0,
    );
    expect(await readFile(path.join(dir.path, 'env.sh'), 'utf8')).toContain(
      "export STRIPE_SECRET='st4ge'\\''s-secret'\n",
    );
    expect((await reletan(['env', 'build', 'prod', '--format', 'eb', '--out', 'eb.json'])).exitCode).toBe(0);
    expect(JSON.parse(await readFile(path.join(dir.path, 'eb.json'), 'utf8'))[0]).toEqual({
      Namespace: 'aws:elasticbeanstalk:application:environment',
      OptionName: 'APP_NAME',
      Value: 'My Shop',
    });
    const missing = await reletan(['env', 'build', 'prod', '--format', 'json']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('--format json needs --out FILE');
    expect((await reletan(['env', 'build', 'prod', '--format', 'yaml'])).exitCode).toBe(2);
  });

  it('refuses --format without --out before reading any layer (no SSM request)', async () => {
    await project({ ssm: true });
    const result = await reletan(['env', 'build', 'prod', '--format', 'shell']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--format shell needs --out FILE');
    expect(ssmRequests).toEqual([]);
  });

  it('refuses eb output above 4096 bytes, exit 1, writing nothing', async () => {
    await project();
    const big = Array.from({ length: 20 }, (_, index) => `BIG_${index}=${'x'.repeat(240)}`).join('\n');
    await files({ '.env.prod.visible': `APP_URL=https://shop.example\n${big}\n` });
    const result = await reletan(['env', 'build', 'prod', '--format', 'eb', '--out', 'eb.json']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      /the environment properties take \d+ bytes as key=value strings; Elastic Beanstalk allows 4096/,
    );
    await expect(stat(path.join(dir.path, 'eb.json'))).rejects.toThrow();
  });

  it('exits 2 for an unknown stage, naming the known ones', async () => {
    await project();
    const result = await reletan(['env', 'build', 'staging']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('unknown stage "staging"');
  });

  it('is listed in --help, which loads neither the env bundler nor any SDK', async () => {
    for (const args of [['--help'], ['env', '--help'], ['env', 'build', '--help']]) {
      const result = await runRecordingModules(bin, args, { cwd: dir.path });
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain(args.length === 1 ? 'env' : 'build');
      expect(result.loaded.filter((url) => /env-bundler|dotenv|@aws-sdk|\/commands\//.test(url))).toEqual([]);
    }
  });

  it('loads no AWS SDK for a stage without an SSM path', async () => {
    await project();
    const { exitCode, loaded } = await runRecordingModules(bin, ['env', 'build', 'prod', '--dry-run'], {
      cwd: dir.path,
      env: baseEnv(),
    });
    expect(exitCode).toBe(0);
    expect(loaded.some((url) => url.includes('/env-bundler/dist/'))).toBe(true);
    expect(loaded.filter((url) => url.includes('@aws-sdk'))).toEqual([]);
  });
});

describe('the cache prefix', () => {
  /** The project of the other tests, with a cache section for prod (strategy "release", app from config). */
  async function cachedProject(extra: Record<string, string> = {}) {
    await project();
    const config = JSON.parse(await readFile(path.join(dir.path, 'reletan.config.json'), 'utf8'));
    config.stages.prod.cache = { servers: ['127.0.0.1:11211'], strategy: 'release', app: 'shop' };
    await files({ 'reletan.config.json': JSON.stringify(config), ...extra });
  }

  it('is written into the .env of a stage with a cache, scoped to the release being built', async () => {
    await cachedProject();
    const result = await reletan(['env', 'build', 'prod', '--release', 'v1.4.0']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^ {2}CACHE_PREFIX +computed by reletan \(cache-coordinator\)$/m);
    const written = dotenv.parse(await readFile(path.join(dir.path, '.env'), 'utf8'));
    expect(written.CACHE_PREFIX).toBe('shop.r-v1.4.0');
    // The same prefix `reletan cache prefix` prints for that release.
    const prefix = await reletan(['cache', 'prefix', 'prod', '--release', 'v1.4.0']);
    expect(prefix.stdout.trim()).toBe('shop.r-v1.4.0');
  });

  it("changes with the release, so old and new code never read each other's entries", async () => {
    await cachedProject();
    await reletan(['env', 'build', 'prod', '--release', 'v1.5.0']);
    const written = dotenv.parse(await readFile(path.join(dir.path, '.env'), 'utf8'));
    expect(written.CACHE_PREFIX).toBe('shop.r-v1.5.0');
  });

  it('is not added to a stage without a cache section', async () => {
    await cachedProject();
    const result = await reletan(['env', 'build', 'dev', '--release', 'v1.4.0']);
    expect(result.exitCode).toBe(0);
    expect(dotenv.parse(await readFile(path.join(dir.path, '.env'), 'utf8')).CACHE_PREFIX).toBeUndefined();
  });

  it('refuses a committed CACHE_PREFIX that would hide the computed one, naming the file', async () => {
    await cachedProject({ '.env.prod.visible': 'APP_URL=https://shop.example\nCACHE_PREFIX=shop-static\n' });
    const result = await reletan(['env', 'build', 'prod', '--release', 'v1.4.0']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('.env.prod.visible:2');
    expect(result.stderr).toContain('CACHE_PREFIX is computed by reletan');
  });
});

describe('env check', () => {
  it('exits 0 with warnings, naming file:line and key', async () => {
    await project();
    await files({ '.env.prod.visible': 'APP_URL=https://shop.example\nLEGACY_API_TOKEN=abc123\n' });
    const result = await reletan(['env', 'check', 'prod']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(
      'warning .env.prod.visible:2: LEGACY_API_TOKEN is in a committed file but its name looks like a secret',
    );
    expect(result.stdout).toContain(
      'warning .env.prod.visible:2: LEGACY_API_TOKEN (.env.prod.visible:2) is not in .env.example',
    );
    expect(result.stdout).toMatch(/✓ stage prod: 6 keys, no errors, 2 warnings$/m);
  });

  it('exits 1 on errors, and --strict makes unknown keys errors', async () => {
    await project();
    await files({ '.env.prod.visible': 'APP_URL=https://shop.example\nEXTRA=1\n' });
    expect((await reletan(['env', 'check', 'prod'])).exitCode).toBe(0);
    const strict = await reletan(['env', 'check', 'prod', '--strict', '--json']);
    expect(strict.exitCode).toBe(1);
    expect(JSON.parse(strict.stdout)).toMatchObject({
      ok: false,
      errors: 1,
      problems: [
        { severity: 'error', code: 'ENV_SCHEMA_EXTRA_KEY', key: 'EXTRA', file: '.env.prod.visible', line: 2 },
      ],
    });
  });

  it('reports a missing required key at its line in the example', async () => {
    await project();
    const result = await reletan(['env', 'check', 'prod'], { PROD_DB_PASSWORD: undefined });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      'error .env.example:3: DB_PASSWORD is required by .env.example but no layer sets it',
    );
    expect(result.stdout).toContain(
      'error DB_PASSWORD: the environment variable PROD_DB_PASSWORD is not set',
    );
  });

  it('reports a value no .env spelling can hold, at the line that set it', async () => {
    await project();
    await files({ '.env.prod.secret': `STRIPE_SECRET=\`it's "x" y\`\n` });
    const result = await reletan(['env', 'check', 'prod']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      'error .env.prod.secret:1: STRIPE_SECRET cannot be written to a .env safely',
    );
  });
});

describe('env check --format', () => {
  it('checks the format the build will write: a multi-line JSON secret is fine as json, not as dotenv', async () => {
    await project();
    const document = JSON.stringify({ type: 'service_account', note: "it's" }, null, 2);
    const env = { PROD_DB_PASSWORD: document };
    const dotenvCheck = await reletan(['env', 'check', 'prod'], env);
    expect(dotenvCheck.exitCode).toBe(1);
    expect(dotenvCheck.stdout).toContain('error DB_PASSWORD cannot be written to a .env safely');
    const jsonCheck = await reletan(['env', 'check', 'prod', '--format', 'json', '--json'], env);
    expect(jsonCheck.exitCode).toBe(0);
    expect(JSON.parse(jsonCheck.stdout)).toMatchObject({ ok: true, format: 'json', errors: 0 });
    expect(
      (await reletan(['env', 'build', 'prod', '--format', 'json', '--out', 'env.json'], env)).exitCode,
    ).toBe(0);
  });

  it("eb: checks Elastic Beanstalk's 4096-byte total and 256-character values, at file:line", async () => {
    await project();
    const big = Array.from({ length: 20 }, (_, index) => `BIG_${index}=${'x'.repeat(240)}`).join('\n');
    await files({ '.env.prod.visible': `APP_URL=https://shop.example\n${big}\nLONG=${'y'.repeat(257)}\n` });
    expect((await reletan(['env', 'check', 'prod'])).exitCode).toBe(0);
    const result = await reletan(['env', 'check', 'prod', '--format', 'eb']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      'error .env.prod.visible:22: LONG cannot be written safely as eb: the value has 257 characters; Elastic Beanstalk allows 256',
    );
    expect(result.stdout).toMatch(
      /^error the environment properties take \d+ bytes as key=value strings; Elastic Beanstalk allows 4096 \(largest: /m,
    );
  });
});

describe('the example file', () => {
  it('needs an optional key set (possibly empty), and refuses a line dotenv would skip', async () => {
    await project();
    const example = await readFile(path.join(dir.path, '.env.example'), 'utf8');
    await files({ '.env.example': `${example}SENTRY_DSN= # optional\nMAIL HOST=\n` });
    const result = await reletan(['env', 'check', 'prod', '--json']);
    expect(result.exitCode).toBe(1);
    expect(
      JSON.parse(result.stdout).problems.map((problem: { code: string; line: number }) => [
        problem.code,
        problem.line,
      ]),
    ).toEqual([
      ['ENV_SCHEMA_MISSING_KEY', 6],
      ['ENV_LINE_IGNORED', 7],
    ]);
    await files({
      '.env.example': `${example}SENTRY_DSN= # optional\n`,
      '.env.visible': 'APP_NAME="My Shop"\nAPP_URL=http://localhost\nSENTRY_DSN=\n',
    });
    expect((await reletan(['env', 'check', 'prod'])).exitCode).toBe(0);
  });

  it("of reletan init passes env check once the app's values are set, in a stage without a cache", async () => {
    expect((await reletan(['init', '--format', 'json'])).exitCode).toBe(0);
    await files({
      '.env.dev.visible': 'APP_ENV=dev\nAPP_URL=http://dev.shop.example\nDB_HOST=db\nDB_DATABASE=shop\n',
      '.env.dev.secret': 'APP_KEY=base64:devkey\nDB_USERNAME=shop\nDB_PASSWORD=dev-db-pass\n',
    });
    const result = await reletan(['env', 'check', 'dev', '--strict']);
    expect(result.stdout).toMatch(/✓ stage dev: \d+ keys, no errors$/m);
    expect(result.exitCode).toBe(0);
  });
});

describe('env diff', () => {
  it('shows keys only in one stage and differing values, secrets as short hashes', async () => {
    await project();
    const result = await reletan(['env', 'diff', 'dev', 'prod']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('differing:');
    expect(result.stdout).toMatch(
      /^ {2}APP_URL +"http:\/\/dev\.shop\.example" → "https:\/\/shop\.example"$/m,
    );
    expect(result.stdout).toMatch(
      /^ {2}DB_PASSWORD +sha256:[0-9a-f]{8} → sha256:[0-9a-f]{8} +secret \(salted hash\)$/m,
    );
    expect(result.stdout).toMatch(/^same: 2 keys$/m);
    const json = JSON.parse((await reletan(['env', 'diff', 'dev', 'prod', '--json'])).stdout);
    expect(json).toMatchObject({ a: 'dev', b: 'prod', identical: false, onlyInA: [], onlyInB: [] });
    expect(result.stdout).toContain(
      'secret hashes are salted for this run only: they compare within this diff, not with another run (set RELETAN_DIFF_KEY to compare across runs)',
    );
  });

  it('with RELETAN_DIFF_KEY, gives a secret the same hash in every run, so a change shows over time', async () => {
    await project();
    const keyed = { RELETAN_DIFF_KEY: 'team-diff-key-kept-in-ci-secrets' };
    const hashesOf = async (env: NodeJS.ProcessEnv) => {
      const result = await reletan(['env', 'diff', 'dev', 'prod', '--json'], env);
      expect(result.exitCode).toBe(0);
      const diff = JSON.parse(result.stdout);
      return { diff, db: diff.differing.find((entry: { key: string }) => entry.key === 'DB_PASSWORD') };
    };
    const first = await hashesOf(keyed);
    const second = await hashesOf(keyed);
    expect(first.diff.hashes).toBe('keyed');
    expect(second.db.a.hash).toBe(first.db.a.hash);
    expect(second.db.b.hash).toBe(first.db.b.hash);
    // A changed secret gets another hash.
    const changed = await hashesOf({ ...keyed, PROD_DB_PASSWORD: `${SECRETS.env}-rotated` });
    expect(changed.db.b.hash).not.toBe(first.db.b.hash);
    expect(changed.db.a.hash).toBe(first.db.a.hash);
    const human = await reletan(['env', 'diff', 'dev', 'prod'], keyed);
    expect(human.stdout).toMatch(
      /^ {2}DB_PASSWORD +sha256:[0-9a-f]{8} → sha256:[0-9a-f]{8} +secret \(keyed hash\)$/m,
    );
    expect(human.stdout).not.toContain('salted for this run only');
    expect(`${human.stdout}${human.stderr}`).not.toContain(keyed.RELETAN_DIFF_KEY);
  });

  it('refuses a RELETAN_DIFF_KEY too short to keep guesses out (exit 2)', async () => {
    await project();
    const result = await reletan(['env', 'diff', 'dev', 'prod'], { RELETAN_DIFF_KEY: 'short' });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('RELETAN_DIFF_KEY must be at least 16 characters');
    expect(result.stderr).not.toContain('short');
  });
});

describe('env explain', () => {
  it('names the layer that set a key and what it overrode', async () => {
    await project();
    const result = await reletan(['env', 'explain', 'prod', 'STRIPE_SECRET']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(
      [
        'STRIPE_SECRET in stage prod (secret: value not shown)',
        '  set by    .env.prod.secret:1',
        '  overrode  .env.secret:2',
        '  example   .env.example:5 (required)',
        '',
      ].join('\n'),
    );
  });

  it('says when no layer sets a key, and exits 2 for a key that cannot exist', async () => {
    await project();
    await files({
      '.env.example': `${await readFile(path.join(dir.path, '.env.example'), 'utf8')}SENTRY_DSN= # optional\n`,
    });
    const result = await reletan(['env', 'explain', 'prod', 'SENTRY_DSN']);
    expect(result.stdout).toContain('SENTRY_DSN in stage prod: no layer sets it');
    expect(result.stdout).toMatch(/^ {2}example +\.env\.example:6 \(optional\)$/m);
    expect(result.stdout).toContain(
      'error .env.example:6: SENTRY_DSN is marked optional in .env.example (it may be empty but must be set) but no layer sets it',
    );
    expect((await reletan(['env', 'explain', 'prod', 'not-a-key'])).exitCode).toBe(2);
  });
});
