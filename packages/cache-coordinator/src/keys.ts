import { hash } from 'node:crypto';
import { usageError } from '@reletan/core/errors';

/** memcached refuses keys longer than this many bytes. */
export const MAX_KEY_BYTES = 250;
/** A client prefix leaves room for a hashed key: prefix + `~` + 43 characters of base64url sha256. */
export const MAX_CLIENT_PREFIX_LENGTH = 100;

// Printable ASCII without space: valid in both protocols, and one byte per character so length is size.
const PLAIN = /^[\x21-\x7e]+$/;
const PLAIN_PREFIX = /^[\x21-\x39\x3b-\x7e]+$/; // printable ASCII without space and ":"

/**
 * The start of every key reletan keeps for itself (the rollout registry): no client prefix may begin
 * with it, so no app key can overwrite, or be read as, one of them.
 */
export const RESERVED_KEY_NAMESPACE = 'reletan-rollout';

/**
 * Throws a usage error unless `prefix` can namespace keys: printable ASCII, no space or ":", short,
 * and outside {@link RESERVED_KEY_NAMESPACE}.
 */
export function assertClientPrefix(prefix: string): void {
  if (typeof prefix !== 'string' || !PLAIN_PREFIX.test(prefix) || prefix.length > MAX_CLIENT_PREFIX_LENGTH) {
    throw usageError('CACHE_PREFIX_INVALID', `invalid cache prefix ${JSON.stringify(prefix)}`, {
      hint: `a prefix is 1 to ${MAX_CLIENT_PREFIX_LENGTH} printable ASCII characters without spaces or ":" (cachePrefix() makes one)`,
    });
  }
  if (prefix.startsWith(RESERVED_KEY_NAMESPACE)) {
    throw usageError('CACHE_PREFIX_RESERVED', `the cache prefix ${JSON.stringify(prefix)} is reserved`, {
      hint: `prefixes starting with "${RESERVED_KEY_NAMESPACE}" are reletan's own (its rollout markers); name the app differently`,
    });
  }
}

/**
 * The memcached key for an app key under `prefix`: `prefix:key` when that is a valid memcached key
 * (at most 250 bytes, printable ASCII, no space or control character); otherwise `prefix~` plus the
 * base64url sha256 of the key, so long, spaced or non-ASCII keys still work and never collide with
 * plain ones (a plain key has ":" where a hashed one has "~"). `prefix` must pass
 * {@link assertClientPrefix} (checked once per client, not on every key).
 */
export function memcachedKey(prefix: string, key: string): string {
  if (typeof key !== 'string' || key === '') {
    throw usageError('CACHE_KEY_INVALID', `invalid cache key ${JSON.stringify(key)}`, {
      hint: 'cache keys are non-empty strings',
    });
  }
  if (prefix.length + 1 + key.length <= MAX_KEY_BYTES && isPlain(key)) return `${prefix}:${key}`;
  return `${prefix}~${hash('sha256', key, 'base64url')}`;
}

/** Printable ASCII without space, by a character loop: on every operation, cheaper than a regex. */
function isPlain(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x21 || code > 0x7e) return false;
  }
  return true;
}

/** Whether memcached (text and binary protocols alike) accepts `key`. */
export function isValidMemcachedKey(key: string): boolean {
  return Buffer.byteLength(key) <= MAX_KEY_BYTES && PLAIN.test(key);
}
