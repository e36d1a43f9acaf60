import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestRepo, makeTempDir, runNodeScript, type TempDir } from '@reletan/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runRecordingModules } from '../test/loaded-modules.js';

const bin = fileURLToPath(new URL('../dist/bin.cjs', import.meta.url));
const exampleConfig = fileURLToPath(
  new URL('../../../packages/config/test/fixtures/example.reletan.config.json', import.meta.url),
);
const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

let dir: TempDir;
beforeEach(async () => {
  dir = await makeTempDir('reletan-cli-');
});
afterEach(async () => {
  await dir.cleanup();
});

const reletan = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runNodeScript(bin, args, {
    cwd: dir.path,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });

async function writeConfig(config: unknown) {
  await writeFile(path.join(dir.path, 'reletan.config.json'), `${JSON.stringify(config, null, 2)}\n`);
}

const example = async () => JSON.parse(await readFile(exampleConfig, 'utf8'));

describe('version and help', () => {
  it('prints the package version', async () => {
    const result = await reletan(['--version']);
    expect(result).toEqual({ exitCode: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('prints the root help pre-rendered at build time, exactly as commander renders it', async () => {
    const prerendered = await reletan(['--help']);
    const live = await reletan(['--help'], { RELETAN_LIVE_HELP: '1' });
    expect(prerendered).toEqual({ exitCode: 0, stdout: live.stdout, stderr: '' });
  });

  it("builds a group's commands when it is named, for its help and for its commands", async () => {
    const result = await reletan(['release', '--help']);
    expect(result.exitCode).toBe(0);
    for (const text of ['start [options] [version]', 'finish [options] [version]', 'notes [options]']) {
      expect(result.stdout).toContain(text);
    }
    expect((await reletan(['help', 'cache'])).stdout).toContain('flush [options] <stage>');
  });

  it('lists the commands and the global flags', async () => {
    const result = await reletan(['--help']);
    expect(result.exitCode).toBe(0);
    for (const text of [
      'config',
      'init',
      '--config <path>',
      '--cwd <dir>',
      '--json',
      '--verbose',
      '--quiet',
      '--no-color',
    ]) {
      expect(result.stdout).toContain(text);
    }
  });

  it.each([['--help'], ['--version'], ['config', '--help']])(
    'loads no config code, zod or SDK for %j',
    async (...args) => {
      const { exitCode, loaded } = await runRecordingModules(bin, args, { cwd: dir.path });
      expect(exitCode).toBe(0);
      expect(
        loaded.filter((url) =>
          /\/(zod|jiti|@aws-sdk|@elastic|@octokit|memjs)\/|\/(core|config|github|cli-kit)\/dist\/index\.js|\/commands?\//.test(
            url,
          ),
        ),
      ).toEqual([]);
    },
  );
});

describe('bad usage', () => {
  it('exits 2 on an unknown command, with a hint and no stack trace', async () => {
    const result = await reletan(['deploy-everything']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("unknown command 'deploy-everything'");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 on an unknown option', async () => {
    expect((await reletan(['config', 'check', '--bogus'])).exitCode).toBe(2);
  });

  it('exits 2 for a command group run without a subcommand', async () => {
    const result = await reletan(['config']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('check');
  });

  it('exits 2 when --cwd is not a directory', async () => {
    const result = await reletan(['--cwd', 'nowhere', 'config', 'check']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('nowhere is not a directory');
  });

  it('exits 2 when --quiet and --verbose are both given', async () => {
    expect((await reletan(['--quiet', '--verbose', 'config', 'check'])).exitCode).toBe(2);
  });

  it.each([
    [['release', 'start', '--bogus', '--json'], 'UNKNOWN_OPTION', "unknown option '--bogus'"],
    [['deploy-everything', '--json'], 'UNKNOWN_COMMAND', "unknown command 'deploy-everything'"],
    [
      ['release', 'start', '--bump', 'huge', '--json'],
      'INVALID_ARGUMENT',
      "option '--bump <part>' argument 'huge' is invalid",
    ],
    [['env', 'build', '--json'], 'MISSING_ARGUMENT', "missing required argument 'stage'"],
    [['config', '--json'], 'COMMAND_REQUIRED', 'a command is needed'],
  ])(
    'prints a usage error of %j as the JSON error document under --json (exit 2)',
    async (args, code, message) => {
      const result = await reletan(args);
      expect(result.exitCode).toBe(2);
      expect(JSON.parse(result.stdout)).toEqual({
        error: {
          code,
          kind: 'usage',
          message: expect.stringContaining(message),
          hint: 'run with --help for usage',
        },
      });
    },
  );
});

describe('config check', () => {
  it('accepts the documented example', async () => {
    await writeConfig(await example());
    const result = await reletan(['config', 'check']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('✓ reletan.config.json is valid (stages: dev, prod)\n');
  });

  it('reports a valid config as JSON with --json', async () => {
    await writeConfig(await example());
    const result = await reletan(['config', 'check', '--json']);
    expect(JSON.parse(result.stdout)).toEqual({
      valid: true,
      file: path.join(dir.path, 'reletan.config.json'),
      stages: ['dev', 'prod'],
    });
  });

  const environments = (list: unknown[]) => async () => {
    const config = await example();
    config.stages.dev.deploy.environments = list;
    return config;
  };

  it.each([
    [
      'an unknown "after"',
      environments([
        { name: 'shop-dev-worker', role: 'worker' },
        { name: 'shop-dev-web', role: 'web', after: 'nope' },
      ]),
      /^error reletan\.config\.json:\d+:\d+: stages\.dev\.deploy\.environments\[1\]\.after: unknown environment "nope"$/m,
    ],
    [
      'a wrong type',
      async () => ({ ...(await example()), automerge: { requiredApprovals: '1' } }),
      /reletan\.config\.json:\d+:\d+: automerge\.requiredApprovals: expected number, got "1"/,
    ],
    [
      'a misspelt key',
      async () => ({ ...(await example()), git: { developBrnach: 'develop' } }),
      /reletan\.config\.json:\d+:\d+: git\.developBrnach: unknown key "developBrnach" \(did you mean "developBranch"\?\)/,
    ],
    [
      'an "after" cycle',
      environments([
        { name: 'shop-dev-worker', role: 'worker', after: 'shop-dev-web' },
        { name: 'shop-dev-web', role: 'web', after: 'shop-dev-worker' },
      ]),
      /reletan\.config\.json:\d+:\d+: stages\.dev\.deploy\.environments\[\d\]\.after: "after" forms a cycle/,
    ],
    [
      'duplicate environment names',
      environments([
        { name: 'shop-dev-web', role: 'worker' },
        { name: 'shop-dev-web', role: 'web' },
      ]),
      /reletan\.config\.json:\d+:\d+: stages\.dev\.deploy\.environments\[1\]\.name: duplicate environment "shop-dev-web"/,
    ],
  ])('rejects %s with exit 2, the file and the path', async (_name, build, expected) => {
    await writeConfig(await build());
    const result = await reletan(['config', 'check']);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(expected);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects broken JSON naming file, line and column', async () => {
    await writeFile(
      path.join(dir.path, 'reletan.config.json'),
      '{\n  "git": {\n    "remote": "origin",\n  }\n}\n',
    );
    const result = await reletan(['config', 'check']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^error reletan\.config\.json:4:3: invalid JSON: /);
  });

  it('prints an error document on stdout with --json', async () => {
    await writeConfig({ git: { mainBrach: 'x' } });
    const result = await reletan(['config', 'check', '--json']);
    expect(result.exitCode).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({
      error: {
        code: 'CONFIG_INVALID',
        kind: 'usage',
        input: { file: 'reletan.config.json', path: 'git.mainBrach', line: 3, column: 5 },
      },
    });
  });

  it('finds the config from a subdirectory, or takes --config', async () => {
    await writeConfig(await example());
    const sub = path.join(dir.path, 'app');
    await (await import('node:fs/promises')).mkdir(sub);
    expect((await runNodeScript(bin, ['config', 'check'], { cwd: sub })).exitCode).toBe(0);
    await writeFile(path.join(dir.path, 'other.json'), '{ "git": { "nope": 1 } }');
    expect((await reletan(['--config', 'other.json', 'config', 'check'])).exitCode).toBe(2);
  });

  it('exits 2 and suggests init when there is no config', async () => {
    const result = await reletan(['config', 'check']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('reletan init');
  });
});

describe('config print', () => {
  it('prints the resolved config of one stage with its env defaults', async () => {
    await writeConfig({ stages: { qa: {} } });
    const result = await reletan(['config', 'print', '--stage', 'qa', '--json']);
    expect(result.exitCode).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(printed.git.developBranch).toBe('develop');
    expect(printed.stages).toEqual({
      qa: {
        env: {
          visible: ['.env.visible', '.env.qa.visible'],
          secret: ['.env.secret', '.env.qa.secret'],
          schema: '.env.example',
          out: '.env',
          secretEnv: {},
        },
      },
    });
  });

  it('names the known stages for an unknown one, exit 2', async () => {
    await writeConfig(await example());
    const result = await reletan(['config', 'print', '--stage', 'staging']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('unknown stage "staging"');
    expect(result.stderr).toContain('dev, prod');
  });

  it('masks credentials embedded in URLs', async () => {
    await writeConfig({
      stages: { dev: { search: { node: 'https://elastic:s3cr3t-pw@search.internal:9200', indices: {} } } },
    });
    const result = await reletan(['config', 'print']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('https://elastic:***@search.internal:9200');
    expect(result.stdout + result.stderr).not.toContain('s3cr3t-pw');
  });

  it('prints the defaults when there is no config file', async () => {
    const result = await reletan(['config', 'print', '--json']);
    expect(JSON.parse(result.stdout).git.mainBranch).toBe('main');
  });
});

describe('init', () => {
  it('writes a starter config that passes config check, and the env files', async () => {
    const repo = await createTestRepo();
    try {
      await repo.git.run(['remote', 'set-url', 'origin', 'git@github.com:acme/shop.git']);
      const result = await runNodeScript(bin, ['init'], { cwd: repo.dir });
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain('created reletan.config.ts');
      const config = await readFile(path.join(repo.dir, 'reletan.config.ts'), 'utf8');
      expect(config).toContain("import { defineConfig } from 'reletan';");
      expect(config).toContain("repository: 'acme/shop'");
      expect(await readFile(path.join(repo.dir, '.env.example'), 'utf8')).toContain('DB_PASSWORD=');
      expect(await readFile(path.join(repo.dir, '.env.visible'), 'utf8')).toContain('APP_NAME=');
      expect(await readFile(path.join(repo.dir, '.gitignore'), 'utf8')).toContain('.env.*.secret');
      const check = await runNodeScript(bin, ['config', 'check'], { cwd: repo.dir });
      expect(check).toMatchObject({
        exitCode: 0,
        stdout: '✓ reletan.config.ts is valid (stages: dev, prod)\n',
      });
    } finally {
      await repo.cleanup();
    }
  });

  it('writes a commented JSON config that passes config check', async () => {
    expect((await reletan(['init', '--format', 'json'])).exitCode).toBe(0);
    const text = await readFile(path.join(dir.path, 'reletan.config.json'), 'utf8');
    expect(text).toContain('// ');
    expect(text).toContain('"$schema"');
    expect((await reletan(['config', 'check'])).exitCode).toBe(0);
  });

  it('refuses to overwrite an existing config, exit 1, and writes nothing', async () => {
    await writeFile(path.join(dir.path, 'reletan.config.ts'), 'export default {};\n');
    const result = await reletan(['init']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('refusing to overwrite');
    expect(result.stderr).toContain('--force');
    expect(await readFile(path.join(dir.path, 'reletan.config.ts'), 'utf8')).toBe('export default {};\n');
    await expect(readFile(path.join(dir.path, '.env.example'))).rejects.toThrow();
  });

  it('keeps an existing .env.example and adds only missing .gitignore lines', async () => {
    await writeFile(path.join(dir.path, '.env.example'), 'APP_KEY=\n');
    await writeFile(path.join(dir.path, '.gitignore'), 'node_modules\n.env');
    const result = await reletan(['init']);
    expect(result.stdout).toContain('kept .env.example (exists)');
    expect(await readFile(path.join(dir.path, '.env.example'), 'utf8')).toBe('APP_KEY=\n');
    const ignore = await readFile(path.join(dir.path, '.gitignore'), 'utf8');
    expect(ignore.match(/^\.env$/gm)).toHaveLength(1);
    expect(ignore).toContain('\n.env.secret\n.env.*.secret\n');
    expect(ignore.startsWith('node_modules\n.env\n')).toBe(true);
  });

  it('prints the plan and writes nothing with --dry-run', async () => {
    const result = await reletan(['init', '--dry-run', '--json']);
    expect(JSON.parse(result.stdout)).toEqual({
      dryRun: true,
      files: [
        { file: 'reletan.config.ts', action: 'create' },
        { file: '.env.example', action: 'create' },
        { file: '.env.visible', action: 'create' },
        { file: '.gitignore', action: 'create' },
      ],
      // The plan's steps: described, none run.
      steps: ['reletan.config.ts', '.env.example', '.env.visible', '.gitignore'].map((file) => ({
        id: `write:${file}`,
        description: `create ${file}`,
        status: 'planned',
      })),
    });
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(dir.path)).toEqual([]);
  });
});
