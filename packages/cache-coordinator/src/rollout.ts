import { ReletanError, usageError } from '@reletan/core';
import { ABSENT, decodeEntry, encodeEntry } from './codec.js';
import { onEachServer } from './each-server.js';
import { flushServers, type ServerFlushResult } from './flush.js';
import { memcachedKey, RESERVED_KEY_NAMESPACE } from './keys.js';
import type { MemjsModule } from './memjs.js';
import type { CacheStrategy } from './prefix.js';
import { parseServerList } from './servers.js';

/** How long a rollout marker lives when nobody completes or aborts the rollout. @default 2 hours */
export const DEFAULT_ROLLOUT_TTL_SECONDS = 2 * 60 * 60;

/** What a rollout marker says: which release of which stage is being rolled out, since when. */
export interface RolloutMarker {
  app: string;
  stage: string;
  release: string;
  /** ISO 8601 */
  startedAt: string;
}

/** One instance of the stage and the version it reports running, as the deployer sees it. */
export interface InstanceVersion {
  /** e.g. the EC2 instance id */
  id: string;
  /** The release id the instance runs (an Elastic Beanstalk version label). */
  version: string;
}

export interface RolloutServerState {
  server: string;
  reachable: boolean;
  marker: RolloutMarker | null;
  error?: string;
}

export interface RolloutStatus {
  /** A marker was found on at least one reachable server. */
  inProgress: boolean;
  /** The marker found (the most recent one if servers disagree). */
  marker: RolloutMarker | null;
  /** How many servers answered. With none, nothing is known about a rollout. */
  reachable: number;
  servers: RolloutServerState[];
}

export interface BeginRolloutResult {
  marker: RolloutMarker;
  /** A marker of another release that was there before (a rollout that never completed). */
  replaced: RolloutMarker | null;
  servers: { server: string; written: boolean; error?: string }[];
}

export interface CompleteRolloutResult {
  /** True when every server was flushed (strategy `flush-after-rollout`). */
  flushed: boolean;
  /** Whether a marker for this release was found; false if it expired, was evicted, or never written. */
  markerFound: boolean;
  /** Per server: flushed (`flush-after-rollout`), or its marker removed (other strategies). */
  servers: ServerFlushResult[] | { server: string; cleared: boolean; error?: string }[];
}

export interface RolloutCoordinatorOptions {
  /** The stage's memcached servers. */
  servers: readonly string[];
  /** The application, as in the cache prefix. */
  app: string;
  stage: string;
  strategy: CacheStrategy;
  /** How long each server gets to answer. @default 2000 */
  timeoutMs?: number;
  /** The marker's lifetime, in case the deployer dies mid-rollout. @default 7200 */
  markerTtlSeconds?: number;
  /** @default () => new Date() */
  now?: () => Date;
  /** @default require('memjs') */
  memjs?: MemjsModule;
}

/**
 * The interface a deployer drives during a rollout of one stage:
 * `begin` before the first instance changes, `complete` once every instance runs the new release.
 * While a rollout is in progress `reletan cache flush` refuses (unless forced), because old instances
 * would refill the emptied cache in the old format. For `flush-after-rollout`, `complete` is the one
 * flush, and it is refused until every instance reports the new release.
 * A rollback is a rollout of the previous release: begin and complete it the same way.
 */
export interface RolloutCoordinator {
  /** The memcached key of this stage's marker. */
  readonly markerKey: string;
  /** Writes the marker on every server (so any machine sees it, and one lost server does not lose it). */
  begin(input: { release: string }): Promise<BeginRolloutResult>;
  /** Reads the marker from every server. */
  status(): Promise<RolloutStatus>;
  /**
   * Ends the rollout once `instances` (every instance of the stage) all report `release`: flushes every
   * server for `flush-after-rollout`, otherwise removes the marker. Refused, changing nothing, when an
   * instance runs another version, when the list is empty, or when another release's rollout began since.
   */
  complete(input: { release: string; instances: readonly InstanceVersion[] }): Promise<CompleteRolloutResult>;
  /** Removes the marker without flushing, for a rollout that stopped before any instance changed. */
  abort(): Promise<{ server: string; cleared: boolean; error?: string }[]>;
}

