import { type AwsAccess, createAwsAccess } from '@reletan/aws';
import { exitCodeFor, type ReletanError } from '@reletan/core';
import { captureLogger, createFakeClock, type FakeClock, reletanRejection } from '@reletan/core/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type AcquireDeployLockOptions,
  acquireDeployLock,
  type DeployLockInfo,
  deployLockKey,
  forceUnlock,
  readDeployLock,
} from './deploy-lock.js';
import { createFakeS3, type FakeS3, s3ErrorAnswer } from './fake-s3.js';
import { keepDeployLock } from './keep-deploy-lock.js';
import { type RunningS3rver, startS3rver } from './testing.js';

const BUCKET = 'shop-deploys';
const KEY = deployLockKey({ prefix: 'shop', stage: 'prod' });
const START = Date.UTC(2026, 11, 3, 10, 0, 0);

let clock: FakeClock;
let s3: FakeS3;
let aws: AwsAccess;

beforeEach(() => {
  // The SDK's notice about Node versions it will drop, as the bins silence it.
  vi.stubEnv('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');
  clock = createFakeClock(START);
  s3 = createFakeS3({ now: () => clock.now() });
  aws = createAwsAccess({ maxAttempts: 1, clientConfig: s3.clientConfig });
});

afterEach(() => {
  aws.destroy();
  vi.unstubAllEnvs();
});

/** A deploy of stage prod taking the lock; `who` tells the contenders apart. */
function acquire(who: string, overrides: Partial<AcquireDeployLockOptions> = {}) {
  return acquireDeployLock({
    aws,
    bucket: BUCKET,
    key: KEY,
    stage: 'prod',
    holder: `${who}@ci`,
    run: 'deploy/prod/v1.4.0',
    ciBuildUrl: `https://ci.example/${who}/1`,
    pid: 4242,
    clock,
    ...overrides,
  });
}

function stored(): DeployLockInfo | undefined {
  const object = s3.object(BUCKET, KEY);
  return object ? (JSON.parse(object.body.toString('utf8')) as DeployLockInfo) : undefined;
}

describe('taking the deploy lock', () => {
  it('creates the lock object only if there is none, naming the holder, its CI build and the expiry', async () => {
    const lock = await acquire('alice');

    expect(stored()).toEqual({
      stage: 'prod',
      holder: 'alice@ci',
      run: 'deploy/prod/v1.4.0',
      ciBuildUrl: 'https://ci.example/alice/1',
      pid: 4242,
      acquiredAt: '2026-12-03T10:00:00.000Z',
      expiresAt: '2026-12-03T10:15:00.000Z',
      token: lock.info.token,
    });
    expect(lock.etag).toBe(s3.object(BUCKET, KEY)?.etag);
    const [put] = s3.requests;
    expect(put).toMatchObject({ operation: 'PutObject', key: 'shop/locks/prod.json' });
    expect(put?.headers['if-none-match']).toBe('*');
    expect(put?.headers['x-amz-server-side-encryption']).toBe('AES256');
  });

  it('fails at once for a second deploy, naming who holds it, their CI build and when it expires', async () => {
    const first = await acquire('alice');
    const error = await reletanRejection(acquire('bob'));

    expect(error.code).toBe('DEPLOY_LOCKED');
    expect(exitCodeFor(error)).toBe(1);
    expect(error.message).toContain('alice@ci');
    expect(error.message).toContain('https://ci.example/alice/1');
    expect(error.message).toContain('until 2026-12-03T10:15:00.000Z');
    expect(error.input).toEqual({ url: 's3://shop-deploys/shop/locks/prod.json' });
    expect(error.actions.unlock).toMatchObject({ type: 'run', command: ['eb', 'unlock', 'prod'] });
    expect(error.actions.waitLock).toMatchObject({ type: 'option', name: 'waitLock' });
    expect(error.hint).toContain('unlock stage prod');
    // The holder's lock is untouched.
    expect(stored()?.token).toBe(first.info.token);
  });

  it('is readable by anyone, e.g. for a status report', async () => {
    expect(await readDeployLock({ aws, bucket: BUCKET, key: KEY })).toBeUndefined();
    const lock = await acquire('alice');
    expect(await readDeployLock({ aws, bucket: BUCKET, key: KEY })).toEqual(lock.info);
  });

  it('keys each stage apart under the prefix', () => {
    expect(deployLockKey({ prefix: '/shop/', stage: 'prod' })).toBe('shop/locks/prod.json');
    expect(deployLockKey({ stage: 'eu west' })).toBe('locks/eu%20west.json');
  });

  it('refuses a TTL that is not a positive number of seconds', async () => {
    const error = await reletanRejection(acquire('alice', { ttlSeconds: 0 }));
    expect(error).toMatchObject({ code: 'DEPLOY_LOCK_TTL_INVALID', kind: 'usage' });
  });
});

