import fc from 'fast-check';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import {
  bumpVersion,
  latestRelease,
  parseReleaseTag,
  requireGreaterThan,
  resolveVersion,
  type VersionBump,
} from './versions.js';

const bumps = fc.constantFrom<VersionBump>('major', 'minor', 'patch');
const part = fc.nat({ max: 10_000 });
const release = fc.tuple(part, part, part).map(([a, b, c]) => `${a}.${b}.${c}`);
const prerelease = fc
  .tuple(release, fc.constantFrom('rc', 'beta', 'alpha'), fc.nat({ max: 20 }))
  .map(([version, id, n]) => `${version}-${id}.${n}`);
const anyVersion = fc.oneof(release, prerelease);
const prefix = fc.constantFrom('', 'v', 'release-', 'app@');

describe('bumping a version', () => {
  it('always yields a greater version', () => {
    fc.assert(
      fc.property(anyVersion, bumps, (version, bump) => semver.gt(bumpVersion(version, bump), version)),
    );
  });

  it('resets the lower parts of a release', () => {
    fc.assert(
      fc.property(release, bumps, (version, bump) => {
        const [major, minor, patch] = version.split('.').map(Number) as [number, number, number];
        const expected = {
          major: `${major + 1}.0.0`,
          minor: `${major}.${minor + 1}.0`,
          patch: `${major}.${minor}.${patch + 1}`,
        }[bump];
        expect(bumpVersion(version, bump)).toBe(expected);
      }),
    );
  });

  it('turns a prerelease into its release (semver rules)', () => {
    expect(bumpVersion('2.0.0-rc.1', 'major')).toBe('2.0.0');
    expect(bumpVersion('1.3.0-rc.1', 'minor')).toBe('1.3.0');
    expect(bumpVersion('1.3.1-beta.0', 'patch')).toBe('1.3.1');
  });
});

describe('reading release tags', () => {
  it('round-trips prefix + version', () => {
    fc.assert(
      fc.property(anyVersion, prefix, (version, tagPrefix) => {
        expect(parseReleaseTag(`${tagPrefix}${version}`, tagPrefix)).toBe(version);
      }),
    );
  });

  it.each([
    ['v1.2', 'v'],
    ['latest', 'v'],
    ['vv1.2.3', 'v'],
    ['1.2.3', 'v'],
    ['v01.2.3', 'v'],
    ['v1.2.3 ', 'v'],
    ['v=1.2.3', 'v'],
  ])('rejects %j with prefix %j', (tag, tagPrefix) => {
    expect(parseReleaseTag(tag, tagPrefix)).toBeUndefined();
  });

  it('finds the greatest release whatever the order, ignoring other tags', () => {
    const tagLists = fc.uniqueArray(anyVersion, { minLength: 1, maxLength: 20 }).chain((versions) => {
      const tags = [...versions.map((version) => `v${version}`), 'nightly', 'v1.0', 'x9.9.9'];
      return fc.tuple(
        fc.constant(versions),
        fc.shuffledSubarray(tags, { minLength: tags.length, maxLength: tags.length }),
      );
    });
    fc.assert(
      fc.property(tagLists, ([versions, tags]) => {
        const greatest = [...versions].sort(semver.rcompare)[0];
        expect(latestRelease(tags, 'v')).toEqual({ tag: `v${greatest}`, version: greatest });
      }),
    );
  });

  it('finds none among tags of another prefix', () => {
    expect(latestRelease(['1.0.0', 'app@2.0.0'], 'v')).toBeUndefined();
  });
});

describe('choosing the version of a new release', () => {
  it('bumps the base release, minor by default, from 0.0.0 when there is none', () => {
    expect(resolveVersion({ tagPrefix: 'v' })).toBe('0.1.0');
    expect(resolveVersion({ tagPrefix: 'v', base: { tag: 'v1.4.2', version: '1.4.2' } })).toBe('1.5.0');
    expect(resolveVersion({ tagPrefix: 'v', bump: 'patch', base: { tag: 'v1.4.2', version: '1.4.2' } })).toBe(
      '1.4.3',
    );
  });

  it('accepts the version with or without the tag prefix', () => {
    fc.assert(
      fc.property(anyVersion, prefix, fc.boolean(), (version, tagPrefix, withPrefix) => {
        const requested = withPrefix ? `${tagPrefix}${version}` : version;
        expect(resolveVersion({ requested, tagPrefix })).toBe(version);
      }),
    );
  });

  it('is a usage error for a version that is not semver', () => {
    expect(() => resolveVersion({ requested: '1.2', tagPrefix: 'v' })).toThrow(
      expect.objectContaining({ code: 'VERSION_INVALID', kind: 'usage' }),
    );
  });

  it('refuses a version that is not greater than the latest release', () => {
    fc.assert(
      fc.property(anyVersion, anyVersion, (version, latest) => {
        const run = () => requireGreaterThan(version, { tag: `v${latest}`, version: latest });
        if (semver.gt(version, latest)) expect(run).not.toThrow();
        else
          expect(run).toThrow(
            expect.objectContaining({
              code: 'VERSION_NOT_GREATER',
              kind: 'failure',
              message: `version ${version} is not greater than the last release v${latest}`,
            }),
          );
      }),
    );
  });

  it('accepts any version when there is no release yet', () => {
    fc.assert(
      fc.property(anyVersion, (version) => {
        expect(() => requireGreaterThan(version, undefined)).not.toThrow();
      }),
    );
  });
});
