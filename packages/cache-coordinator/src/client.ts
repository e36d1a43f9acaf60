import { usageError } from '@reletan/core/errors';
import { ABSENT, decodeEntry, encodeEntry, type MissReason } from './codec.js';
import { createDeadlineQueue, monotonicNow, type PendingOperation } from './deadlines.js';
import { checkTtl } from './expiry.js';
import { createHashRing } from './ketama.js';
import { assertClientPrefix, memcachedKey } from './keys.js';
import {
  closeConnections,
  connectMemjs,
  errorText,
  failServer,
  type MemjsClient,
  type MemjsModule,
} from './memjs.js';
import { parseServerList } from './servers.js';

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
   * server has just failed or timed out, so a dead server costs one timeout, not two). A computed
   * `undefined` ("nothing there") is returned without being stored. `compute` errors propagate.
   */
  getOrSet<T>(key: string, compute: () => T | Promise<T>, options?: CacheSetOptions): Promise<T>;
  /** The memcached key `key` is stored under. */
  keyFor(key: string): string;
  /** The server (`host:port`) that holds `key`. */
  serverFor(key: string): string;
  /**
   * Closes the connections (the next operation opens new ones). Requests already sent are still
   * answered; a connection whose server does not close its side within `timeoutMs` is destroyed,
   * so a frozen server never holds the process open.
   */
  close(): void;
}

/** Our deadline passed: the operation, and every other one in flight on its server, failed. */
class DeadlineExceeded extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

/** What a read found; misses share two constant results, so only a hit allocates. */
type Lookup = { kind: 'hit'; value: unknown } | { kind: 'absent' | 'unreachable'; value: undefined };
const NOT_FOUND: Lookup = { kind: 'absent', value: undefined };
const UNREACHABLE: Lookup = { kind: 'unreachable', value: undefined };