/** The release a marker reports when its value cannot be read (it still blocks manual flushes). */
export const UNREADABLE_MARKER_RELEASE = '(unreadable marker)';

/** The key of a stage's rollout marker, outside every app prefix (app prefixes contain no ":"). */
export function rolloutMarkerKey(app: string, stage: string): string {
  return memcachedKey(RESERVED_KEY_NAMESPACE, `${app}:${stage}`);
}

/** The instances that do not report `release` (an empty list means the rollout is confirmed). */
export function unconfirmedInstances(release: string, instances: readonly InstanceVersion[]): string[] {
  if (instances.length === 0) return ['no instance reported its version'];
  return instances
    .filter((instance) => instance.version !== release)
    .map((instance) => `${instance.id} runs ${instance.version}, not ${release}`);
}

export type FlushDecision =
  | { allowed: true; warning?: string }
  | { allowed: false; code: string; message: string; hint: string };

/** Whether `reletan cache flush` may run, given what the servers say about a rollout. */
export function decideFlush(status: RolloutStatus, options: { force?: boolean } = {}): FlushDecision {
  if (status.reachable === 0) {
    return {
      allowed: false,
      code: 'CACHE_UNREACHABLE',
      message: 'no memcached server of the stage answered; nothing can be flushed',
      hint: 'check the servers with "reletan cache stats STAGE"',
    };
  }
  if (status.inProgress) {
    const marker = status.marker;
    const what = marker ? `a rollout of ${marker.release} (started ${marker.startedAt})` : 'a rollout';
    if (options.force) {
      return {
        allowed: true,
        warning: `${what} is in progress: instances still on the old release may refill the cache in the old format`,
      };
    }
    return {
      allowed: false,
      code: 'CACHE_ROLLOUT_IN_PROGRESS',
      message: `refusing to flush: ${what} is in progress, and instances still on the old release would refill the cache in the old format`,
      hint: 'wait for the deploy to finish (it flushes when the strategy is flush-after-rollout), or pass --force',
    };
  }
  return { allowed: true };
}

