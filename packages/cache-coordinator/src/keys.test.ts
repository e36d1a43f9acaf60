import { isReletanError } from '@reletan/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertClientPrefix, isValidMemcachedKey, MAX_KEY_BYTES, memcachedKey } from './keys.js';
import { ROLLOUT_REGISTRY_KEY } from './rollout-registry.js';

const prefix = 'shop.r-v1.4.0';

describe('memcached keys', () => {
  it('joins a plain key to the prefix with ":"', () => {
    expect(memcachedKey(prefix, 'product:42')).toBe('shop.r-v1.4.0:product:42');
  });

  it.each([
    ['longer than 250 bytes', 'k'.repeat(300)],
    ['with a space', 'search:red shoes'],
    ['with a newline', 'a\nb'],
    ['with a control character', 'a\u0000b'],
    ['not ASCII', 'ユーザー:42'],
  ])('hashes a key %s into a valid one', (_name, key) => {
    const stored = memcachedKey(prefix, key);
    expect(stored).toMatch(/^shop\.r-v1\.4\.0~[A-Za-z0-9_-]{43}$/);
    expect(isValidMemcachedKey(stored)).toBe(true);
  });

  it('makes a valid memcached key of any string', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 400, unit: 'binary' }), (key) => {
        const stored = memcachedKey(prefix, key);
        expect(Buffer.byteLength(stored)).toBeLessThanOrEqual(MAX_KEY_BYTES);
        expect(isValidMemcachedKey(stored)).toBe(true);
      }),
    );
  });

  it('never maps two different keys to one memcached key', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.oneof(
            fc.string({ minLength: 1, maxLength: 300, unit: 'binary' }),
            fc.string({ minLength: 1, maxLength: 20 }),
          ),
          { minLength: 2, maxLength: 40 },
        ),
        (keys) => {
          expect(new Set(keys.map((key) => memcachedKey(prefix, key))).size).toBe(keys.length);
        },
      ),
    );
  });

  it('refuses an empty key', () => {
    expect(() => memcachedKey(prefix, '')).toThrow(/invalid cache key/);
  });

  it.each([[''], ['has space'], ['has:colon'], ['x'.repeat(101)]])('refuses the prefix %j', (bad) => {
    expect(() => assertClientPrefix(bad)).toThrow(/invalid cache prefix/);
  });

  it.each([['reletan-rollout'], ['reletan-rollout.r-v1.4.0'], ['reletan-rollouts']])(
    'refuses the prefix %j, reletan’s reserved namespace',
    (reserved) => {
      let thrown: unknown;
      try {
        assertClientPrefix(reserved);
      } catch (error) {
        thrown = error;
      }
      expect(isReletanError(thrown) && [thrown.code, thrown.kind]).toEqual([
        'CACHE_PREFIX_RESERVED',
        'usage',
      ]);
    },
  );

  it('lets no allowed prefix write the rollout registry’s key', () => {
    // Without the reservation, an app prefixed "reletan-rollout" writing "registry" would overwrite it.
    expect(memcachedKey('reletan-rollout', 'registry')).toBe(ROLLOUT_REGISTRY_KEY);
    expect(() => assertClientPrefix('reletan-rollout')).toThrow(/reserved/);
  });
});
