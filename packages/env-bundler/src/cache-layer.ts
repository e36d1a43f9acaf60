import type { ReletanConfig } from '@reletan/config';
import type { GitRunner, ReleaseIdentity } from '@reletan/core';
import type { ComputedLayer } from './layers.js';

export interface CachePrefixLayerOptions {
  config: ReletanConfig;
  stage: string;
  /** The repository (for the app name from the git remote). */
  cwd: string;
  release?: ReleaseIdentity | string;
  git?: GitRunner;
}

/**
 * The stage's cache prefix as a computed layer (`CACHE_PREFIX`, or `cache.prefixKey`), scoped to the
 * release the env is built for: the app reads the keys of the release it runs, so old and new code never
 * share cache entries during a rollout. The cache package loads only for a stage with a cache section.
 */
export async function cachePrefixLayer(options: CachePrefixLayerOptions): Promise<ComputedLayer | undefined> {
  const { resolveCacheEnv } = await import('@reletan/cache-coordinator/stage');
  const values = await resolveCacheEnv(options);
  return Object.keys(values).length > 0 ? { name: 'cache-coordinator', values } : undefined;
}
