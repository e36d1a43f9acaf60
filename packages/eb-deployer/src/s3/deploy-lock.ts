import { randomUUID } from 'node:crypto';
import { type AwsAccess, type AwsErrorKind, awsFailure } from '@reletan/aws';
import {
  type Backoff,
  type Clock,
  formatDuration,
  type Logger,
  ReletanError,
  systemClock,
  usageError,
  waitUntil,
} from '@reletan/core';
import {
  conditionOutcome,
  interruptedError,
  isAbortError,
  joinKey,
  normalizePrefix,
  readObject,
  s3ClientOf,
  s3Url,
  throwIfAborted,
} from './s3-sdk.js';

/** What the lock object holds: who deploys the stage, for which run, and until when. */
export interface DeployLockInfo {
  /** The stage the lock is for. */
  stage: string;
  /** Who holds it, for people: `user@host`, or the CI job. */
  holder: string;
  /** The run holding it (its journal id), e.g. `deploy/prod/v1.4.0`. */
  run: string;
  /** The CI build deploying, when it runs in CI. */
  ciBuildUrl?: string;
  /** The holder's process id. */
  pid?: number;
  /** When it was acquired (ISO 8601, the holder's clock). */
  acquiredAt: string;
  /** When it was last refreshed (ISO 8601). */
  refreshedAt?: string;
  /** When it expires unless refreshed (ISO 8601, the holder's clock): after this, another deploy may take it over. */
  expiresAt: string;
  /**
   * Random, one per acquisition: tells this holder's writes from anyone else's, also another job of the
   * same run, and recognises a write of ours that S3 applied but whose answer was lost (then retried).
   */
  token: string;
}

/** A deploy lock this process holds. */
export interface DeployLock {
  readonly bucket: string;
  readonly key: string;
  readonly stage: string;
  readonly ttlSeconds: number;
  /** The lock object's ETag as this process last wrote it: every later write is conditional on it. */
  readonly etag: string;
  /** The lock as this process last wrote it. */
  readonly info: DeployLockInfo;
  /** The expired lock this one replaced, if it took one over. */
  readonly tookOver: DeployLockInfo | undefined;
  /** `held`, until it is released, or found lost (taken over or removed). */
  readonly state: 'held' | 'lost' | 'released';
  /**
   * Extends the lock by its TTL from now, only if it is still the object this process wrote
   * (`If-Match`). Throws `DEPLOY_LOCK_LOST` when it is not: another deploy took it over (after it
   * expired) or it was unlocked; the deploy must then stop.
   */
  refresh(): Promise<void>;
  /**
   * Deletes the lock if it is still this process's (a conditional delete on its ETag); a lock taken over
   * or removed meanwhile is left alone, and reported.
   */
  release(): Promise<DeployLockRelease>;
}

export interface DeployLockRelease {
  /** True when this call deleted the lock. */
  released: boolean;
  /** Who holds the lock instead, when it had been taken over. */
  heldBy?: DeployLockInfo;
}

export interface DeployLockLocation {
  /** The command's AWS access; the caller keeps it and destroys it. */
  aws: AwsAccess;
  /** The bucket's region. @default the access's region, else the SDK's own chain (AWS_REGION, the profile) */
  region?: string;
  /** The deploy bucket. */
  bucket: string;
  /** The lock object's key: {@link deployLockKey} of the stage. */
  key: string;
  /** @default none */
  signal?: AbortSignal;
}

