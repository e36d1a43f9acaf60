import { hash } from 'node:crypto';
import { usageError } from '@reletan/core/errors';
import { RESERVED_KEY_NAMESPACE } from './keys.js';

/** How old and new code are kept from sharing cache entries during a rollout. */
export type CacheStrategy = 'release' | 'schema' | 'flush-after-rollout';

export interface CachePrefixInput {
  strategy: CacheStrategy;
  /** The application part, e.g. the repository name `shop`. */
  app: string;
  /** The release id (a tag such as `v1.4.0`, or a short commit sha); required by `release`. */
  release?: string | undefined;
  /** The cache format version; required by `schema`. */
  schemaVersion?: string | number | undefined;
}

/** Longest app part kept readable; longer names are shortened and hashed. */
const APP_MAX = 32;
/** Longest id part kept readable: a full 40-character sha fits. */
const ID_MAX = 40;
/** The longest prefix {@link cachePrefix} returns: app, `.`, kind, `-`, id. */
export const MAX_PREFIX_LENGTH = APP_MAX + 3 + ID_MAX;

// The app part cannot contain ".", so the first "." always ends it and `app.kind-id` parses one way only.
const CLEAN_APP = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const CLEAN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The cache key prefix of a stage, as the app receives it in `CACHE_PREFIX`:
 * - `release`: `app.r-<release>` (e.g. `shop.r-v1.4.0`): a new namespace per release;
 * - `schema`: `app.s-<schemaVersion>` (e.g. `shop.s-3`): a new namespace when the format version changes;
 * - `flush-after-rollout`: `app` alone, the same in every release (the app does not switch namespaces).
 *
 * Deterministic (same input, same prefix, on every machine), at most {@link MAX_PREFIX_LENGTH}
 * characters of `A-Z a-z 0-9 . _ - ~`: valid in a memcached key and unquoted in a `.env` file.
 * A part that is too long or has other characters keeps a readable start plus `~` and a hash of
 * the original, so two different releases never share a prefix. An app whose prefix would start with
 * reletan's reserved namespace (`reletan-rollout`) is refused.
 */
export function cachePrefix(input: CachePrefixInput): string {
  if (input.app.trim() === '') {
    throw usageError('CACHE_APP_MISSING', 'the cache prefix needs an application name', {
      hint: 'set stages.<stage>.cache.app, or github.repository, in the reletan config',
    });
  }
  const app = prefixPart(input.app, CLEAN_APP, APP_MAX);
  if (app.startsWith(RESERVED_KEY_NAMESPACE)) {
    throw usageError('CACHE_APP_RESERVED', `the application name "${input.app}" cannot prefix cache keys`, {
      hint: `names starting with "${RESERVED_KEY_NAMESPACE}" are reletan's own (its rollout markers): set stages.<stage>.cache.app to another name`,
    });
  }
  switch (input.strategy) {
    case 'release': {
      if (input.release === undefined || input.release === '') {
        throw usageError(
          'CACHE_RELEASE_MISSING',
          'strategy "release" needs a release id (a tag or a commit)',
          {
            hint: 'give the release id, or run where HEAD is a tagged commit of a git repository',
          },
        );
      }
      return `${app}.r-${prefixPart(input.release, CLEAN_ID, ID_MAX)}`;
    }
    case 'schema': {
      if (input.schemaVersion === undefined || input.schemaVersion === '') {
        throw usageError('CACHE_SCHEMA_VERSION_MISSING', 'strategy "schema" needs a schemaVersion', {
          input: { key: 'schemaVersion' },
          hint: 'set stages.<stage>.cache.schemaVersion, and bump it whenever the cached format changes',
        });
      }
      return `${app}.s-${prefixPart(String(input.schemaVersion), CLEAN_ID, ID_MAX)}`;
    }
    case 'flush-after-rollout':
      return app;
  }
}

/**
 * A part as is when it is clean and short enough; otherwise its readable start and `~` plus 8 hex
 * digits of its sha256. Clean parts never contain `~`, so a rewritten part cannot equal a clean one.
 */
function prefixPart(value: string, clean: RegExp, max: number): string {
  if (value.length <= max && clean.test(value)) return value;
  const readable = value
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^[-_]+/, '')
    .slice(0, max - 9);
  return `${readable}~${hash('sha256', value, 'hex').slice(0, 8)}`;
}
