import path from 'node:path';
import { type CacheConfig, type ReletanConfig, resolveStage } from '@reletan/config';
import { createGitRunner, type GitRunner, parseRepositoryUrl, usageError } from '@reletan/core';
import { type CacheStrategy, cachePrefix } from './prefix.js';

/** A stage's `cache` section with every default filled in. */
export interface CacheSettings {
  stage: string;
  servers: string[];
  strategy: CacheStrategy;
  schemaVersion?: string | number;
  /** The `.env` key the prefix is written to, e.g. `CACHE_PREFIX`. */
  prefixKey: string;
  app: string;
  /** Where `app` came from. */
  appSource: 'config' | 'github.repository' | 'git remote';
}

export interface ResolveCacheSettingsOptions {
  config: ReletanConfig;
  stage: string;
  /** The repository, for the app name when neither `cache.app` nor `github.repository` is set. @default process.cwd() */
  cwd?: string;
  /** @default a git runner in `cwd` */
  git?: GitRunner;
}

/**
 * The cache settings of `stage`. `app` defaults to the repository name: `github.repository`'s, else
 * the one the git remote (`git.remote`, default `origin`) points at.
 */
export async function resolveCacheSettings(options: ResolveCacheSettingsOptions): Promise<CacheSettings> {
  const cache = requireStageCache(options.config, options.stage);
  const base = {
    stage: options.stage,
    servers: [...cache.servers],
    strategy: cache.strategy,
    ...(cache.schemaVersion === undefined ? {} : { schemaVersion: cache.schemaVersion }),
    prefixKey: cache.prefixKey,
  };
  if (cache.app) return { ...base, app: cache.app, appSource: 'config' };
  const repository = options.config.github.repository;
  if (repository) return { ...base, app: repository.split('/')[1] as string, appSource: 'github.repository' };
  const git = options.git ?? createGitRunner({ cwd: options.cwd ?? process.cwd() });
  const remote = options.config.git.remote;
  const url = (
    await git.run(['remote', 'get-url', remote], { allowFailure: true }).catch(() => undefined)
  )?.stdout.trim();
  const name = url ? repositoryName(url) : undefined;
  if (!name) {
    throw usageError('CACHE_APP_MISSING', `cannot tell the application name of stage "${options.stage}"`, {
      input: { path: `stages.${options.stage}.cache.app` },
      hint: `set stages.${options.stage}.cache.app or github.repository (no "${remote}" remote to read it from)`,
    });
  }
  return { ...base, app: name, appSource: 'git remote' };
}

/** The `cache` section of `stage`; a usage error when the stage is unknown or has none. */
export function requireStageCache(config: ReletanConfig, stageName: string): CacheConfig {
  const stage = resolveStage(config, stageName);
  if (!stage.cache) {
    throw usageError('CACHE_NOT_CONFIGURED', `stage "${stage.name}" has no cache section`, {
      input: { path: `stages.${stage.name}.cache` },
      hint: `add "cache": { "servers": ["host:11211"] } to stages.${stage.name} in the reletan config`,
    });
  }
  return stage.cache;
}

/** `shop` from `git@github.com:acme/shop.git`, `https://.../acme/shop`, or a local `/srv/git/shop.git`. */
function repositoryName(url: string): string | undefined {
  const parsed = parseRepositoryUrl(url);
  if (parsed) return parsed.name;
  // A local remote (a path or a file:// URL) is named by its directory.
  if (url.includes('://') && !url.startsWith('file://')) return undefined;
  const name = path.basename(url.replace(/^file:\/\//, '').replace(/[/\\]+$/, '')).replace(/\.git$/, '');
  return name || undefined;
}

/** A release id and where it came from. */
export interface ReleaseId {
  release: string;
  source: 'given' | 'tag' | 'commit';
}

/** Length of the commit-sha release id: fixed, so every machine derives the same prefix. */
export const RELEASE_SHA_LENGTH = 12;

/**
 * The release HEAD is: the tag pointing at it (preferring `tagPrefix` tags, the highest version first),
 * else the first {@link RELEASE_SHA_LENGTH} characters of its sha.
 */
export async function resolveReleaseId(options: { git: GitRunner; tagPrefix?: string }): Promise<ReleaseId> {
  const head = await options.git
    .run(['rev-parse', '--verify', 'HEAD'], { allowFailure: true })
    .catch(() => undefined);
  if (head?.exitCode !== 0) {
    throw usageError(
      'CACHE_RELEASE_UNKNOWN',
      `cannot tell the release: ${options.git.cwd} is not a git repository with a commit`,
      {
        hint: 'pass the release id with --release ID',
      },
    );
  }
  const tags = (await options.git.output(['tag', '--points-at', 'HEAD', '--sort=-version:refname']))
    .split('\n')
    .map((tag) => tag.trim())
    .filter(Boolean);
  const prefix = options.tagPrefix ?? 'v';
  const tag = tags.find((candidate) => prefix !== '' && candidate.startsWith(prefix)) ?? tags[0];
  if (tag) return { release: tag, source: 'tag' };
  return { release: head.stdout.trim().slice(0, RELEASE_SHA_LENGTH), source: 'commit' };
}

/** The `.env` entry carrying the prefix: `{ [prefixKey]: prefix }`. Pure. */
export function cachePrefixEntry(
  settings: Pick<CacheSettings, 'strategy' | 'app' | 'schemaVersion' | 'prefixKey'>,
  release?: string,
): Record<string, string> {
  return {
    [settings.prefixKey]: cachePrefix({
      strategy: settings.strategy,
      app: settings.app,
      release,
      schemaVersion: settings.schemaVersion,
    }),
  };
}

export interface ResolveCachePrefixOptions extends ResolveCacheSettingsOptions {
  /** The release being deployed. @default the tag at HEAD, else the commit (only `release` needs one) */
  release?: string;
}

export interface CachePrefixResult extends CacheSettings {
  prefix: string;
  /** The release id used (`release` strategy only). */
  release: ReleaseId | null;
  /** `{ [prefixKey]: prefix }`, for the app's `.env`. */
  entry: Record<string, string>;
}

/** The prefix of `stage` for a release, with everything it was derived from. */
export async function resolveCachePrefix(options: ResolveCachePrefixOptions): Promise<CachePrefixResult> {
  const git = options.git ?? createGitRunner({ cwd: options.cwd ?? process.cwd() });
  const settings = await resolveCacheSettings({ ...options, git });
  let release: ReleaseId | null = null;
  if (settings.strategy === 'release') {
    release =
      options.release === undefined
        ? await resolveReleaseId({ git, tagPrefix: options.config.git.tagPrefix })
        : { release: options.release, source: 'given' };
  }
  const entry = cachePrefixEntry(settings, release?.release);
  return { ...settings, prefix: entry[settings.prefixKey] as string, release, entry };
}

/**
 * What the deploy pipeline adds to the app's `.env` for `stage`: `{ CACHE_PREFIX: "shop.r-v1.4.0" }`
 * (the key is `cache.prefixKey`), or `{}` when the stage has no cache section.
 */
export async function resolveCacheEnv(options: ResolveCachePrefixOptions): Promise<Record<string, string>> {
  const stage = resolveStage(options.config, options.stage);
  if (!stage.cache) return {};
  return (await resolveCachePrefix(options)).entry;
}