describe('waiting for the deploy lock', () => {
  it('gets it once the holder releases it, showing whom it waits for', async () => {
    const first = await acquire('alice');
    const { logger, output } = captureLogger();
    // The holder finishes during the second wait.
    const waiting = {
      ...clock,
      sleep: async (ms: number, signal?: AbortSignal) => {
        await clock.sleep(ms, signal);
        if (clock.sleeps.length === 2) await first.release();
      },
    };

    const second = await acquire('bob', { wait: true, clock: waiting, logger });

    expect(second.info.holder).toBe('bob@ci');
    expect(stored()?.token).toBe(second.info.token);
    expect(clock.sleeps).toHaveLength(2);
    expect(output()).toContain(
      'waiting for the deploy lock of stage prod held by alice@ci (run deploy/prod/v1.4.0, https://ci.example/alice/1) since 2026-12-03T10:00:00.000Z',
    );
  });

  it('takes it over once it expires, when its holder never releases it', async () => {
    const first = await acquire('alice', { ttlSeconds: 60 });

    const second = await acquire('bob', { wait: true });

    expect(second.tookOver?.token).toBe(first.info.token);
    expect(stored()?.holder).toBe('bob@ci');
    const waited = clock.sleeps.reduce((sum, ms) => sum + ms, 0);
    expect(waited).toBeGreaterThanOrEqual(60_000);
    // Checked with backoff, not every second: a few checks in a minute.
    expect(clock.sleeps.length).toBeLessThan(10);
  });

  it('gives up at its deadline, naming the holder and advising to unlock only', async () => {
    await acquire('alice');
    const error = await reletanRejection(acquire('bob', { wait: { timeoutMs: 60_000 } }));

    expect(error.code).toBe('DEPLOY_LOCKED');
    expect(error.message).toContain('still held by alice@ci');
    expect(error.message).toContain('after waiting');
    expect(Object.keys(error.actions)).toEqual(['unlock']);
    expect(clock.now() - START).toBeLessThanOrEqual(60_000);
  });

  it('stops when interrupted (exit 130)', async () => {
    await acquire('alice');
    const controller = new AbortController();
    const interrupting = {
      ...clock,
      sleep: async (ms: number, signal?: AbortSignal) => {
        controller.abort();
        await clock.sleep(ms, signal);
      },
    };
    const error = await reletanRejection(
      acquire('bob', { wait: true, clock: interrupting, signal: controller.signal }),
    );
    expect(error.code).toBe('INTERRUPTED');
    expect(exitCodeFor(error)).toBe(130);
  });
});

