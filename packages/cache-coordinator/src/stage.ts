/**
 * A configured stage's cache settings and prefix (`@reletan/cache-coordinator/stage`): the part of the
 * package that reads reletan's config. Apart from the main entry, so that a service importing the client
 * loads no config code (zod, the loader) and need not install `@reletan/config`.
 */
import path from 'node:path';
import { type CacheConfig, type ReletanConfig, resolveStage } from '@reletan/config';
import {
  createGitRunner,
  type GitRunner,
  parseRepositoryUrl,
  type ReleaseIdentity,
  resolveReleaseIdentity,
} from '@reletan/core';
import { usageError } from '@reletan/core/errors';
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
  /**
   * The release being deployed (only the `release` strategy needs one): its identity, as a pipeline
   * computes it once for everything it scopes, or an id the user gave.
   * @default the tag at HEAD, else the commit (core's `resolveReleaseIdentity`)
   */
  release?: ReleaseIdentity | string;
}

export interface CachePrefixResult extends CacheSettings {
  prefix: string;
  /** The release the prefix is scoped to (`release` strategy only): its `id`, and where it came from. */
  release: ReleaseIdentity | null;
  /** `{ [prefixKey]: prefix }`, for the app's `.env`. */
  entry: Record<string, string>;
}

/** The prefix of `stage` for a release, with everything it was derived from. */
export async function resolveCachePrefix(options: ResolveCachePrefixOptions): Promise<CachePrefixResult> {
  const git = options.git ?? createGitRunner({ cwd: options.cwd ?? process.cwd() });
  const settings = await resolveCacheSettings({ ...options, git });
  let release: ReleaseIdentity | null = null;
  if (settings.strategy === 'release') {
    release =
      typeof options.release === 'object'
        ? options.release
        : await resolveReleaseIdentity({
            git,
            tagPrefix: options.config.git.tagPrefix,
            ...(options.release === undefined ? {} : { given: options.release }),
          });
  }
  const entry = cachePrefixEntry(settings, release?.id);
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