export interface AcquireDeployLockOptions extends DeployLockLocation {
  /** The stage, for messages and for the hint to unlock it. */
  stage: string;
  /** Who deploys, for the people the lock keeps waiting: `user@host`, or the CI job. */
  holder: string;
  /** The run (its journal id), e.g. `deploy/prod/v1.4.0`. */
  run: string;
  /** The CI build deploying. @default none */
  ciBuildUrl?: string;
  /**
   * How long the lock lasts unless refreshed ({@link keepDeployLock} refreshes it while the deploy runs).
   * A holder that dies keeps the stage locked this long.
   * @default 900 (15 minutes)
   */
  ttlSeconds?: number;
  /**
   * When another deploy holds the lock: fail at once with `DEPLOY_LOCKED` (false), or wait for it to be
   * released or to expire, checking with backoff, up to `timeoutMs` (30 minutes unless given), then fail
   * with `DEPLOY_LOCKED`.
   * @default false
   */
  wait?: boolean | { timeoutMs?: number };
  /** How long to wait between checks while waiting. @default from 2 s, doubling, up to 30 s, half jittered */
  backoff?: Backoff;
  /** @default the system clock */
  clock?: Clock;
  /** Shows the wait ("waiting for the deploy lock held by …") and a takeover. @default none */
  logger?: Logger;
  /** Recorded in the lock for people. @default process.pid */
  pid?: number;
}

/** The default TTL: long enough for a few missed refreshes, short enough that a dead holder frees the stage. */
export const DEFAULT_LOCK_TTL_SECONDS = 900;
const DEFAULT_WAIT_TIMEOUT_MS = 30 * 60_000;
const DEFAULT_WAIT_BACKOFF: Backoff = { initialMs: 2_000, factor: 2, maxMs: 30_000, jitter: 0.5 };

/** The lock object's key for a stage: `<prefix>/locks/<stage>.json`. */
export function deployLockKey(options: { prefix?: string; stage: string }): string {
  return joinKey(normalizePrefix(options.prefix), `locks/${encodeURIComponent(options.stage)}.json`);
}

/**
 * Takes the stage's deploy lock: an object in the deploy bucket, created only if absent (`If-None-Match:
 * *`), so two CI jobs never deploy a stage at the same time. A lock past its expiry is taken over with a
 * write conditional on its ETag (`If-Match`), so of two jobs taking it over, one wins. Held by another
 * deploy: `DEPLOY_LOCKED` naming the holder, or with `wait`, a wait until it is free.
 */
export async function acquireDeployLock(options: AcquireDeployLockOptions): Promise<DeployLock> {
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_LOCK_TTL_SECONDS;
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw usageError(
      'DEPLOY_LOCK_TTL_INVALID',
      `the deploy lock's TTL must be a positive number of seconds, not ${ttlSeconds}`,
    );
  }
  throwIfAborted(options.signal);
  const clock = options.clock ?? systemClock;
  const object = await lockObject(options);
  const token = randomUUID();
  const fresh = (now: number): DeployLockInfo => ({
    stage: options.stage,
    holder: options.holder,
    run: options.run,
    ...(options.ciBuildUrl ? { ciBuildUrl: options.ciBuildUrl } : {}),
    pid: options.pid ?? process.pid,
    acquiredAt: new Date(now).toISOString(),
    expiresAt: new Date(now + ttlSeconds * 1000).toISOString(),
    token,
  });
  const attempt = () => tryAcquire(object, token, fresh, clock, ttlSeconds);
  const acquired = (outcome: Acquired) => {
    if (outcome.tookOver) {
      options.logger?.warn(
        `took over the expired deploy lock of stage ${options.stage} (${describeLockHolder(outcome.tookOver)}, expired at ${outcome.tookOver.expiresAt})`,
      );
    }
    return new S3DeployLock(object, options.stage, ttlSeconds, clock, outcome, options.logger);
  };

  if (!options.wait) {
    const outcome = await attempt();
    if (outcome.status === 'held') throw lockedError(object.url, options.stage, outcome.info);
    return acquired(outcome);
  }
  const timeoutMs =
    typeof options.wait === 'object' && options.wait.timeoutMs !== undefined
      ? options.wait.timeoutMs
      : DEFAULT_WAIT_TIMEOUT_MS;
  const result = await waitUntil<Acquired, DeployLockInfo>({
    check: async () => {
      const outcome = await attempt();
      return outcome.status === 'acquired'
        ? { done: true, value: outcome }
        : { done: false, state: outcome.info, reason: describeLockHolder(outcome.info) };
    },
    backoff: options.backoff ?? DEFAULT_WAIT_BACKOFF,
    timeoutMs,
    clock,
    ...(options.signal ? { signal: options.signal } : {}),
    onWait: ({ delayMs, state }) => {
      if (!state) return;
      options.logger?.progress(
        `waiting for the deploy lock of stage ${options.stage} held by ${describeLockHolder(state)} since ${state.acquiredAt} (expires ${state.expiresAt}); next check in ${formatDuration(delayMs)}`,
      );
    },
  });
  if (result.status === 'timed-out') {
    throw lockedError(object.url, options.stage, result.state, result.elapsedMs);
  }
  return acquired(result.value);
}