describe('taking over an expired lock', () => {
  it('replaces it only if it is unchanged since it was read (If-Match with its ETag)', async () => {
    const first = await acquire('alice', { ttlSeconds: 60 });
    clock.advance(61_000);
    const { logger, output } = captureLogger();

    const second = await acquire('bob', { logger });

    expect(second.tookOver).toEqual(first.info);
    const takeover = s3.requests.filter((request) => request.headers['if-match'] !== undefined);
    expect(takeover).toHaveLength(1);
    expect(takeover[0]?.headers['if-match']).toBe(first.etag);
    expect(output()).toContain('took over the expired deploy lock of stage prod (alice@ci');
  });

  it('lets exactly one of two deploys taking it over at once win', async () => {
    await acquire('alice', { ttlSeconds: 60 });
    clock.advance(61_000);
    // Both read the expired lock before either writes: the race the conditional write settles.
    let reads = 0;
    let bothRead!: () => void;
    const barrier = new Promise<void>((resolve) => {
      bothRead = resolve;
    });
    s3.intercept(async (request) => {
      if (request.operation !== 'GetObject') return undefined;
      reads += 1;
      if (reads === 2) bothRead();
      if (reads <= 2) await barrier;
      return undefined;
    });

    const results = await Promise.allSettled([acquire('bob'), acquire('carol')]);

    const won = results.filter((result) => result.status === 'fulfilled');
    const lost = results.filter((result) => result.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const winner = (won[0] as PromiseFulfilledResult<{ info: DeployLockInfo }>).value.info;
    expect(stored()?.token).toBe(winner.token);
    const error = (lost[0] as PromiseRejectedResult).reason as ReletanError;
    expect(error.code).toBe('DEPLOY_LOCKED');
    expect(error.message).toContain(winner.holder);
    const takeovers = s3.requests.filter((request) => request.headers['if-match'] !== undefined);
    expect(takeovers).toHaveLength(2);
  });

  it('tries again when S3 answers 409 ConditionalRequestConflict', async () => {
    let conflicts = 0;
    s3.intercept((request) => {
      if (request.operation !== 'PutObject' || conflicts > 0) return undefined;
      conflicts += 1;
      return s3ErrorAnswer(
        409,
        'ConditionalRequestConflict',
        'A conflicting conditional operation is currently in progress against this resource. Please try again.',
      );
    });

    const lock = await acquire('alice');

    expect(conflicts).toBe(1);
    expect(stored()?.token).toBe(lock.info.token);
  });

  it('recognises its own write when S3 applied it but the answer was lost and the SDK retried', async () => {
    const retrying = createAwsAccess({ maxAttempts: 3, clientConfig: s3.clientConfig });
    let failed = false;
    s3.intercept((request) => {
      if (request.operation !== 'PutObject' || failed) return undefined;
      failed = true;
      s3.putObject(request.bucket, request.key, request.body);
      return s3ErrorAnswer(500, 'InternalError', 'We encountered an internal error. Please try again.');
    });
    try {
      const lock = await acquire('alice', { aws: retrying });
      expect(lock.info.holder).toBe('alice@ci');
      expect(lock.etag).toBe(s3.object(BUCKET, KEY)?.etag);
      // The retried create found the object: S3 said 412, and the lock read back was this deploy's.
      expect(s3.requests.map((request) => request.operation)).toEqual([
        'PutObject',
        'PutObject',
        'GetObject',
      ]);
    } finally {
      retrying.destroy();
    }
  });

  it('counts a lock object it cannot read as held, for one TTL from when it was written', async () => {
    s3.putObject(BUCKET, KEY, 'not a lock');

    const error = await reletanRejection(acquire('alice'));
    expect(error.message).toContain('an unknown holder');

    clock.advance(901_000);
    const lock = await acquire('alice');
    expect(lock.tookOver?.holder).toContain('unknown holder');
  });
});

describe('refreshing the deploy lock', () => {
  it('extends the expiry while the lock is still this deploy’s', async () => {
    const lock = await acquire('alice');
    const before = lock.etag;
    clock.advance(300_000);

    await lock.refresh();

    expect(lock.info.expiresAt).toBe('2026-12-03T10:20:00.000Z');
    expect(lock.info.refreshedAt).toBe('2026-12-03T10:05:00.000Z');
    expect(lock.info.acquiredAt).toBe('2026-12-03T10:00:00.000Z');
    expect(stored()).toEqual(lock.info);
    expect(s3.requests.at(-1)?.headers['if-match']).toBe(before);
    expect(lock.etag).not.toBe(before);
  });

  it('reports the loss once another deploy took the lock over', async () => {
    const first = await acquire('alice', { ttlSeconds: 60 });
    clock.advance(61_000);
    const second = await acquire('bob');

    const error = await reletanRejection(first.refresh());

    expect(error.code).toBe('DEPLOY_LOCK_LOST');
    expect(error.message).toContain('taken over by bob@ci');
    expect(first.state).toBe('lost');
    expect(stored()).toEqual(second.info);
    // Lost stays lost: no later write is tried.
    const requests = s3.requests.length;
    await expect(first.refresh()).rejects.toMatchObject({ code: 'DEPLOY_LOCK_LOST' });
    expect(s3.requests).toHaveLength(requests);
  });

  it('reports the loss when the lock was unlocked by hand', async () => {
    const lock = await acquire('alice');
    await forceUnlock({ aws, bucket: BUCKET, key: KEY });

    const error = await reletanRejection(lock.refresh());
    expect(error.code).toBe('DEPLOY_LOCK_LOST');
    expect(error.message).toContain('was removed');
  });
});

describe('keeping the deploy lock while the deploy runs', () => {
  it('refreshes it on an interval until stopped', async () => {
    const lock = await acquire('alice');
    const keeper = keepDeployLock(lock, { intervalMs: 5 });

    await vi.waitFor(() => {
      expect(
        s3.requests.filter((request) => request.headers['if-match'] !== undefined).length,
      ).toBeGreaterThanOrEqual(2);
    });
    keeper.stop();

    expect(keeper.signal.aborted).toBe(false);
    expect(stored()?.token).toBe(lock.info.token);
  });

  it('aborts its signal and tells the deploy once the lock is taken over', async () => {
    const first = await acquire('alice', { ttlSeconds: 60 });
    clock.advance(61_000);
    await acquire('bob');
    const onLost = vi.fn();

    const keeper = keepDeployLock(first, { intervalMs: 5, onLost, clock });
    await vi.waitFor(() => expect(keeper.signal.aborted).toBe(true));

    expect((keeper.signal.reason as ReletanError).code).toBe('DEPLOY_LOCK_LOST');
    expect(onLost).toHaveBeenCalledTimes(1);
    expect(first.state).toBe('lost');
  });
  it('counts the lock as lost when refreshes kept failing until it expired', async () => {
    const lock = await acquire('alice', { ttlSeconds: 60 });
    s3.intercept((request) =>
      request.operation === 'PutObject'
        ? s3ErrorAnswer(500, 'InternalError', 'We encountered an internal error.')
        : undefined,
    );
    const { logger, output } = captureLogger();
    const keeper = keepDeployLock(lock, { intervalMs: 5, clock, logger });

    // Still within the TTL: a failed refresh is tried again.
    await vi.waitFor(() =>
      expect(output()).toContain('refreshing the deploy lock of stage prod failed, trying again'),
    );
    expect(keeper.signal.aborted).toBe(false);

    clock.advance(61_000);
    await vi.waitFor(() => expect(keeper.signal.aborted).toBe(true));
    expect((keeper.signal.reason as ReletanError).message).toContain(
      'expired while it could not be refreshed',
    );
  });
});

describe('releasing the deploy lock', () => {
  it('deletes it only while it is still this deploy’s (a delete conditional on its ETag)', async () => {
    const lock = await acquire('alice');

    expect(await lock.release()).toEqual({ released: true });

    expect(s3.object(BUCKET, KEY)).toBeUndefined();
    const deletion = s3.requests.find((request) => request.operation === 'DeleteObject');
    expect(deletion?.headers['if-match']).toBe(lock.etag);
    expect(lock.state).toBe('released');
  });

  it('leaves in place a lock another deploy took over, and says who holds it', async () => {
    const first = await acquire('alice', { ttlSeconds: 60 });
    clock.advance(61_000);
    const second = await acquire('bob');

    const outcome = await first.release();

    expect(outcome).toEqual({ released: false, heldBy: second.info });
    expect(stored()).toEqual(second.info);
  });

  it('keeps another deploy’s lock that appears between the read and the delete', async () => {
    const first = await acquire('alice', { ttlSeconds: 60 });
    clock.advance(61_000);
    let taken = false;
    s3.intercept(async (request) => {
      // Bob takes the expired lock over just before Alice's delete arrives.
      if (request.operation === 'DeleteObject' && !taken) {
        taken = true;
        s3.intercept(undefined);
        await acquire('bob');
      }
      return undefined;
    });

    const outcome = await first.release();

    expect(outcome.released).toBe(false);
    expect(outcome.heldBy?.holder).toBe('bob@ci');
    expect(stored()?.holder).toBe('bob@ci');
  });
});

describe('unlocking a stage by hand', () => {
  it('removes the lock whoever holds it, and says what it removed', async () => {
    const lock = await acquire('alice');

    const result = await forceUnlock({ aws, bucket: BUCKET, key: KEY });

    expect(result.removed).toEqual(lock.info);
    expect(s3.object(BUCKET, KEY)).toBeUndefined();
  });

  it('says when there was no lock to remove', async () => {
    expect(await forceUnlock({ aws, bucket: BUCKET, key: KEY })).toEqual({ removed: undefined });
  });
});

describe('failures reaching the lock', () => {
  it('names the permissions the lock needs when S3 denies access', async () => {
    s3.intercept(() => s3ErrorAnswer(403, 'AccessDenied', 'Access Denied'));

    const error = await reletanRejection(acquire('alice'));

    expect(error.code).toBe('DEPLOY_LOCK_FAILED');
    expect(error.message).toContain('creating the deploy lock s3://shop-deploys/shop/locks/prod.json failed');
    expect(error.hint).toContain('s3:PutObject');
    expect(error.hint).toContain('arn:aws:s3:::shop-deploys/shop/locks/prod.json');
  });

  it('names the bucket when it does not exist', async () => {
    const missing = createFakeS3({ buckets: [] });
    const access = createAwsAccess({ maxAttempts: 1, clientConfig: missing.clientConfig });
    try {
      const error = await reletanRejection(acquire('alice', { aws: access }));
      expect(error.code).toBe('DEPLOY_LOCK_FAILED');
      expect(error.hint).toContain('the deploy bucket shop-deploys does not exist');
    } finally {
      access.destroy();
    }
  });
});

describe('the deploy lock on a real S3-compatible server (s3rver)', () => {
  let server: RunningS3rver;
  beforeAll(async () => {
    server = await startS3rver({ buckets: [BUCKET] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('is taken, refreshed, read back and released through the real client', async () => {
    const access = server.access();
    const lock = await acquireDeployLock({
      aws: access,
      bucket: BUCKET,
      key: KEY,
      stage: 'prod',
      holder: 'alice@ci',
      run: 'deploy/prod/v1.4.0',
    });
    expect(await readDeployLock({ aws: access, bucket: BUCKET, key: KEY })).toEqual(lock.info);

    await lock.refresh();
    expect(await readDeployLock({ aws: access, bucket: BUCKET, key: KEY })).toEqual(lock.info);

    expect(await lock.release()).toEqual({ released: true });
    expect(await readDeployLock({ aws: access, bucket: BUCKET, key: KEY })).toBeUndefined();
  });
});
