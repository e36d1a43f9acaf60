import { usageError } from './errors.js';
import type { GitRunner } from './git.js';

/**
 * The release being deployed, computed once and used everywhere it scopes something: the cache prefix,
 * the Elastic Beanstalk version label, index and journal names.
 */
export interface ReleaseIdentity {
  /** What names the release: the tag at HEAD, else the short sha; or the id it was given. */
  id: string;
  source: 'given' | 'tag' | 'commit';
  /** The tag at HEAD (undefined when HEAD has none, or the id was given). */
  tag: string | undefined;
  /** The tag's semver version without the tag prefix (`v1.4.0` → `1.4.0`); undefined for other tags. */
  version: string | undefined;
  /** HEAD's full sha; undefined only when an id was given outside a git repository. */
  sha: string | undefined;
  /** The first {@link SHORT_SHA_LENGTH} characters of `sha`. */
  shortSha: string | undefined;
}

/** Length of a short sha in release ids: fixed, so every machine derives the same names from one commit. */
export const SHORT_SHA_LENGTH = 12;

export interface ResolveReleaseIdentityOptions {
  git: GitRunner;
  /** Release tags are this prefix and a semver version. @default "v" */
  tagPrefix?: string;
  /** An id chosen by the user (e.g. a CI build number); HEAD still gives the sha when there is one. */
  given?: string;
}

const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/**
 * The release at HEAD: its tag (preferring `tagPrefix` tags, the highest version first), else its short
 * sha. A usage error outside a git repository with a commit, unless an id is given.
 */
export async function resolveReleaseIdentity(
  options: ResolveReleaseIdentityOptions,
): Promise<ReleaseIdentity> {
  const prefix = options.tagPrefix ?? 'v';
  const head = await options.git
    .run(['rev-parse', '--verify', 'HEAD'], { allowFailure: true })
    .catch(() => undefined);
  const sha = head?.exitCode === 0 ? head.stdout.trim() : undefined;
  const shortSha = sha?.slice(0, SHORT_SHA_LENGTH);
  if (options.given !== undefined) {
    return { id: options.given, source: 'given', tag: undefined, version: undefined, sha, shortSha };
  }
  if (sha === undefined || shortSha === undefined) {
    throw usageError(
      'RELEASE_UNKNOWN',
      `cannot tell the release: ${options.git.cwd} is not a git repository with a commit`,
      { hint: 'give the release id, or run in the repository of the release' },
    );
  }
  const tags = (await options.git.output(['tag', '--points-at', 'HEAD', '--sort=-version:refname']))
    .split('\n')
    .map((tag) => tag.trim())
    .filter(Boolean);
  const tag = tags.find((candidate) => prefix !== '' && candidate.startsWith(prefix)) ?? tags[0];
  if (tag === undefined)
    return { id: shortSha, source: 'commit', tag: undefined, version: undefined, sha, shortSha };
  const bare = tag.startsWith(prefix) ? tag.slice(prefix.length) : tag;
  return { id: tag, source: 'tag', tag, version: SEMVER.test(bare) ? bare : undefined, sha, shortSha };
}
