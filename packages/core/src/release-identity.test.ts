import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitRunner } from './git.js';
import { resolveReleaseIdentity, SHORT_SHA_LENGTH } from './release-identity.js';
import { createTestRepo, makeTempDir, type TestRepo, testGitEnv } from './testing.js';

let repo: TestRepo;
beforeEach(async () => {
  repo = await createTestRepo({ withOrigin: false });
});
afterEach(async () => {
  await repo.cleanup();
});

describe('the release identity', () => {
  it('is the tag at HEAD, preferring release tags, the highest version first', async () => {
    await repo.git.run(['tag', 'deployed-prod']);
    await repo.git.run(['tag', 'v1.4.0']);
    await repo.git.run(['tag', 'v1.10.0']);
    const sha = await repo.git.output(['rev-parse', 'HEAD']);
    expect(await resolveReleaseIdentity({ git: repo.git, tagPrefix: 'v' })).toEqual({
      id: 'v1.10.0',
      source: 'tag',
      tag: 'v1.10.0',
      version: '1.10.0',
      sha,
      shortSha: sha.slice(0, SHORT_SHA_LENGTH),
    });
  });

  it('is any tag at HEAD when none has the release prefix (with no version)', async () => {
    await repo.git.run(['tag', 'deployed-prod']);
    expect(await resolveReleaseIdentity({ git: repo.git, tagPrefix: 'v' })).toMatchObject({
      id: 'deployed-prod',
      source: 'tag',
      version: undefined,
    });
  });

  it('is the commit, shortened to a fixed length, when HEAD has no tag', async () => {
    const sha = await repo.git.output(['rev-parse', 'HEAD']);
    expect(await resolveReleaseIdentity({ git: repo.git })).toMatchObject({
      id: sha.slice(0, SHORT_SHA_LENGTH),
      source: 'commit',
      tag: undefined,
      sha,
    });
  });

  it('is the id given, with the sha of HEAD when there is one', async () => {
    const sha = await repo.git.output(['rev-parse', 'HEAD']);
    expect(await resolveReleaseIdentity({ git: repo.git, given: 'build-812' })).toMatchObject({
      id: 'build-812',
      source: 'given',
      sha,
    });
  });

  it('is a usage error outside a git repository, unless an id is given', async () => {
    const dir = await makeTempDir();
    try {
      const git = createGitRunner({ cwd: dir.path, env: testGitEnv() });
      await expect(resolveReleaseIdentity({ git })).rejects.toMatchObject({
        code: 'RELEASE_UNKNOWN',
        kind: 'usage',
      });
      expect(await resolveReleaseIdentity({ git, given: 'r1' })).toMatchObject({ id: 'r1', sha: undefined });
    } finally {
      await dir.cleanup();
    }
  });
});
