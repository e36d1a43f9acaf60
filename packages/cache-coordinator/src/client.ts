import { usageError } from '@reletan/core';
import { decodeEntry, encodeEntry } from './codec.js';
import { createHashRing } from './ketama.js';
import { assertClientPrefix, memcachedKey } from './keys.js';
import { connectMemjs, errorText, type MemjsClient, type MemjsModule } from './memjs.js';
import { parseServerList } from './servers.js';

/** memcached reads an expiry above 30 days as a Unix time, so longer TTLs are refused. */
export const MAX_TTL_SECONDS = 60 * 60 * 24 * 30;

export type CacheOperation = 'get' | 'set' | 'delete';

/** An operation that did not do what was asked, reported to {@link CreateCacheOptions.onDegraded}. */
export interface CacheDegradedEvent {
  operation: CacheOperation;
  /** The app's key (before prefixing). */
  key: string;
  /** The server the key maps to, `host:port`. */
  server: string;
  /**
   * `timeout`: no answer within `timeoutMs`; `error`: the server failed or refused; `foreign`: the
   * stored value was not written by this client's encoding; `undecodable`: it was, but is corrupt.
   */
  reason: 'timeout' | 'error' | 'foreign' | 'undecodable';
  message: string;
}

export interface CreateCacheOptions {
  /** memcached servers, `host:port`; keys are spread over them by consistent hashing (ketama). */
  servers: readonly string[];
  /** The namespace of every key, usually `process.env.CACHE_PREFIX` (see `cachePrefix`). */
  prefix: string;
  /** How long an operation may take; a slower one is a miss (`get`) or `false` (`set`, `delete`). @default 500 */
  timeoutMs?: number;
  /**
   * When a server fails, send its keys to the next server in the list for `failoverSeconds`. Off by
   * default: a failed server's keys are misses, and no other server fills up with (then stale) copies.
   * @default false
   */
  failover?: boolean;
  /** How long a failed server is skipped when `failover` is on. @default 60 */
  failoverSeconds?: number;
  /** The expiry of entries written without their own `ttlSeconds`; 0 keeps them until evicted. @default 0 */
  ttlSeconds?: number;
  /** Called for every degraded operation (a timeout, a failed server, a foreign entry). @default ignore */
  onDegraded?: (event: CacheDegradedEvent) => void;
  /** The memjs module. @default require('memjs'), loaded on first use */
  memjs?: MemjsModule;
}

export interface CacheSetOptions {
  /** @default the client's `ttlSeconds` */
  ttlSeconds?: number;
}

/** A prefixed, JSON-valued memcached client whose failures are misses, never exceptions. */
export interface Cache {
  readonly prefix: string;
  /** The value stored under `key`, or undefined on a miss, a timeout, a failed server or a foreign entry. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Stores `value` (JSON-serialisable); true once memcached confirmed it, false if it could not. */
  set(key: string, value: unknown, options?: CacheSetOptions): Promise<boolean>;
  /** Removes `key`; true once memcached confirmed it is gone (or was never there), false if it could not. */
  delete(key: string): Promise<boolean>;
  /**
   * The cached value, or `compute()`'s result, stored before it is returned (not stored when the
   * server has just failed or timed out, so a dead server costs one timeout, not two). `compute`
   * errors propagate.
   */
  getOrSet<T>(key: string, compute: () => T | Promise<T>, options?: CacheSetOptions): Promise<T>;
  /** The memcached key `key` is stored under. */
  keyFor(key: string): string;
  /** The server (`host:port`) that holds `key`. */
  serverFor(key: string): string;
  /** Closes the connections (they are opened again by the next operation). */
  close(): void;
}