/** The lock as it is now, or undefined when the stage is not locked (for status and unlock). */
export async function readDeployLock(options: DeployLockLocation): Promise<DeployLockInfo | undefined> {
  const object = await lockObject(options);
  return (await object.read())?.info;
}

export interface ForceUnlockResult {
  /** The lock that was removed; undefined when there was none. */
  removed: DeployLockInfo | undefined;
}

/**
 * Removes the stage's deploy lock whoever holds it: for a holder that died (its lock would otherwise stay
 * until it expires). The delete is conditional on the lock that was read, so what is reported removed is
 * what was removed. A deploy still running finds its lock gone at its next refresh, and stops.
 */
export async function forceUnlock(options: DeployLockLocation): Promise<ForceUnlockResult> {
  const object = await lockObject(options);
  for (let round = 0; round < 3; round++) {
    const current = await object.read();
    if (!current) return { removed: undefined };
    if (await object.remove(current.etag)) return { removed: current.info };
  }
  throw object.unsettled('removing');
}

type Acquired = { status: 'acquired'; etag: string; info: DeployLockInfo; tookOver?: DeployLockInfo };
type Attempt = Acquired | { status: 'held'; info: DeployLockInfo };

/**
 * One try at the lock, as S3's conditional writes allow: create it if absent; if present and ours (a write
 * whose answer was lost), keep it; if expired, replace it only if unchanged since read; else report the
 * holder. A 412 or 409 on the way means another writer moved first: read again and decide again.
 */
async function tryAcquire(
  object: LockObject,
  token: string,
  fresh: (now: number) => DeployLockInfo,
  clock: Clock,
  ttlSeconds: number,
): Promise<Attempt> {
  let seen: DeployLockInfo | undefined;
  for (let round = 0; round < 4; round++) {
    const now = clock.now();
    const info = fresh(now);
    const created = await object.create(info);
    if (created !== undefined) return { status: 'acquired', etag: created, info };
    const current = await object.read(ttlSeconds);
    // Released between the write and the read: try to create it again.
    if (!current) continue;
    seen = current.info;
    if (current.info.token === token) return { status: 'acquired', etag: current.etag, info: current.info };
    if (!isDeployLockExpired(current.info, now)) return { status: 'held', info: current.info };
    const replaced = await object.replace(info, current.etag);
    if (replaced !== undefined) return { status: 'acquired', etag: replaced, info, tookOver: current.info };
  }
  // Writers kept moving the lock; report the last holder seen, and a waiter tries again later.
  if (seen) return { status: 'held', info: seen };
  throw object.unsettled('acquiring');
}

/** Whether a lock's expiry has passed, by this machine's clock. */
export function isDeployLockExpired(info: DeployLockInfo, now: number): boolean {
  const expires = Date.parse(info.expiresAt);
  return Number.isNaN(expires) || expires <= now;
}

/** "alice@laptop (run deploy/prod/v1.4.0, https://ci.example/build/12)". */
export function describeLockHolder(info: DeployLockInfo): string {
  return `${info.holder} (run ${info.run}${info.ciBuildUrl ? `, ${info.ciBuildUrl}` : ''})`;
}

