import { isReletanError } from '@reletan/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidMemcachedKey } from './keys.js';
import { cachePrefix, MAX_PREFIX_LENGTH } from './prefix.js';

const PREFIX_CHARS = /^[A-Za-z0-9._~-]+$/;
const anyApp = fc
  .string({ minLength: 1, maxLength: 80, unit: 'grapheme' })
  .filter((app) => app.trim() !== '');
const anyId = fc.string({ minLength: 1, maxLength: 80, unit: 'grapheme' });
const cleanApp = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/);
const cleanId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/);

describe('prefixes by strategy', () => {
  it('release: the app and the release id', () => {
    expect(cachePrefix({ strategy: 'release', app: 'shop', release: 'v1.4.0' })).toBe('shop.r-v1.4.0');
    expect(cachePrefix({ strategy: 'release', app: 'shop', release: '3f2a9c1d0b7e' })).toBe(
      'shop.r-3f2a9c1d0b7e',
    );
  });

  it('schema: the app and the schema version, whatever the release', () => {
    expect(cachePrefix({ strategy: 'schema', app: 'shop', schemaVersion: 3, release: 'v9' })).toBe(
      'shop.s-3',
    );
    expect(cachePrefix({ strategy: 'schema', app: 'shop', schemaVersion: '2024-06' })).toBe('shop.s-2024-06');
  });

  it('flush-after-rollout: the app alone, the same in every release', () => {
    expect(cachePrefix({ strategy: 'flush-after-rollout', app: 'shop', release: 'v1' })).toBe('shop');
    expect(cachePrefix({ strategy: 'flush-after-rollout', app: 'shop', release: 'v2' })).toBe('shop');
  });

  it.each([
    [{ strategy: 'release', app: 'shop' }, 'CACHE_RELEASE_MISSING'],
    [{ strategy: 'release', app: 'shop', release: '' }, 'CACHE_RELEASE_MISSING'],
    [{ strategy: 'schema', app: 'shop' }, 'CACHE_SCHEMA_VERSION_MISSING'],
    [{ strategy: 'release', app: '  ', release: 'v1' }, 'CACHE_APP_MISSING'],
    [{ strategy: 'flush-after-rollout', app: 'reletan-rollout' }, 'CACHE_APP_RESERVED'],
    [{ strategy: 'release', app: 'reletan-rollout', release: 'v1' }, 'CACHE_APP_RESERVED'],
  ] as const)('refuses %j with %s (a usage error)', (input, code) => {
    let thrown: unknown;
    try {
      cachePrefix(input);
    } catch (error) {
      thrown = error;
    }
    expect(isReletanError(thrown) && thrown.code).toBe(code);
    expect(isReletanError(thrown) && thrown.kind).toBe('usage');
  });

  it('keeps a readable start and hashes a release id that is long or has other characters', () => {
    const branch = cachePrefix({ strategy: 'release', app: 'shop', release: 'release/2024 summer sale' });
    expect(branch).toMatch(/^shop\.r-release-2024-summer-sale~[0-9a-f]{8}$/);
    const long = cachePrefix({ strategy: 'release', app: 'shop', release: 'x'.repeat(200) });
    expect(long.length).toBeLessThanOrEqual(MAX_PREFIX_LENGTH);
  });
});

describe('prefix properties', () => {
  const strategies = fc.constantFrom('release', 'schema', 'flush-after-rollout' as const);

  it('is deterministic, short, and valid in a memcached key and an unquoted .env value', () => {
    fc.assert(
      fc.property(strategies, anyApp, anyId, (strategy, app, id) => {
        const input = { strategy, app, release: id, schemaVersion: id };
        const prefix = cachePrefix(input);
        expect(cachePrefix({ ...input })).toBe(prefix);
        expect(prefix.length).toBeLessThanOrEqual(MAX_PREFIX_LENGTH);
        expect(prefix).toMatch(PREFIX_CHARS);
        expect(isValidMemcachedKey(`${prefix}:some:key`)).toBe(true);
      }),
    );
  });

  it('never gives two different releases of an app the same prefix', () => {
    fc.assert(
      fc.property(anyApp, anyId, anyId, (app, a, b) => {
        fc.pre(a !== b);
        expect(cachePrefix({ strategy: 'release', app, release: a })).not.toBe(
          cachePrefix({ strategy: 'release', app, release: b }),
        );
      }),
    );
  });

  it('never gives two different apps the same prefix, nor a release the prefix of a schema version', () => {
    fc.assert(
      fc.property(anyApp, anyApp, anyId, (appA, appB, id) => {
        fc.pre(appA !== appB);
        expect(cachePrefix({ strategy: 'release', app: appA, release: id })).not.toBe(
          cachePrefix({ strategy: 'release', app: appB, release: id }),
        );
        expect(cachePrefix({ strategy: 'schema', app: appA, schemaVersion: id })).not.toBe(
          cachePrefix({ strategy: 'schema', app: appB, schemaVersion: id }),
        );
      }),
    );
    fc.assert(
      fc.property(anyApp, anyId, (app, id) => {
        const release = cachePrefix({ strategy: 'release', app, release: id });
        const schema = cachePrefix({ strategy: 'schema', app, schemaVersion: id });
        const flush = cachePrefix({ strategy: 'flush-after-rollout', app });
        expect(new Set([release, schema, flush]).size).toBe(3);
      }),
    );
  });

  it('keeps clean names exactly as they are', () => {
    fc.assert(
      fc.property(cleanApp, cleanId, (app, id) => {
        expect(cachePrefix({ strategy: 'release', app, release: id })).toBe(`${app}.r-${id}`);
      }),
    );
  });
});
