import { ABSENT, decodeEntry, encodeEntry } from './codec.js';
import { MAX_TTL_SECONDS } from './expiry.js';
import { memcachedKey, RESERVED_KEY_NAMESPACE } from './keys.js';
import type { MemjsClient } from './memjs.js';
import { deleteIfUnchanged, getVersioned, storeIfUnchanged, type Versioned } from './memjs-cas.js';

/**
 * The one key, on every memcached server, that lists the rollouts in progress there: fixed (it does
 * not depend on an app or a stage), because a flush empties the whole server, whoever runs it.
 */
export const ROLLOUT_REGISTRY_KEY = memcachedKey(RESERVED_KEY_NAMESPACE, 'registry');

/** The release a rollout reports when the registry cannot be read (it still blocks flushes). */
export const UNREADABLE_MARKER_RELEASE = '(unreadable rollout registry)';

/** One rollout in progress, as the registry lists it. */
export interface RolloutMarker {
  app: string;
  stage: string;
  release: string;
  /** ISO 8601 */
  startedAt: string;
  /** ISO 8601: when the entry lapses if nobody refreshes, completes or aborts it. */
  expiresAt: string;
  /**
   * `rolling`: instances of two releases may be running, so no flush may happen. `flush-pending`:
   * every instance runs the release, and the rollout waits for its flush (it blocks no one).
   */
  state: 'rolling' | 'flush-pending';
}

/** A rollout's identity: one app's stage. */
export type RolloutId = Pick<RolloutMarker, 'app' | 'stage'>;

export const isRollout = (marker: RolloutId, id: RolloutId): boolean =>
  marker.app === id.app && marker.stage === id.stage;

/** What the registry of one server holds. */
export interface RegistryContents {
  /** The rollouts not yet expired at `now`. */
  rollouts: RolloutMarker[];
  /** Something other than a registry is stored at the key: it counts as a rollout in progress. */
  unreadable: boolean;
}

/** Parses a stored registry (pure): expired entries are dropped; anything malformed makes it unreadable. */
export function parseRegistry(raw: Buffer | null, now: Date): RegistryContents {
  const decoded = decodeEntry(raw);
  if (decoded === ABSENT) return { rollouts: [], unreadable: false };
  const entries =
    typeof decoded === 'object' && decoded ? (decoded as { rollouts?: unknown }).rollouts : null;
  if (!Array.isArray(entries) || !entries.every(isMarker)) return { rollouts: [], unreadable: true };
  const time = now.getTime();
  return { rollouts: entries.filter((entry) => Date.parse(entry.expiresAt) > time), unreadable: false };
}

function isMarker(value: unknown): value is RolloutMarker {
  const entry = value as Partial<Record<keyof RolloutMarker, unknown>> | null;
  return (
    typeof entry === 'object' &&
    entry !== null &&
    ['app', 'stage', 'release', 'startedAt', 'expiresAt'].every(
      (field) => typeof entry[field as keyof RolloutMarker] === 'string',
    ) &&
    !Number.isNaN(Date.parse(entry.expiresAt as string)) &&
    (entry.state === 'rolling' || entry.state === 'flush-pending')
  );
}

/** The registry's own expiry: that of its longest-lived entry, so it never outlives them all. */
function registryExpiry(rollouts: readonly RolloutMarker[], now: Date): number {
  const latest = Math.max(...rollouts.map((entry) => Date.parse(entry.expiresAt)));
  return Math.min(MAX_TTL_SECONDS, Math.max(1, Math.ceil((latest - now.getTime()) / 1000)));
}

/** The marker a server's registry shows for an unreadable value, so that it blocks flushes. */
export const UNREADABLE_MARKER: RolloutMarker = {
  app: '(unknown)',
  stage: '(unknown)',
  release: UNREADABLE_MARKER_RELEASE,
  startedAt: '',
  expiresAt: '',
  state: 'rolling',
};

/** Reads one server's registry (an unreadable one is listed as {@link UNREADABLE_MARKER}). */
export async function readRegistry(client: MemjsClient, now: Date): Promise<RolloutMarker[]> {
  const { value } = await client.get(ROLLOUT_REGISTRY_KEY);
  const contents = parseRegistry(value, now);
  return contents.unreadable ? [UNREADABLE_MARKER] : contents.rollouts;
}

/** How often an update reads again after another writer changed the registry first. */
const MAX_ATTEMPTS = 10;

export interface RegistryUpdate {
  /** The registry before the change (an unreadable one as {@link UNREADABLE_MARKER}). */
  before: RolloutMarker[];
  /** The registry after it (`before` when `change` declined). */
  after: RolloutMarker[];
}

/**
 * Changes one server's registry atomically: reads it with its CAS version, applies `change` to the
 * live entries, and writes the result only if nobody wrote in between (else reads again). `change`
 * returns the new list, or undefined to leave the registry as it is. An unreadable registry is
 * given to `change` as empty, and replaced.
 */
export async function updateRegistry(
  client: MemjsClient,
  now: Date,
  change: (rollouts: RolloutMarker[]) => RolloutMarker[] | undefined,
): Promise<RegistryUpdate> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const version: Versioned | null = await getVersioned(client, ROLLOUT_REGISTRY_KEY);
    const contents = parseRegistry(version?.value ?? null, now);
    const before = contents.unreadable ? [UNREADABLE_MARKER] : contents.rollouts;
    const after = change(contents.rollouts);
    if (after === undefined) return { before, after: before };
    const written =
      after.length === 0
        ? version === null || (await deleteIfUnchanged(client, ROLLOUT_REGISTRY_KEY, version))
        : await storeIfUnchanged(
            client,
            ROLLOUT_REGISTRY_KEY,
            encodeEntry({ rollouts: after }),
            registryExpiry(after, now),
            version,
          );
    if (written) return { before, after };
  }
  throw new Error(`the rollout registry kept changing: gave up after ${MAX_ATTEMPTS} attempts`);
}

/** The entries of `extra` that `rollouts` lacks, added to it (`rollouts` wins for a rollout in both). */
export function mergeRollouts(
  rollouts: readonly RolloutMarker[],
  extra: readonly RolloutMarker[],
): RolloutMarker[] {
  return [...rollouts, ...extra.filter((entry) => !rollouts.some((kept) => isRollout(kept, entry)))];
}
