import { type ReletanConfigInput, validateConfig } from '@reletan/config';
import { createGitRunner, isReletanError, type ReleaseIdentity } from '@reletan/core';
import { createTestRepo, makeTempDir, type TestRepo, testGitEnv } from '@reletan/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cachePrefixEntry, resolveCacheEnv, resolveCachePrefix, resolveCacheSettings } from './stage.js';

let repo: TestRepo;
beforeEach(async () => {
  repo = await createTestRepo();
});
afterEach(async () => {
  await repo.cleanup();
});

const config = (input: ReletanConfigInput) => validateConfig(input);
const cacheStage = (cache: Record<string, unknown>, extra: ReletanConfigInput = {}) =>
  config({ ...extra, stages: { prod: { cache: { servers: ['127.0.0.1:11211'], ...cache } as never } } });

async function usageCode(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (isReletanError(error) && error.kind === 'usage') return error.code;
    throw error;
  }
  throw new Error('expected a usage error');
}

describe('the application name', () => {
  it('is cache.app when set', async () => {
    const settings = await resolveCacheSettings({
      config: cacheStage({ app: 'storefront' }),
      stage: 'prod',
      git: repo.git,
    });
    expect(settings).toMatchObject({
      app: 'storefront',
      appSource: 'config',
      prefixKey: 'CACHE_PREFIX',
      strategy: 'release',
    });
  });

  it('is the name of github.repository otherwise', async () => {
    const settings = await resolveCacheSettings({
      config: cacheStage({}, { github: { repository: 'acme/shop' } }),
      stage: 'prod',
      git: repo.git,
    });
    expect(settings).toMatchObject({ app: 'shop', appSource: 'github.repository' });
  });

  it.each([
    ['git@github.com:acme/shop.git', 'shop'],
    ['https://github.example.com/acme/shop-web', 'shop-web'],
    ['/srv/git/backoffice.git', 'backoffice'],
  ])('is read from the origin remote %s otherwise', async (url, name) => {
    await repo.git.run(['remote', 'set-url', 'origin', url]);
    const settings = await resolveCacheSettings({ config: cacheStage({}), stage: 'prod', git: repo.git });
    expect(settings).toMatchObject({ app: name, appSource: 'git remote' });
  });

  it('is a usage error naming cache.app when nothing tells it', async () => {
    const dir = await makeTempDir();
    try {
      const git = createGitRunner({ cwd: dir.path, env: testGitEnv() });
      expect(await usageCode(resolveCacheSettings({ config: cacheStage({}), stage: 'prod', git }))).toBe(
        'CACHE_APP_MISSING',
      );
    } finally {
      await dir.cleanup();
    }
  });
});

describe('stage problems', () => {
  it('refuses a stage without a cache section', async () => {
    expect(
      await usageCode(resolveCacheSettings({ config: config({ stages: { dev: {} } }), stage: 'dev' })),
    ).toBe('CACHE_NOT_CONFIGURED');
  });

  it('refuses an unknown stage', async () => {
    expect(await usageCode(resolveCacheSettings({ config: cacheStage({ app: 'x' }), stage: 'qa' }))).toBe(
      'STAGE_UNKNOWN',
    );
  });
});

// Which release HEAD is (its tag, else its short sha) is core's resolveReleaseIdentity, tested there.
describe('the release of a release prefix', () => {
  it('is the identity a pipeline computed once, without asking git again', async () => {
    const dir = await makeTempDir();
    try {
      // Not a repository: reading HEAD here would fail.
      const git = createGitRunner({ cwd: dir.path, env: testGitEnv() });
      const release: ReleaseIdentity = {
        id: 'v1.5.0',
        source: 'tag',
        tag: 'v1.5.0',
        version: '1.5.0',
        sha: 'a'.repeat(40),
        shortSha: 'a'.repeat(12),
      };
      const result = await resolveCachePrefix({
        config: cacheStage({ app: 'shop' }),
        stage: 'prod',
        release,
        git,
      });
      expect(result).toMatchObject({ prefix: 'shop.r-v1.5.0', release });
    } finally {
      await dir.cleanup();
    }
  });

  it('prefers tags with the configured tag prefix', async () => {
    await repo.git.run(['tag', 'v9.0.0']);
    await repo.git.run(['tag', 'rel-1.2.0']);
    const result = await resolveCachePrefix({
      config: cacheStage({ app: 'shop' }, { git: { tagPrefix: 'rel-' } }),
      stage: 'prod',
      git: repo.git,
    });
    expect(result.release).toMatchObject({ id: 'rel-1.2.0', source: 'tag', version: '1.2.0' });
  });

  it('is a usage error outside a git repository when none is given', async () => {
    const dir = await makeTempDir();
    try {
      const git = createGitRunner({ cwd: dir.path, env: testGitEnv() });
      expect(
        await usageCode(resolveCachePrefix({ config: cacheStage({ app: 'shop' }), stage: 'prod', git })),
      ).toBe('RELEASE_UNKNOWN');
    } finally {
      await dir.cleanup();
    }
  });
});

describe('the .env entry', () => {
  it('is { CACHE_PREFIX: prefix } for a release', async () => {
    await repo.git.run(['tag', 'v2.0.0']);
    const result = await resolveCachePrefix({
      config: cacheStage({ app: 'shop' }),
      stage: 'prod',
      git: repo.git,
    });
    expect(result.entry).toEqual({ CACHE_PREFIX: 'shop.r-v2.0.0' });
    expect(result.release).toMatchObject({ id: 'v2.0.0', source: 'tag' });
  });

  it('uses the given release and prefixKey', async () => {
    const result = await resolveCachePrefix({
      config: cacheStage({ app: 'shop', prefixKey: 'MEMCACHED_PREFIX' }),
      stage: 'prod',
      release: 'v3.1.0',
      git: repo.git,
    });
    expect(result.entry).toEqual({ MEMCACHED_PREFIX: 'shop.r-v3.1.0' });
  });

  it('does not need git or a release for the schema strategy', async () => {
    const dir = await makeTempDir();
    try {
      const git = createGitRunner({ cwd: dir.path, env: testGitEnv() });
      const result = await resolveCachePrefix({
        config: cacheStage({ app: 'shop', strategy: 'schema', schemaVersion: 4 }),
        stage: 'prod',
        git,
      });
      expect(result).toMatchObject({
        prefix: 'shop.s-4',
        release: null,
        entry: { CACHE_PREFIX: 'shop.s-4' },
      });
    } finally {
      await dir.cleanup();
    }
  });

  it('is {} for a stage without a cache section', async () => {
    expect(await resolveCacheEnv({ config: config({ stages: { dev: {} } }), stage: 'dev' })).toEqual({});
    expect(
      await resolveCacheEnv({ config: cacheStage({ app: 'shop' }), stage: 'prod', release: 'v1' }),
    ).toEqual({
      CACHE_PREFIX: 'shop.r-v1',
    });
  });

  it('is a pure function of the settings and the release', () => {
    const settings = { strategy: 'release', app: 'shop', prefixKey: 'CACHE_PREFIX' } as const;
    expect(cachePrefixEntry(settings, 'v1.2.3')).toEqual({ CACHE_PREFIX: 'shop.r-v1.2.3' });
    expect(cachePrefixEntry({ ...settings, strategy: 'flush-after-rollout' })).toEqual({
      CACHE_PREFIX: 'shop',
    });
  });
});
