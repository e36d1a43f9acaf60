import { readFileSync } from 'node:fs';
import { isReletanError, type ReletanError } from '@reletan/core';
import { describe, expect, it } from 'vitest';
import { validateConfig } from './validate.js';

/** The example config of the foundation issue: the contract for every section's names. */
const exampleConfig: unknown = JSON.parse(
  readFileSync(new URL('../test/fixtures/example.reletan.config.json', import.meta.url), 'utf8'),
);

function rejection(raw: unknown, jsonText?: string): ReletanError {
  try {
    validateConfig(raw, { file: 'reletan.config.json', ...(jsonText ? { jsonText } : {}) });
  } catch (error) {
    if (isReletanError(error)) return error;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

/** Every problem line of a rejection: the message when there is one problem, the details otherwise. */
function problems(error: ReletanError): string[] {
  return error.details.length ? [...error.details] : [error.message];
}

function withEnvironments(environments: unknown[]) {
  return { stages: { dev: { deploy: { region: 'ap-northeast-1', application: 'shop', environments } } } };
}

describe('accepting configs', () => {
  it('accepts the documented example and keeps its values', () => {
    const config = validateConfig(exampleConfig);
    const deploy = config.stages.dev?.deploy;
    expect(deploy?.target === 'elastic-beanstalk' && deploy.environments[1]?.after).toBe('shop-dev-worker');
    expect(config.github.repository).toBe('acme/shop');
    expect(config.stages.prod).toEqual({ tag: 'v*' });
  });

  it('accepts an empty config and fills in git-flow defaults', () => {
    const config = validateConfig({});
    expect(config.git).toEqual({
      mainBranch: 'main',
      developBranch: 'develop',
      releasePrefix: 'release/',
      hotfixPrefix: 'hotfix/',
      tagPrefix: 'v',
      remote: 'origin',
    });
    expect(config.automerge.method).toBe('merge');
    expect(config.automerge.requiredApprovals).toBe(1);
    expect(config.stages).toEqual({});
  });

  it('fills defaults inside a partly written section', () => {
    const config = validateConfig({ git: { mainBranch: 'master' } });
    expect(config.git.mainBranch).toBe('master');
    expect(config.git.developBranch).toBe('develop');
  });

  it('accepts an empty stage', () => {
    expect(validateConfig({ stages: { qa: {} } }).stages.qa).toEqual({});
  });

  it('allows a $schema key for editors', () => {
    expect(() =>
      validateConfig({ $schema: './node_modules/@reletan/core/reletan.config.schema.json' }),
    ).not.toThrow();
  });
});

describe('rejecting configs with the exact path', () => {
  it('rejects an "after" naming no environment of the stage', () => {
    const error = rejection(
      withEnvironments([
        { name: 'shop-dev-worker', role: 'worker' },
        { name: 'shop-dev-web', role: 'web', after: 'nope' },
      ]),
    );
    expect(error.kind).toBe('usage');
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe('stages.dev.deploy.environments[1].after: unknown environment "nope"');
    expect(error.input).toMatchObject({
      file: 'reletan.config.json',
      path: 'stages.dev.deploy.environments[1].after',
    });
  });

  it('rejects an "after" naming an environment of another stage', () => {
    const config = {
      stages: {
        dev: {
          deploy: {
            region: 'ap-northeast-1',
            application: 'shop',
            environments: [{ name: 'shop-dev-web', role: 'web', after: 'shop-prod-worker' }],
          },
        },
        prod: {
          deploy: {
            region: 'ap-northeast-1',
            application: 'shop',
            environments: [{ name: 'shop-prod-worker', role: 'worker' }],
          },
        },
      },
    };
    expect(rejection(config).message).toBe(
      'stages.dev.deploy.environments[0].after: unknown environment "shop-prod-worker"',
    );
  });

  it('suggests the environment a misspelt "after" probably meant', () => {
    const error = rejection(
      withEnvironments([
        { name: 'shop-dev-worker', role: 'worker' },
        { name: 'shop-dev-web', role: 'web', after: 'shop-dev-wroker' },
      ]),
    );
    expect(error.message).toContain('(did you mean "shop-dev-worker"?)');
  });

  it('rejects a wrong type', () => {
    expect(rejection({ automerge: { requiredApprovals: 'two' } }).message).toBe(
      'automerge.requiredApprovals: expected number, got "two"',
    );
  });

  it('rejects a value outside an enum', () => {
    expect(rejection({ automerge: { method: 'fast-forward' } }).message).toBe(
      'automerge.method: expected "merge" or "squash" or "rebase", got "fast-forward"',
    );
  });

  it('rejects a misspelt key and suggests the right one', () => {
    const error = rejection({ git: { mainBrach: 'main' } });
    expect(error.message).toBe('git.mainBrach: unknown key "mainBrach" (did you mean "mainBranch"?)');
    expect(error.input?.path).toBe('git.mainBrach');
  });

  it('rejects unknown top-level sections', () => {
    expect(rejection({ deploy: {} }).message).toMatch(/^deploy: unknown key "deploy"/);
  });

  it('rejects an "after" cycle and shows it', () => {
    const error = rejection(
      withEnvironments([
        { name: 'env-a', role: 'worker', after: 'env-c' },
        { name: 'env-b', role: 'web', after: 'env-a' },
        { name: 'env-c', role: 'web', after: 'env-b' },
      ]),
    );
    expect(error.message).toMatch(/^stages\.dev\.deploy\.environments\[\d\]\.after: "after" forms a cycle: /);
    expect(error.message).toContain('"env-a" → "env-c" → "env-b" → "env-a"');
  });

  it('rejects an environment deploying after itself', () => {
    expect(rejection(withEnvironments([{ name: 'env-a', role: 'web', after: 'env-a' }])).message).toBe(
      'stages.dev.deploy.environments[0].after: environment "env-a" cannot deploy after itself',
    );
  });

  it('rejects duplicate environment names in a stage', () => {
    const error = rejection(
      withEnvironments([
        { name: 'shop-dev-web', role: 'web' },
        { name: 'shop-dev-worker', role: 'worker' },
        { name: 'shop-dev-web', role: 'worker' },
      ]),
    );
    expect(error.message).toBe(
      'stages.dev.deploy.environments[2].name: duplicate environment "shop-dev-web" (also at environments[0])',
    );
  });

  it('allows the same environment name in different stages', () => {
    const stage = {
      deploy: {
        region: 'ap-northeast-1',
        application: 'shop',
        environments: [{ name: 'shop-web', role: 'web' }],
      },
    };
    expect(() => validateConfig({ stages: { dev: stage, prod: stage } })).not.toThrow();
  });

  it.each([
    ['branch', 'release/**:x'],
    ['branch', 'feature branch'],
    ['tag', 'v..1'],
    ['tag', ''],
    ['branch', '/develop'],
    ['branch', 'x.lock'],
  ])('rejects an invalid %s pattern %j', (field, pattern) => {
    const error = rejection({ stages: { dev: { [field]: pattern } } });
    expect(error.message).toMatch(new RegExp(`^stages\\.dev\\.${field}: `));
  });

  it('requires schemaVersion for the "schema" cache strategy', () => {
    expect(
      rejection({ stages: { dev: { cache: { servers: ['cache:11211'], strategy: 'schema' } } } }).message,
    ).toMatch(/^stages\.dev\.cache\.schemaVersion: required by strategy "schema"/);
  });

  it('lists every problem when there are several', () => {
    const error = rejection({ git: { mainBrach: 'x' }, automerge: { method: 'x' } });
    expect(error.message).toBe('reletan.config.json has 2 problems');
    expect(problems(error)).toEqual([
      'reletan.config.json: git.mainBrach: unknown key "mainBrach" (did you mean "mainBranch"?)',
      'reletan.config.json: automerge.method: expected "merge" or "squash" or "rebase", got "x"',
    ]);
  });
});

describe('the release section', () => {
  it('defaults to ungrouped notes that leave out only bots', () => {
    expect(validateConfig({}).release).toEqual({ notes: { groups: [], excludeAuthors: [] } });
  });

  it('accepts label groups and excluded authors', () => {
    const config = validateConfig({
      release: {
        notes: {
          groups: [
            { title: 'Features', labels: ['feature', 'enhancement'] },
            { title: 'Fixes', labels: ['bug'] },
          ],
          excludeAuthors: ['renovate-bot'],
        },
      },
    });
    expect(config.release.notes.groups[1]).toEqual({ title: 'Fixes', labels: ['bug'] });
    expect(config.release.notes.excludeAuthors).toEqual(['renovate-bot']);
  });

  it('rejects a group without labels, naming its path', () => {
    expect(rejection({ release: { notes: { groups: [{ title: 'Fixes', labels: [] }] } } }).message).toBe(
      'release.notes.groups[0].labels: must list at least one label',
    );
  });

  it('rejects a misspelt key in a group', () => {
    const error = rejection({ release: { notes: { groups: [{ title: 'Fixes', label: ['bug'] }] } } });
    expect(problems(error)).toContain(
      'reletan.config.json: release.notes.groups[0].label: unknown key "label" (did you mean "labels"?)',
    );
  });
});

describe('pointing at lines in JSON files', () => {
  it('gives line and column of the offending value', () => {
    const text = `{
  "stages": {
    "dev": {
      "deploy": {
        "region": "ap-northeast-1", "application": "shop",
        "environments": [
          { "name": "shop-dev-worker", "role": "worker" },
          { "name": "shop-dev-web", "role": "web", "after": "nope" }
        ]
      }
    }
  }
}`;
    const error = rejection(JSON.parse(text), text);
    expect(error.input).toMatchObject({ line: 8, column: 61 });
  });

  it('points an unknown key at the key itself', () => {
    const text = '{\n  "git": {\n    "mainBrach": "main"\n  }\n}';
    expect(rejection(JSON.parse(text), text).input).toMatchObject({ line: 3, column: 5 });
  });

  it('points a missing key at the object that lacks it', () => {
    const text =
      '{\n  "stages": {\n    "dev": { "deploy": { "region": "ap-northeast-1", "environments": [{ "name": "shop-web", "role": "web" }] } }\n  }\n}';
    const error = rejection(JSON.parse(text), text);
    expect(error.message).toBe('stages.dev.deploy.application: required (string)');
    expect(error.input).toMatchObject({ line: 3, column: 24 });
  });
});

describe('deploy targets', () => {
  it('defaults to Elastic Beanstalk with its defaults filled in', () => {
    const deploy = validateConfig(withEnvironments([{ name: 'shop-dev-web', role: 'web' }])).stages.dev
      ?.deploy;
    expect(deploy).toMatchObject({
      target: 'elastic-beanstalk',
      keepVersions: 50,
      timeoutMinutes: 30,
      healthy: ['Green'],
      process: false,
      hooks: { perInstance: [] },
    });
  });

  it('takes a list of environments in "after", and a staggered start', () => {
    const deploy = validateConfig(
      withEnvironments([
        { name: 'shop-dev-worker', role: 'worker' },
        { name: 'shop-dev-api', role: 'web' },
        {
          name: 'shop-dev-web',
          role: 'web',
          after: ['shop-dev-worker', 'shop-dev-api'],
          startDelaySeconds: 60,
        },
      ]),
    ).stages.dev?.deploy;
    expect(deploy?.target === 'elastic-beanstalk' && deploy.environments[2]).toMatchObject({
      after: ['shop-dev-worker', 'shop-dev-api'],
      startDelaySeconds: 60,
    });
  });

  it('points at the entry of an "after" list that names no environment, with a suggestion', () => {
    expect(
      rejection(
        withEnvironments([
          { name: 'shop-dev-worker', role: 'worker' },
          { name: 'shop-dev-web', role: 'web', after: ['shop-dev-worker', 'shop-dev-wroker2'] },
        ]),
      ).message,
    ).toBe(
      'stages.dev.deploy.environments[1].after[1]: unknown environment "shop-dev-wroker2" (did you mean "shop-dev-worker"?)',
    );
  });

  it('finds a cycle through "after" lists', () => {
    const error = rejection(
      withEnvironments([
        { name: 'env-a', role: 'worker', after: ['env-b'] },
        { name: 'env-b', role: 'web', after: ['env-c', 'env-a'] },
        { name: 'env-c', role: 'web' },
      ]),
    );
    expect(error.message).toContain('"after" forms a cycle: "env-a" → "env-b" → "env-a"');
  });

  it('refuses a start delay without "after" (it counts from their start)', () => {
    expect(
      rejection(withEnvironments([{ name: 'shop-dev-web', role: 'web', startDelaySeconds: 30 }])).message,
    ).toBe(
      'stages.dev.deploy.environments[0].startDelaySeconds: needs "after": the delay counts from the start of the environments it names',
    );
  });

  it('accepts a local target with its hooks, and refuses Elastic Beanstalk keys there', () => {
    const deploy = validateConfig({
      stages: {
        dev: {
          deploy: {
            target: 'local',
            path: '/srv/shop',
            hooks: { migrate: 'php artisan migrate --force', perInstance: ['php artisan config:cache'] },
          },
        },
      },
    }).stages.dev?.deploy;
    expect(deploy).toEqual({
      target: 'local',
      path: '/srv/shop',
      keep: 5,
      hooks: { migrate: 'php artisan migrate --force', perInstance: ['php artisan config:cache'] },
    });
    expect(
      rejection({
        stages: { dev: { deploy: { target: 'local', path: '/srv/shop', region: 'ap-northeast-1' } } },
      }).message,
    ).toMatch(/^stages\.dev\.deploy\.region: unknown key "region"/);
  });

  it('names the targets for an unknown one', () => {
    expect(rejection({ stages: { dev: { deploy: { target: 'heroku' } } } }).message).toContain(
      'target must be "elastic-beanstalk" or "local"',
    );
  });
});