/** Creates a {@link Cache}. Connections open on the first operation. */
export function createCache(options: CreateCacheOptions): Cache {
  assertClientPrefix(options.prefix);
  const prefix = options.prefix;
  const addresses = parseServerList(options.servers);
  const timeoutMs = options.timeoutMs ?? 500;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw usageError('CACHE_OPTION_INVALID', `timeoutMs must be a positive number, got ${timeoutMs}`);
  }
  const defaultTtl = checkTtl(options.ttlSeconds ?? 0);
  const ring = createHashRing(addresses.map((address) => address.label));
  const onDegraded = options.onDegraded;
  let client: MemjsClient | undefined;

  const connection = (): MemjsClient => {
    if (client) return client;
    client = connectMemjs(addresses, {
      timeoutMs,
      failover: options.failover ?? false,
      ...(options.failoverSeconds === undefined ? {} : { failoverSeconds: options.failoverSeconds }),
      ...(options.memjs ? { memjs: options.memjs } : {}),
    });
    if (addresses.length > 1) {
      // memjs documents getServer as the hook for choosing a server; it returns an index into its list.
      (client as unknown as { getServer(key: string): number }).getServer = (key) => ring.serverFor(key);
    }
    return client;
  };

  const degrade = (
    operation: CacheOperation,
    key: string,
    storedKey: string,
    reason: CacheDegradedEvent['reason'],
    message: string,
  ) => {
    if (!onDegraded) return;
    try {
      onDegraded({
        operation,
        key,
        server: ring.servers[ring.serverFor(storedKey)] as string,
        reason,
        message,
      });
    } catch {
      // An observer's bug must not turn a miss into a crash.
    }
  };

  /**
   * Runs one memjs request, resolving with `fallback` on an error or after `timeoutMs`. memjs has its
   * own timeout; this one also bounds the connect phase and anything memjs never answers.
   */
  const request = <T>(
    operation: CacheOperation,
    key: string,
    storedKey: string,
    fallback: T,
    send: (memjs: MemjsClient, reply: (error: unknown, value: T) => void) => void,
  ): Promise<T> =>
    new Promise<T>((resolve) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        degrade(operation, key, storedKey, 'timeout', `no answer within ${timeoutMs} ms`);
        resolve(fallback);
      }, timeoutMs);
      const reply = (error: unknown, value: T) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          degrade(operation, key, storedKey, 'error', errorText(error));
          resolve(fallback);
        } else resolve(value);
      };
      try {
        send(connection(), reply);
      } catch (error) {
        reply(error ?? new Error('memjs failed'), fallback);
      }
    });

  type Lookup = { hit: true; value: unknown } | { hit: false; unreachable: boolean };
  const unreachable: Lookup = { hit: false, unreachable: true };
  const absent: Lookup = { hit: false, unreachable: false };

  const lookup = (key: string): Promise<Lookup> =>
    rejectOnThrow(() => {
      const storedKey = memcachedKey(prefix, key);
      return request<Lookup>('get', key, storedKey, unreachable, (memjs, reply) =>
        memjs.get(storedKey, (error, value) => {
          if (error) return reply(error, unreachable);
          const entry = decodeEntry(value);
          if (entry.hit) return reply(null, entry);
          if (entry.reason !== 'absent') {
            degrade('get', key, storedKey, entry.reason, `${entry.reason} entry read as a miss`);
          }
          reply(null, absent);
        }),
      );
    });

  const cache: Cache = {
    prefix,
    async get<T>(key: string): Promise<T | undefined> {
      const found = await lookup(key);
      return found.hit ? (found.value as T) : undefined;
    },
    set(key, value, setOptions = {}) {
      return rejectOnThrow(() => {
        const storedKey = memcachedKey(prefix, key);
        const payload = encodeEntry(value);
        const expires = setOptions.ttlSeconds === undefined ? defaultTtl : checkTtl(setOptions.ttlSeconds);
        return request('set', key, storedKey, false, (memjs, reply) =>
          memjs.set(storedKey, payload, { expires }, (error, stored) => reply(error, stored === true)),
        );
      });
    },
    delete(key) {
      return rejectOnThrow(() => {
        const storedKey = memcachedKey(prefix, key);
        // memjs answers false for a key that was not there: for an invalidation that is success too.
        return request('delete', key, storedKey, false, (memjs, reply) =>
          memjs.delete(storedKey, (error) => reply(error, true)),
        );
      });
    },
    async getOrSet<T>(key: string, compute: () => T | Promise<T>, setOptions: CacheSetOptions = {}) {
      const found = await lookup(key);
      if (found.hit) return found.value as T;
      const value = await compute();
      // A server that just failed or timed out would most likely make the write wait as long again.
      if (!found.unreachable) await cache.set(key, value, setOptions);
      return value;
    },
    keyFor: (key) => memcachedKey(prefix, key),
    serverFor: (key) => ring.servers[ring.serverFor(memcachedKey(prefix, key))] as string,
    close() {
      client?.close();
      client = undefined;
    },
  };
  return cache;
}

/** A bad key or value is the caller's bug: reported as a rejected promise, like any async failure. */
function rejectOnThrow<T>(run: () => Promise<T>): Promise<T> {
  try {
    return run();
  } catch (error) {
    return Promise.reject(error);
  }
}

function checkTtl(ttlSeconds: number): number {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0 || ttlSeconds > MAX_TTL_SECONDS) {
    throw usageError(
      'CACHE_OPTION_INVALID',
      `ttlSeconds must be a whole number from 0 to ${MAX_TTL_SECONDS} (30 days), got ${ttlSeconds}`,
      { hint: 'memcached reads longer expiries as a Unix time; 0 keeps an entry until it is evicted' },
    );
  }
  return ttlSeconds;
}