export function createRolloutCoordinator(options: RolloutCoordinatorOptions): RolloutCoordinator {
  const addresses = parseServerList(options.servers);
  const timeoutMs = options.timeoutMs ?? 2_000;
  const ttl = options.markerTtlSeconds ?? DEFAULT_ROLLOUT_TTL_SECONDS;
  const now = options.now ?? (() => new Date());
  const markerKey = rolloutMarkerKey(options.app, options.stage);
  const each = { timeoutMs, memjs: options.memjs };

  const removeMarker = async () =>
    (
      await onEachServer<true>(addresses, each, (client, reply) =>
        client.delete(markerKey, (error) => reply(error, true)),
      )
    ).map((outcome) =>
      outcome.ok
        ? { server: outcome.server, cleared: true }
        : { server: outcome.server, cleared: false, error: outcome.error },
    );

  const coordinator: RolloutCoordinator = {
    markerKey,
    async status() {
      const outcomes = await onEachServer<Buffer | null>(addresses, each, (client, reply) =>
        client.get(markerKey, (error, value) => reply(error, value)),
      );
      const servers = outcomes.map((outcome): RolloutServerState => {
        if (!outcome.ok)
          return { server: outcome.server, reachable: false, marker: null, error: outcome.error };
        return { server: outcome.server, reachable: true, marker: readMarker(outcome.value, options) };
      });
      const markers = servers.flatMap((state) => (state.marker ? [state.marker] : []));
      markers.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
      return {
        inProgress: markers.length > 0,
        marker: markers[0] ?? null,
        reachable: servers.filter((state) => state.reachable).length,
        servers,
      };
    },
    async begin({ release }) {
      if (!release)
        throw usageError('ROLLOUT_RELEASE_MISSING', 'a rollout needs the release id it rolls out');
      const before = await coordinator.status();
      const marker: RolloutMarker = {
        app: options.app,
        stage: options.stage,
        release,
        startedAt: now().toISOString(),
      };
      const payload = encodeEntry(marker);
      const outcomes = await onEachServer<boolean>(addresses, each, (client, reply) =>
        client.set(markerKey, payload, { expires: ttl }, (error, stored) => reply(error, stored === true)),
      );
      const servers = outcomes.map((outcome) =>
        outcome.ok
          ? { server: outcome.server, written: true }
          : { server: outcome.server, written: false, error: outcome.error },
      );
      if (!servers.some((server) => server.written)) {
        throw new ReletanError({
          code: 'ROLLOUT_MARKER_UNWRITTEN',
          message: `could not mark the rollout of ${release} on any memcached server of stage ${options.stage}`,
          details: servers.map((server) => `${server.server}: ${server.error ?? 'not stored'}`),
          hint: 'check the servers with "reletan cache stats STAGE"; until a marker is written, nothing stops a manual flush',
        });
      }
      const replaced = before.marker && before.marker.release !== release ? before.marker : null;
      return { marker, replaced, servers };
    },
    async complete({ release, instances }) {
      const unconfirmed = unconfirmedInstances(release, instances);
      if (unconfirmed.length > 0) {
        throw new ReletanError({
          code: 'ROLLOUT_NOT_CONFIRMED',
          message: `refusing to complete the rollout of ${release} on stage ${options.stage}: not every instance runs it`,
          details: unconfirmed,
          hint: 'complete the rollout once every instance of the stage reports the new release; nothing was flushed',
        });
      }
      const status = await coordinator.status();
      if (
        status.marker &&
        status.marker.release !== release &&
        status.marker.release !== UNREADABLE_MARKER_RELEASE
      ) {
        throw new ReletanError({
          code: 'ROLLOUT_RELEASE_MISMATCH',
          message: `refusing to complete the rollout of ${release}: a rollout of ${status.marker.release} began since (${status.marker.startedAt})`,
          hint: 'complete the rollout that is in progress instead; nothing was flushed',
        });
      }
      const markerFound = status.marker !== null;
      if (options.strategy !== 'flush-after-rollout') {
        return { flushed: false, markerFound, servers: await removeMarker() };
      }
      // Flushing also removes the marker, server by server: a server that could not be flushed keeps
      // its marker, so manual flushes stay refused there and a rerun of complete() finishes the job.
      const servers = await flushServers(options.servers, each);
      const failed = servers.filter((server) => !server.flushed);
      if (failed.length > 0) {
        throw new ReletanError({
          code: 'ROLLOUT_FLUSH_INCOMPLETE',
          message: `flushed ${servers.length - failed.length} of ${servers.length} memcached servers after the rollout of ${release}`,
          details: failed.map((server) => `${server.server}: ${server.error ?? 'not flushed'}`),
          hint: 'a server that did not answer may still hold entries in the old format; complete the rollout again once it answers',
        });
      }
      return { flushed: true, markerFound, servers };
    },
    abort: removeMarker,
  };
  return coordinator;
}

/** A marker as stored; anything unreadable at the marker key still counts as a rollout in progress. */
function readMarker(
  raw: Buffer | null,
  options: Pick<RolloutCoordinatorOptions, 'app' | 'stage'>,
): RolloutMarker | null {
  const entry = decodeEntry(raw);
  if (entry === ABSENT) return null;
  const value = typeof entry === 'symbol' ? null : (entry as Partial<RolloutMarker> | null);
  if (value && typeof value.release === 'string' && typeof value.startedAt === 'string') {
    return { app: options.app, stage: options.stage, release: value.release, startedAt: value.startedAt };
  }
  return { app: options.app, stage: options.stage, release: UNREADABLE_MARKER_RELEASE, startedAt: '' };
}
