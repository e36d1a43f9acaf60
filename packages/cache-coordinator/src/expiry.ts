import { usageError } from '@reletan/core/errors';

/** memcached reads an expiry above 30 days as a Unix time, so longer TTLs are refused. */
export const MAX_TTL_SECONDS = 60 * 60 * 24 * 30;

/** `ttlSeconds` if memcached reads it as a duration (0 to 30 days, or from `min`); a usage error otherwise. */
export function checkTtl(ttlSeconds: number, option = 'ttlSeconds', min = 0): number {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < min || ttlSeconds > MAX_TTL_SECONDS) {
    throw usageError(
      'CACHE_OPTION_INVALID',
      `${option} must be a whole number from ${min} to ${MAX_TTL_SECONDS} (30 days), got ${ttlSeconds}`,
      {
        hint: `memcached reads longer expiries as a Unix time, so the entry would expire at once${min === 0 ? '; 0 keeps an entry until it is evicted' : ''}`,
      },
    );
  }
  return ttlSeconds;
}
