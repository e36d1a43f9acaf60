export {
  type Cache,
  type CacheDegradedEvent,
  type CacheOperation,
  type CacheSetOptions,
  type CreateCacheOptions,
  createCache,
} from './client.js';
export {
  ABSENT,
  decodeEntry,
  encodeEntry,
  FOREIGN,
  FORMAT_TAG,
  type Miss,
  type MissReason,
  UNDECODABLE,
} from './codec.js';
export { MAX_TTL_SECONDS } from './expiry.js';
export { type FlushServersOptions, flushServers, type ServerFlushResult } from './flush.js';
export {
  type CacheFlushPlan,
  type CacheFlushResult,
  type CacheFlushServices,
  type FlushServerStep,
  type PlanCacheFlushOptions,
  type PlannedCacheFlush,
  planCacheFlush,
  type RunCacheFlushOptions,
  runCacheFlush,
} from './flush-plan.js';
export { createHashRing, type HashRing } from './ketama.js';
export { isValidMemcachedKey, MAX_KEY_BYTES, memcachedKey, RESERVED_KEY_NAMESPACE } from './keys.js';
export type { MemjsModule } from './memjs.js';
export { type CachePrefixInput, type CacheStrategy, cachePrefix, MAX_PREFIX_LENGTH } from './prefix.js';
export {
  type BeginRolloutResult,
  type CompleteRolloutResult,
  createRolloutCoordinator,
  DEFAULT_ROLLOUT_TTL_SECONDS,
  decideFlush,
  type FlushDecision,
  type InstanceVersion,
  type ReadRolloutStatusOptions,
  type RefreshRolloutResult,
  type RolloutCoordinator,
  type RolloutCoordinatorOptions,
  type RolloutServerState,
  type RolloutStatus,
  readRolloutStatus,
  unconfirmedInstances,
} from './rollout.js';
export {
  ROLLOUT_REGISTRY_KEY,
  type RolloutId,
  type RolloutMarker,
  UNREADABLE_MARKER_RELEASE,
} from './rollout-registry.js';
export { parseServerAddress, type ServerAddress } from './servers.js';
export {
  type CollectCacheStatsOptions,
  collectCacheStats,
  type ServerStats,
  summarizeStats,
} from './stats.js';
