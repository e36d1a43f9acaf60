import { ReletanError, usageError } from '@reletan/core/errors';
import { onEachServer, type ServerOutcome } from './each-server.js';
import { checkTtl } from './expiry.js';
import { flushKeepingRollouts, type ServerFlushResult } from './flush.js';
import type { MemjsModule } from './memjs.js';
import type { CacheStrategy } from './prefix.js';
import {
  isRollout,
  type RegistryUpdate,
  type RolloutId,
  type RolloutMarker,
  readRegistry,
  UNREADABLE_MARKER_RELEASE,
  updateRegistry,
} from './rollout-registry.js';
import { parseServerList } from './servers.js';

/** How long a rollout stays listed when nobody refreshes, completes or aborts it. @default 2 hours */
export const DEFAULT_ROLLOUT_TTL_SECONDS = 2 * 60 * 60;

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
  /** The rollouts this server's registry lists. */
  rollouts: RolloutMarker[];
  error?: string;
}

export interface RolloutStatus {
  /** A rollout that forbids flushes (state `rolling`) is listed on a reachable server. */
  inProgress: boolean;
  /** Every rollout listed on a reachable server, one per app and stage (the latest begun). */
  rollouts: RolloutMarker[];
  /** How many servers answered. */
  reachable: number;
  servers: RolloutServerState[];
}

export interface BeginRolloutResult {
  marker: RolloutMarker;
  /** This app's and stage's rollout of another release that was listed before (one that never completed). */
  replaced: RolloutMarker | null;
  servers: { server: string; written: boolean; error?: string }[];
}

export interface RefreshRolloutResult {
  servers: {
    server: string;
    refreshed: boolean;
    /** The rollout was missing on this server, and is listed again. */
    restored?: boolean;
    error?: string;
  }[];
}

export interface CompleteRolloutResult {
  /** True when every server was flushed (strategy `flush-after-rollout`). */
  flushed: boolean;
  /** Whether the rollout was listed; false if it expired, was evicted, or never written. */
  markerFound: boolean;
  /** Per server: flushed (`flush-after-rollout`), or the rollout removed from its registry (other strategies). */
  servers: ServerFlushResult[] | { server: string; cleared: boolean; error?: string }[];
}

export interface RolloutCoordinatorOptions {
  /** The stage's memcached servers. */
  servers: readonly string[];
  /** The application, as in the cache prefix. With `stage`, it names this rollout in the registry. */
  app: string;
  stage: string;
  strategy: CacheStrategy;
  /** How long each server gets to answer. @default 2000 */
  timeoutMs?: number;
  /**
   * How long the rollout stays listed without a refresh, in case the deployer dies mid-rollout:
   * 1 second to 30 days. @default 7200
   */
  markerTtlSeconds?: number;
  /** @default () => new Date() */
  now?: () => Date;
  /** @default require('memjs') */
  memjs?: MemjsModule;
}

/**
 * The interface a deployer drives during a rollout of one stage: `begin` before the first instance
 * changes, `complete` once every instance runs the new release. Each memcached server keeps one
 * registry of the rollouts in progress on it, whatever their app or stage, because a flush empties
 * the whole server: while any rollout is listed, `reletan cache flush` refuses (unless forced), and
 * so does another rollout's `complete`, since old instances would refill the emptied cache in the
 * old format. For `flush-after-rollout`, `complete` is the one flush, refused until every instance
 * reports the new release. A rollback is a rollout of the previous release: begin and complete it
 * the same way.
 */