class S3DeployLock implements DeployLock {
  #etag: string;
  #info: DeployLockInfo;
  #state: DeployLock['state'] = 'held';
  #lostError: ReletanError | undefined;
  // Refreshes (from a keeper and from the caller) and the release go out one at a time, each conditional
  // on the ETag the previous one left.
  #queue: Promise<unknown> = Promise.resolve();
  readonly tookOver: DeployLockInfo | undefined;

  constructor(
    private readonly object: LockObject,
    readonly stage: string,
    readonly ttlSeconds: number,
    private readonly clock: Clock,
    acquired: Acquired,
    private readonly logger: Logger | undefined,
  ) {
    this.#etag = acquired.etag;
    this.#info = acquired.info;
    this.tookOver = acquired.tookOver;
  }

  get bucket() {
    return this.object.bucket;
  }
  get key() {
    return this.object.key;
  }
  get etag() {
    return this.#etag;
  }
  get info() {
    return this.#info;
  }
  get state() {
    return this.#state;
  }

  refresh(): Promise<void> {
    return this.#serial(() => this.#refresh());
  }

  release(): Promise<DeployLockRelease> {
    return this.#serial(() => this.#release());
  }

  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(operation, operation);
    this.#queue = next.catch(() => {});
    return next;
  }

  async #refresh(): Promise<void> {
    if (this.#state === 'released') {
      throw new ReletanError({
        code: 'DEPLOY_LOCK_RELEASED',
        message: `the deploy lock of stage ${this.stage} was released by this deploy; it cannot be refreshed`,
        input: { url: this.object.url },
      });
    }
    if (this.#lostError) throw this.#lostError;
    for (let round = 0; round < 3; round++) {
      const now = this.clock.now();
      const next: DeployLockInfo = {
        ...this.#info,
        refreshedAt: new Date(now).toISOString(),
        expiresAt: new Date(now + this.ttlSeconds * 1000).toISOString(),
      };
      const etag = await this.object.replace(next, this.#etag);
      if (etag !== undefined) {
        this.#etag = etag;
        this.#info = next;
        return;
      }
      const current = await this.object.read(this.ttlSeconds);
      if (current?.info.token !== this.#info.token) throw this.#lose(current?.info);
      // Still ours: the write landed but its answer was lost (the SDK retried it), or a 409 asked for a
      // fresh ETag. Continue from what S3 holds.
      this.#etag = current.etag;
      this.#info = current.info;
      if (current.info.expiresAt === next.expiresAt) return;
    }
    throw this.object.unsettled('refreshing');
  }

  async #release(): Promise<DeployLockRelease> {
    if (this.#state === 'released') return { released: false };
    for (let round = 0; round < 3; round++) {
      const current = await this.object.read(this.ttlSeconds);
      if (!current) {
        // Removed by an unlock, or never there: nothing of ours to delete.
        this.#state = 'released';
        return { released: false };
      }
      if (current.info.token !== this.#info.token) {
        this.#lose(current.info);
        this.logger?.warn(
          `the deploy lock of stage ${this.stage} is now held by ${describeLockHolder(current.info)}; it was left in place`,
        );
        return { released: false, heldBy: current.info };
      }
      if (await this.object.remove(current.etag)) {
        this.#state = 'released';
        return { released: true };
      }
    }
    throw this.object.unsettled('releasing');
  }

  #lose(now: DeployLockInfo | undefined): ReletanError {
    this.#state = 'lost';
    this.#lostError ??= lostError(this.object.url, this.stage, this.#info, now);
    return this.#lostError;
  }
}