/** Creates a {@link Cache}. Connections open on the first operation. */
export function createCache(options: CreateCacheOptions): Cache {
  assertClientPrefix(options.prefix);
  const prefix = options.prefix;
  const addresses = parseServerList(options.servers);
  const timeoutMs = options.timeoutMs ?? 500;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw usageError('CACHE_OPTION_INVALID', `timeoutMs must be a positive number, got ${timeoutMs}`);
  }
  const defaultInsert = { expires: checkTtl(options.ttlSeconds ?? 0) };
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
    // memjs documents getServer as the hook for choosing a server (it only asks with several).
    (client as unknown as { getServer(key: string): number }).getServer = (key) => ring.serverFor(key);
    return client;
  };

  const serverOf = (storedKey: string) => ring.servers[ring.serverFor(storedKey)] as string;

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
        server: serverOf(storedKey),
        reason,
        message,
      });
    } catch {
      // An observer's bug must not turn a miss into a crash.
    }
  };

  interface Pending<T> extends PendingOperation {
    operation: CacheOperation;
    key: string;
    storedKey: string;
    fallback: T;
    resolve: (value: T) => void;
    /** The memjs client the request went through (close() may have replaced it since). */
    memjs: MemjsClient | undefined;
  }
  // Bounds the connect phase, the request, and anything memjs never answers. memjs's own timeouts sit
  // past it (see connectMemjs): the server is failed here, its socket destroyed and the other requests
  // in flight on it failed too (they would most likely wait as long).
  const deadlines = createDeadlineQueue<Pending<unknown>>((pending) => {
    const timedOut = new DeadlineExceeded(timeoutMs);
    degrade(pending.operation, pending.key, pending.storedKey, 'timeout', timedOut.message);
    pending.resolve(pending.fallback);
    // The server the key maps to now: with failover, the one memjs moved the request to.
    const memjs = pending.memjs;
    const server = memjs?.servers.length ? memjs.server(pending.storedKey) : undefined;
    if (server) failServer(server, timedOut);
  });

  /** Runs one memjs request, resolving with `fallback` on an error or after `timeoutMs`; never rejects. */
  const request = <T>(
    operation: CacheOperation,
    key: string,
    storedKey: string,
    fallback: T,
    send: (memjs: MemjsClient, reply: (error: unknown, value: T) => void) => void,
  ): Promise<T> =>
    new Promise<T>((resolve) => {
      const pending: Pending<T> = {
        settled: false,
        deadline: monotonicNow() + timeoutMs,
        operation,
        key,
        storedKey,
        fallback,
        resolve,
        memjs: undefined,
      };
      deadlines.add(pending as Pending<unknown>);
      const reply = (error: unknown, value: T) => {
        if (pending.settled) return;
        pending.settled = true;
        deadlines.release();
        if (error) {
          const reason = error instanceof DeadlineExceeded ? 'timeout' : 'error';
          degrade(operation, key, storedKey, reason, errorText(error));
          resolve(fallback);
        } else resolve(value);
      };
      try {
        pending.memjs = connection();
        send(pending.memjs, reply);
      } catch (error) {
        reply(error ?? new Error('memjs failed'), fallback);
      }
    });

  /**
   * Reads `key`: a hit for an entry this client's encoding wrote, absent when there is none (or a
   * foreign or corrupt one, reported), unreachable when the server failed or timed out.
   */
  const read = (key: string): Promise<Lookup> => {
    let storedKey: string;
    try {
      storedKey = memcachedKey(prefix, key);
    } catch (error) {
      return Promise.reject(error);
    }
    return request<Lookup>('get', key, storedKey, UNREACHABLE, (memjs, reply) =>
      memjs.get(storedKey, (error, stored) => {
        if (error) return reply(error, UNREACHABLE);
        const value = decodeEntry(stored);
        if (typeof value !== 'symbol') return reply(null, { kind: 'hit', value });
        if (value !== ABSENT) {
          const reason = value.description as Exclude<MissReason, 'absent'>;
          degrade('get', key, storedKey, reason, `${reason} entry read as a miss`);
        }
        reply(null, NOT_FOUND);
      }),
    );
  };

  const cache: Cache = {
    prefix,
    get<T>(key: string): Promise<T | undefined> {
      return read(key).then((lookup) => lookup.value as T | undefined);
    },
    set(key, value, setOptions) {
      let storedKey: string;
      let payload: string;
      let insert: { expires: number };
      try {
        storedKey = memcachedKey(prefix, key);
        payload = encodeEntry(value);
        insert =
          setOptions?.ttlSeconds === undefined ? defaultInsert : { expires: checkTtl(setOptions.ttlSeconds) };
      } catch (error) {
        // A bad key or value is the caller's bug: a rejected promise, like any other async failure.
        return Promise.reject(error);
      }
      return request('set', key, storedKey, false, (memjs, reply) =>
        memjs.set(storedKey, payload, insert, (error, stored) => reply(error, stored === true)),
      );
    },
    delete(key) {
      let storedKey: string;
      try {
        storedKey = memcachedKey(prefix, key);
      } catch (error) {
        return Promise.reject(error);
      }
      // memjs answers false for a key that was not there: for an invalidation that is success too.
      return request('delete', key, storedKey, false, (memjs, reply) =>
        memjs.delete(storedKey, (error) => reply(error, true)),
      );
    },
    async getOrSet<T>(key: string, compute: () => T | Promise<T>, setOptions: CacheSetOptions = {}) {
      const lookup = await read(key);
      if (lookup.kind === 'hit') return lookup.value as T;
      const value = await compute();
      // undefined is how "not found" reads back: there is nothing to store, and no reason to fail.
      // A server that just failed or timed out would most likely make the write wait as long again.
      if (value !== undefined && lookup.kind === 'absent') await cache.set(key, value, setOptions);
      return value;
    },
    keyFor: (key) => memcachedKey(prefix, key),
    serverFor: (key) => serverOf(memcachedKey(prefix, key)),
    close() {
      if (client) closeConnections(client, timeoutMs);
      client = undefined;
    },
  };
  return cache;
}