export interface RolloutCoordinator {
  /** Lists the rollout on every server (so any machine sees it, and one lost server does not lose it). */
  begin(input: { release: string }): Promise<BeginRolloutResult>;
  /**
   * Lists the rollout again on every server, for the deployer to call while it polls (every few
   * minutes): extends its expiry by `markerTtlSeconds` and writes it back where it went missing (a
   * server restarted, evicted it, or was down at `begin`). A server that lists another release of this
   * stage is left alone and reported.
   */
  refresh(input: { release: string }): Promise<RefreshRolloutResult>;
  /** Reads the registry of every server. */
  status(): Promise<RolloutStatus>;
  /**
   * Ends the rollout once `instances` (every instance of the stage) all report `release`: flushes
   * every server for `flush-after-rollout`, otherwise removes the rollout from the registry. Refused,
   * changing nothing, when an instance runs another version, when the list is empty, or when another
   * release's rollout of this stage began since. A flush is also refused while another rollout is in
   * progress on one of the servers, or while a server does not answer ({@link decideFlush}); the
   * rollout is then listed as awaiting its flush (which blocks no one): call `complete` again later.
   */
  complete(input: { release: string; instances: readonly InstanceVersion[] }): Promise<CompleteRolloutResult>;
  /** Removes the rollout without flushing, for a rollout that stopped before any instance changed. */
  abort(): Promise<{ server: string; cleared: boolean; error?: string }[]>;
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

/**
 * Whether a flush of the servers `status` was read from may run: not while a rollout is in progress
 * on any of them (except `own`, the rollout the flush completes), nor while one of them does not
 * answer (its registry is unknown), unless forced; never with no server answering.
 */
export function decideFlush(
  status: RolloutStatus,
  options: { force?: boolean; own?: RolloutId } = {},
): FlushDecision {
  if (status.reachable === 0) {
    return {
      allowed: false,
      code: 'CACHE_UNREACHABLE',
      message: 'no memcached server answered; nothing can be flushed',
      hint: "check the servers' stats: whether each one runs, and answers from this machine",
    };
  }
  const own = options.own;
  const blocking = status.rollouts.filter(
    (rollout) => rollout.state === 'rolling' && !(own && isRollout(rollout, own)),
  );
  const warnings: string[] = [];
  if (blocking.length > 0) {
    const what =
      blocking.length === 1
        ? `${describeRollout(blocking[0] as RolloutMarker)} is`
        : `${blocking.map(describeRollout).join(', ')} are`;
    if (!options.force) {
      return {
        allowed: false,
        code: 'CACHE_ROLLOUT_IN_PROGRESS',
        message: `refusing to flush: ${what} in progress on these servers, and instances still on the old release would refill the cache in the old format`,
        hint: 'wait for the rollout to finish (it flushes when its strategy is flush-after-rollout), or force the flush',
      };
    }
    warnings.push(
      `${what} in progress: instances still on the old release may refill the cache in the old format`,
    );
  }
  // A rollout listed only on a server that does not answer (one that was down when the others were
  // written) is invisible: flushing the servers that answer could be flushing in the middle of it.
  const silent = status.servers.filter((server) => !server.reachable).map((server) => server.server);
  if (silent.length > 0) {
    const what = `${silent.join(', ')} did not answer, so a rollout listed only there cannot be seen`;
    if (!options.force) {
      return {
        allowed: false,
        code: 'CACHE_SERVER_UNREACHABLE',
        message: `refusing to flush: ${what}`,
        hint: "try again once every server answers (check the servers' stats), or force the flush if it is gone for good",
      };
    }
    warnings.push(what);
  }
  return warnings.length > 0 ? { allowed: true, warning: warnings.join('; ') } : { allowed: true };
}

function describeRollout(rollout: RolloutMarker): string {
  if (rollout.release === UNREADABLE_MARKER_RELEASE) return 'a rollout (the registry is unreadable)';
  return `a rollout of ${rollout.release} (${rollout.app}/${rollout.stage}, started ${rollout.startedAt})`;
}

export interface ReadRolloutStatusOptions {
  /** How long each server gets to answer. @default 2000 */
  timeoutMs?: number;
  /** @default () => new Date() */
  now?: () => Date;
  /** @default require('memjs') */
  memjs?: MemjsModule;
}

/** The rollouts listed on `servers`, whatever their app or stage: what `reletan cache flush` checks. */
export async function readRolloutStatus(
  servers: readonly string[],
  options: ReadRolloutStatusOptions = {},
): Promise<RolloutStatus> {
  const now = options.now ?? (() => new Date());
  const outcomes = await onEachServer<RolloutMarker[]>(
    parseServerList(servers),
    { timeoutMs: options.timeoutMs ?? 2_000, memjs: options.memjs },
    (client, reply) => {
      readRegistry(client, now()).then(
        (rollouts) => reply(null, rollouts),
        (error: unknown) => reply(error),
      );
    },
  );
  return summarize(
    outcomes.map((outcome) =>
      outcome.ok
        ? { server: outcome.server, reachable: true, rollouts: outcome.value }
        : { server: outcome.server, reachable: false, rollouts: [], error: outcome.error },
    ),
  );
}

function summarize(servers: RolloutServerState[]): RolloutStatus {
  const rollouts: RolloutMarker[] = [];
  for (const rollout of servers.flatMap((state) => state.rollouts)) {
    const index = rollouts.findIndex((known) => isRollout(known, rollout));
    if (index === -1) rollouts.push(rollout);
    else if (rollout.startedAt > (rollouts[index] as RolloutMarker).startedAt) rollouts[index] = rollout;
  }
  return {
    inProgress: rollouts.some((rollout) => rollout.state === 'rolling'),
    rollouts,
    reachable: servers.filter((state) => state.reachable).length,
    servers,
  };
}

export function createRolloutCoordinator(options: RolloutCoordinatorOptions): RolloutCoordinator {
  const addresses = parseServerList(options.servers);
  const timeoutMs = options.timeoutMs ?? 2_000;
  // Checked like any memcached expiry: above 30 days, memcached would read it as a date in 1970.
  const ttlMs =
    checkTtl(options.markerTtlSeconds ?? DEFAULT_ROLLOUT_TTL_SECONDS, 'markerTtlSeconds', 1) * 1000;
  const now = options.now ?? (() => new Date());
  const own: RolloutId = { app: options.app, stage: options.stage };
  const each = { timeoutMs, memjs: options.memjs };
  const mine = (rollouts: readonly RolloutMarker[]) => rollouts.find((rollout) => isRollout(rollout, own));
  const others = (rollouts: readonly RolloutMarker[]) =>
    rollouts.filter((rollout) => !isRollout(rollout, own));

  /** Applies `change` to every server's registry at once; a server that failed is reported, not thrown. */
  const updateEverywhere = (change: (rollouts: RolloutMarker[], at: Date) => RolloutMarker[] | undefined) =>
    onEachServer<RegistryUpdate>(addresses, each, (client, reply) => {
      const at = now();
      updateRegistry(client, at, (rollouts) => change(rollouts, at)).then(
        (update) => reply(null, update),
        (error: unknown) => reply(error),
      );
    });

  /** `change`, unless the registry lists another release of this rollout (then nothing changes). */
  const unlessSuperseded =
    (release: string, change: (rollouts: RolloutMarker[], at: Date) => RolloutMarker[]) =>
    (rollouts: RolloutMarker[], at: Date) => {
      const listed = mine(rollouts);
      return listed && listed.release !== release ? undefined : change(rollouts, at);
    };

  /** Lists this rollout of `release` in the state `state`, keeping when it started. */
  const listMine =
    (release: string, state: (listed: RolloutMarker | undefined) => RolloutMarker['state']) =>
    (rollouts: RolloutMarker[], at: Date): RolloutMarker[] => {
      const listed = mine(rollouts);
      const startedAt =
        listed?.startedAt ?? (began?.release === release ? began.startedAt : at.toISOString());
      const expiresAt = new Date(at.getTime() + ttlMs).toISOString();
      return [...others(rollouts), { ...own, release, startedAt, expiresAt, state: state(listed) }];
    };
  /** The rollout this coordinator began, for a refresh that restores it where it went missing. */
  let began: RolloutMarker | undefined;

  /** Whether the rollout of `release` was listed before; a mismatch error if another release was. */
  const wasListed = (release: string, outcomes: readonly ServerOutcome<RegistryUpdate>[]) => {
    const before = outcomes.flatMap((outcome) => (outcome.ok ? [mine(outcome.value.before)] : []));
    const other = before.find((listed) => listed && listed.release !== release);
    if (other) {
      throw new ReletanError({
        code: 'ROLLOUT_RELEASE_MISMATCH',
        message: `refusing to complete the rollout of ${release} on stage ${options.stage}: a rollout of ${other.release} began since (${other.startedAt})`,
        hint: 'complete the rollout that is in progress instead; nothing was flushed',
      });
    }
    return before.some((listed) => listed !== undefined);
  };

  const cleared = (outcomes: readonly ServerOutcome<RegistryUpdate>[]) =>
    outcomes.map((outcome) =>
      outcome.ok
        ? { server: outcome.server, cleared: true }
        : { server: outcome.server, cleared: false, error: outcome.error },
    );

  return {
    status: () =>
      readRolloutStatus(options.servers, {
        timeoutMs,
        now,
        ...(options.memjs ? { memjs: options.memjs } : {}),
      }),

    async begin({ release }) {
      if (!release)
        throw usageError('ROLLOUT_RELEASE_MISSING', 'a rollout needs the release id it rolls out');
      const startedAt = now();
      const marker: RolloutMarker = {
        ...own,
        release,
        startedAt: startedAt.toISOString(),
        expiresAt: new Date(startedAt.getTime() + ttlMs).toISOString(),
        state: 'rolling',
      };
      const outcomes = await updateEverywhere((rollouts) => [...others(rollouts), marker]);
      const servers = outcomes.map((outcome) =>
        outcome.ok
          ? { server: outcome.server, written: true }
          : { server: outcome.server, written: false, error: outcome.error },
      );
      if (!servers.some((server) => server.written)) {
        throw new ReletanError({
          code: 'ROLLOUT_MARKER_UNWRITTEN',
          message: `could not list the rollout of ${release} on any memcached server of stage ${options.stage}`,
          details: servers.map((server) => `${server.server}: ${server.error ?? 'not stored'}`),
          hint: "check the servers' stats; until a rollout is listed, nothing stops a manual flush",
        });
      }
      began = marker;
      // What the registry listed for this stage before, read in the same round trip as the write.
      const previous = outcomes.flatMap((outcome) => (outcome.ok ? (mine(outcome.value.before) ?? []) : []));
      previous.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
      const replaced = previous.find((listed) => listed.release !== release) ?? null;
      return { marker, replaced, servers };
    },

    async refresh({ release }) {
      if (!release)
        throw usageError('ROLLOUT_RELEASE_MISSING', 'a rollout needs the release id it rolls out');
      const outcomes = await updateEverywhere(
        unlessSuperseded(
          release,
          listMine(release, (listed) => listed?.state ?? 'rolling'),
        ),
      );
      const servers = outcomes.map((outcome) => {
        if (!outcome.ok) return { server: outcome.server, refreshed: false, error: outcome.error };
        const listed = mine(outcome.value.before);
        if (listed && listed.release !== release) {
          const error = `lists a rollout of ${listed.release} (started ${listed.startedAt}) instead`;
          return { server: outcome.server, refreshed: false, error };
        }
        return { server: outcome.server, refreshed: true, restored: listed === undefined };
      });
      if (!servers.some((server) => server.refreshed)) {
        throw new ReletanError({
          code: 'ROLLOUT_MARKER_UNWRITTEN',
          message: `could not refresh the rollout of ${release} on any memcached server of stage ${options.stage}`,
          details: servers.map((server) => `${server.server}: ${server.error ?? 'not stored'}`),
          hint: "check the servers' stats; until a rollout is listed, nothing stops a manual flush",
        });
      }
      return { servers };
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
      if (options.strategy !== 'flush-after-rollout') {
        const outcomes = await updateEverywhere(unlessSuperseded(release, others));
        return { flushed: false, markerFound: wasListed(release, outcomes), servers: cleared(outcomes) };
      }

      // Every instance runs the release: this rollout no longer forbids flushes, and waits for its own.
      const outcomes = await updateEverywhere(
        unlessSuperseded(
          release,
          listMine(release, () => 'flush-pending'),
        ),
      );
      const markerFound = wasListed(release, outcomes);
      const status = summarize(
        outcomes.map((outcome) =>
          outcome.ok
            ? { server: outcome.server, reachable: true, rollouts: outcome.value.after }
            : { server: outcome.server, reachable: false, rollouts: [], error: outcome.error },
        ),
      );
      const decision = decideFlush(status, { own });
      if (!decision.allowed) {
        throw new ReletanError({
          code: decision.code,
          message: `not flushing after the rollout of ${release} on stage ${options.stage}: ${decision.message}`,
          details: status.servers
            .filter((server) => !server.reachable)
            .map((server) => `${server.server}: ${server.error ?? 'did not answer'}`),
          hint: 'call complete again later: this rollout is now listed as awaiting its flush, which blocks no one',
        });
      }
      // The flush also removes this rollout from each server it empties, and writes back the others:
      // a server that could not be flushed keeps it, and a rerun of complete() finishes the job.
      const servers = await flushKeepingRollouts(addresses, { ...each, now, done: own });
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

    abort: async () => cleared(await updateEverywhere(others)),
  };
}