/** The lock object's reads and conditional writes, with failures mapped to `DEPLOY_LOCK_FAILED`. */
interface LockObject {
  readonly bucket: string;
  readonly key: string;
  readonly url: string;
  /** The lock as stored; undefined when there is none. A body reletan cannot read counts as a lock. */
  read(ttlSeconds?: number): Promise<{ info: DeployLockInfo; etag: string } | undefined>;
  /** Creates it if absent: its ETag, or undefined when another writer holds the key. */
  create(info: DeployLockInfo): Promise<string | undefined>;
  /** Replaces it if unchanged: its new ETag, or undefined when it changed or is gone. */
  replace(info: DeployLockInfo, etag: string): Promise<string | undefined>;
  /** Deletes it if unchanged: false when it changed or is gone. */
  remove(etag: string): Promise<boolean>;
  unsettled(doing: string): ReletanError;
}

async function lockObject(location: DeployLockLocation): Promise<LockObject> {
  const { bucket, key, signal } = location;
  const [client, sdk] = await s3ClientOf(location.aws, location.region);
  const url = s3Url(bucket, key);
  const send = signal ? { abortSignal: signal } : {};
  const failure = (error: unknown, doing: string) => {
    if (signal?.aborted && isAbortError(error)) return interruptedError(signal);
    return awsFailure(error, {
      code: 'DEPLOY_LOCK_FAILED',
      doing: `${doing} the deploy lock ${url}`,
      input: { url },
      hints: lockHints(bucket, key),
    });
  };
  const fetchStored = () => readObject(client, sdk, bucket, key, signal);
  const put = async (info: DeployLockInfo, condition: { IfNoneMatch: '*' } | { IfMatch: string }) => {
    try {
      const output = await client.send(
        new sdk.PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: `${JSON.stringify(info, null, 2)}\n`,
          ContentType: 'application/json',
          ServerSideEncryption: sdk.ServerSideEncryption.AES256,
          // The lock must not be cached anywhere between S3 and a reader.
          CacheControl: 'no-store',
          ...condition,
        }),
        send,
      );
      // S3 answers a PUT with the ETag; an S3-compatible store that does not is asked for it.
      return output.ETag ?? (await fetchStored())?.etag ?? '';
    } catch (error) {
      const outcome = conditionOutcome(error);
      if (outcome) return undefined;
      throw failure(error, 'IfNoneMatch' in condition ? 'creating' : 'updating');
    }
  };
  return {
    bucket,
    key,
    url,
    async read(ttlSeconds = DEFAULT_LOCK_TTL_SECONDS) {
      let stored: Awaited<ReturnType<typeof readObject>>;
      try {
        stored = await fetchStored();
      } catch (error) {
        throw failure(error, 'reading');
      }
      if (!stored) return undefined;
      return { info: parseLockInfo(stored.text, stored.lastModified, ttlSeconds), etag: stored.etag };
    },
    create: (info) => put(info, { IfNoneMatch: '*' }),
    replace: (info, etag) => put(info, { IfMatch: etag }),
    async remove(etag) {
      try {
        await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key, IfMatch: etag }), send);
        return true;
      } catch (error) {
        if (conditionOutcome(error)) return false;
        throw failure(error, 'deleting');
      }
    },
    unsettled: (doing) =>
      new ReletanError({
        code: 'DEPLOY_LOCK_FAILED',
        message: `${doing} the deploy lock ${url} failed: other writers kept changing it`,
        input: { url },
        hint: 'several jobs are contending for the lock; try again in a moment',
      }),
  };
}

/**
 * The lock a stored body describes. A body that is not a lock reletan wrote (damaged, or written by hand)
 * still locks the stage: it is taken as held by an unknown holder from when S3 last wrote it, for one TTL,
 * so that it neither blocks deploys forever nor is ignored.
 */
