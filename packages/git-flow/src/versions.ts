import { ReletanError, usageError } from '@reletan/core';
import semver from 'semver';

/** Which part of the version a new release or hotfix increments. */
export type VersionBump = 'major' | 'minor' | 'patch';

/** A release tag: `tagPrefix` followed by a semver version. */
export interface ReleaseTag {
  tag: string;
  version: string;
}

/**
 * The version a tag names, when it is `prefix` + a strict semver version (`v1.2.3`, `v2.0.0-rc.1`);
 * undefined for anything else (`v1.2`, `latest`, `vv1.2.3`, a tag of another prefix).
 */
export function parseReleaseTag(tag: string, prefix: string): string | undefined {
  if (!tag.startsWith(prefix)) return undefined;
  return strictVersion(tag.slice(prefix.length));
}

/** `text` when it is a strict semver version; semver itself would also accept `v1.2.3` and `=1.2.3`. */
function strictVersion(text: string): string | undefined {
  if (!/^\d/.test(text) || /\s/.test(text)) return undefined;
  const parsed = semver.parse(text);
  return parsed && parsed.raw === text ? text : undefined;
}

/** The greatest release among `tags` (semver order, prereleases below their release). */
export function latestRelease(tags: Iterable<string>, prefix: string): ReleaseTag | undefined {
  let best: ReleaseTag | undefined;
  for (const tag of tags) {
    const version = parseReleaseTag(tag, prefix);
    if (version !== undefined && (best === undefined || semver.gt(version, best.version))) {
      best = { tag, version };
    }
  }
  return best;
}

/** `version` with one part incremented (semver rules: `1.2.3` + minor = `1.3.0`). */
export function bumpVersion(version: string, bump: VersionBump): string {
  const next = semver.inc(version, bump);
  if (next === null) throw new Error(`cannot bump "${version}"`);
  return next;
}

export interface ResolveVersionInput {
  /** The version the user typed, with or without the tag prefix; undefined to bump the last release. */
  requested?: string | undefined;
  /** @default "minor" */
  bump?: VersionBump;
  /** The last release the default is bumped from (none: `0.0.0`). */
  base?: ReleaseTag | undefined;
  tagPrefix: string;
}

/**
 * The version of a new release or hotfix: the one requested (a usage error when it is not semver), or
 * the base release bumped.
 */
export function resolveVersion(input: ResolveVersionInput): string {
  let version: string;
  if (input.requested !== undefined) {
    const typed = input.requested.trim();
    const normalized =
      strictVersion(typed) ??
      (input.tagPrefix && typed.startsWith(input.tagPrefix)
        ? strictVersion(typed.slice(input.tagPrefix.length))
        : undefined);
    if (normalized === undefined) {
      throw usageError('VERSION_INVALID', `"${input.requested}" is not a semver version`, {
        hint: 'give a version such as 1.4.0 (or 1.4.0-rc.1), or leave it out to bump the last release',
      });
    }
    version = normalized;
  } else {
    version = bumpVersion(input.base?.version ?? '0.0.0', input.bump ?? 'minor');
  }
  return version;
}

/** Refuses (exit 1) a version that is not greater than the latest release; no release yet: any version. */
export function requireGreaterThan(version: string, latest: ReleaseTag | undefined): void {
  if (latest && !semver.gt(version, latest.version)) {
    throw new ReletanError({
      code: 'VERSION_NOT_GREATER',
      message: `version ${version} is not greater than the last release ${latest.tag}`,
      hint: `choose a version above ${latest.version}, or leave it out to bump the last release`,
    });
  }
}