export function parseLockInfo(
  text: string,
  lastModified: Date | undefined,
  ttlSeconds: number,
): DeployLockInfo {
  try {
    const parsed = JSON.parse(text) as Partial<DeployLockInfo> | null;
    if (
      parsed &&
      typeof parsed === 'object' &&
      typeof parsed.holder === 'string' &&
      typeof parsed.run === 'string' &&
      typeof parsed.token === 'string' &&
      typeof parsed.acquiredAt === 'string' &&
      typeof parsed.expiresAt === 'string' &&
      !Number.isNaN(Date.parse(parsed.expiresAt))
    ) {
      return parsed as DeployLockInfo;
    }
  } catch {
    // Not JSON: read as an unknown holder below.
  }
  const since = lastModified?.getTime() ?? 0;
  return {
    stage: '',
    holder: 'an unknown holder (the lock object is not one reletan wrote)',
    run: 'unknown',
    token: '',
    acquiredAt: new Date(since).toISOString(),
    expiresAt: new Date(since + ttlSeconds * 1000).toISOString(),
  };
}

function lockedError(
  url: string,
  stage: string,
  info: DeployLockInfo | undefined,
  waitedMs?: number,
): ReletanError {
  const unlock = {
    type: 'run' as const,
    command: ['eb', 'unlock', stage],
    words: `unlock stage ${stage}`,
  };
  const holder = info ? describeLockHolder(info) : 'another deploy';
  const since = info ? ` since ${info.acquiredAt}, until ${info.expiresAt}` : '';
  if (waitedMs !== undefined) {
    return new ReletanError({
      code: 'DEPLOY_LOCKED',
      message: `the deploy lock of stage ${stage} is still held by ${holder}${since}, after waiting ${formatDuration(waitedMs)}`,
      input: { url },
      details: info ? holderDetails(info) : [],
      hint: 'if that deploy is no longer running, {unlock} and deploy again; otherwise wait longer',
      actions: { unlock },
    });
  }
  return new ReletanError({
    code: 'DEPLOY_LOCKED',
    message: `the deploy lock of stage ${stage} is held by ${holder}${since}`,
    input: { url },
    details: info ? holderDetails(info) : [],
    hint: 'another deploy of the stage is running; to deploy after it, {waitLock}; if it is no longer running, {unlock} and deploy again',
    actions: {
      waitLock: { type: 'option', name: 'waitLock', words: 'wait for the lock to be released' },
      unlock,
    },
  });
}

function lostError(
  url: string,
  stage: string,
  ours: DeployLockInfo,
  now: DeployLockInfo | undefined,
): ReletanError {
  return new ReletanError({
    code: 'DEPLOY_LOCK_LOST',
    message: now
      ? `the deploy lock of stage ${stage} was taken over by ${describeLockHolder(now)} at ${now.acquiredAt}: this deploy (run ${ours.run}) no longer holds it`
      : `the deploy lock of stage ${stage} was removed (unlocked): this deploy (run ${ours.run}) no longer holds it`,
    input: { url },
    details: now ? holderDetails(now) : [],
    hint: 'this deploy stopped so that two deploys never interleave; check what the other deploy did to the stage before deploying again',
  });
}

function holderDetails(info: DeployLockInfo): string[] {
  return [
    `holder: ${info.holder}`,
    `run: ${info.run}`,
    ...(info.ciBuildUrl ? [`CI build: ${info.ciBuildUrl}`] : []),
    ...(info.pid !== undefined ? [`pid: ${info.pid}`] : []),
    `acquired: ${info.acquiredAt}`,
    ...(info.refreshedAt ? [`refreshed: ${info.refreshedAt}`] : []),
    `expires: ${info.expiresAt}`,
  ];
}

function lockHints(bucket: string, key: string): Partial<Record<AwsErrorKind, string>> {
  return {
    'access-denied': `allow s3:GetObject, s3:PutObject and s3:DeleteObject on arn:aws:s3:::${bucket}/${key}, and s3:ListBucket on arn:aws:s3:::${bucket} (without it S3 answers "access denied" for a lock that does not exist), to the role or user the job runs as`,
    'not-found': `the deploy bucket ${bucket} does not exist in this region or account; check the stage's deploy bucket and region`,
  };
}
