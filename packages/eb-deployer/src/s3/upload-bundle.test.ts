import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type AwsAccess, createAwsAccess } from '@reletan/aws';
import { captureLogger, makeTempDir, reletanRejection, type TempDir } from '@reletan/core/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFakeS3, s3ErrorAnswer } from './fake-s3.js';
import { type RunningS3rver, startS3rver } from './testing.js';
import { uploadBundle } from './upload-bundle.js';

const BUCKET = 'shop-deploys';

let server: RunningS3rver;
let dir: TempDir;
let aws: AwsAccess;

beforeAll(async () => {
  server = await startS3rver({ buckets: [BUCKET] });
});
afterAll(async () => {
  await server?.stop();
});
beforeEach(async () => {
  // The SDK's notice about Node versions it will drop, as the bins silence it.
  vi.stubEnv('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');
  dir = await makeTempDir('reletan-bundle-');
  aws = server.access();
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await dir.cleanup();
});

/** A bundle of `size` random bytes on disk, with its SHA-256. */
async function bundle(name: string, size: number): Promise<{ file: string; sha256: string }> {
  const bytes = randomBytes(size);
  const file = path.join(dir.path, name);
  await writeFile(file, bytes);
  return { file, sha256: createHash('sha256').update(bytes).digest('hex') };
}

async function head(key: string) {
  return aws.client(S3Client).send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
}

describe('uploading a source bundle', () => {
  it('streams a large bundle up in parts, recording its hash, as a zip, with its progress in percent', async () => {
    const { file, sha256 } = await bundle('shop-v1.4.0.zip', 12 * 1024 * 1024);
    const { logger, output } = captureLogger({ level: 'info' });
    const commands: string[] = [];
    aws.client(S3Client).middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );

    const result = await uploadBundle({
      aws,
      bucket: BUCKET,
      key: 'shop/shop-v1.4.0.zip',
      file,
      sha256,
      logger,
    });

    expect(result).toMatchObject({ uploaded: true, bucket: BUCKET, key: 'shop/shop-v1.4.0.zip' });
    const object = await head('shop/shop-v1.4.0.zip');
    expect(object.Metadata).toEqual({ 'reletan-sha256': sha256 });
    expect(object.ContentType).toBe('application/zip');
    expect(object.ContentLength).toBe(12 * 1024 * 1024);
    expect(result.etag).toBe(object.ETag);
    // 5 MiB parts: three of them, never the whole file in one request.
    expect(commands.filter((name) => name === 'UploadPartCommand')).toHaveLength(3);
    expect(commands).toContain('CompleteMultipartUploadCommand');
    expect(commands).not.toContain('PutObjectCommand');
    const progress = output();
    expect(progress).toMatch(
      /uploading .*shop-v1\.4\.0\.zip to s3:\/\/shop-deploys\/shop\/shop-v1\.4\.0\.zip: \d+% /,
    );
    expect(progress).toContain(': 100% (12.0 MB of 12.0 MB)');
  });

  it('uploads nothing when the same bundle is already there', async () => {
    const { file, sha256 } = await bundle('shop-v1.4.1.zip', 1024);
    const first = await uploadBundle({ aws, bucket: BUCKET, key: 'shop/shop-v1.4.1.zip', file, sha256 });

    const again = await uploadBundle({ aws, bucket: BUCKET, key: 'shop/shop-v1.4.1.zip', file, sha256 });

    expect(again).toEqual({ uploaded: false, bucket: BUCKET, key: 'shop/shop-v1.4.1.zip', etag: first.etag });
  });

  it('never overwrites another bundle under the same key: a version label names one bundle', async () => {
    const original = await bundle('a.zip', 1024);
    const other = await bundle('b.zip', 1024);
    await uploadBundle({ aws, bucket: BUCKET, key: 'shop/shop-v1.5.0.zip', ...original });

    const error = await reletanRejection(
      uploadBundle({ aws, bucket: BUCKET, key: 'shop/shop-v1.5.0.zip', ...other }),
    );

    expect(error.code).toBe('BUNDLE_KEY_CONFLICT');
    expect(error.input).toEqual({ url: 's3://shop-deploys/shop/shop-v1.5.0.zip' });
    expect(error.details).toEqual([
      `this bundle: sha256 ${other.sha256}`,
      `the object at the key: sha256 ${original.sha256}`,
    ]);
    expect((await head('shop/shop-v1.5.0.zip')).Metadata?.['reletan-sha256']).toBe(original.sha256);
  });

  it('stops when interrupted, leaving no object behind', async () => {
    const { file, sha256 } = await bundle('shop-v1.6.0.zip', 12 * 1024 * 1024);
    const controller = new AbortController();
    const logger = { ...captureLogger({ level: 'info' }).logger, progress: () => controller.abort() };

    const error = await reletanRejection(
      uploadBundle({
        aws,
        bucket: BUCKET,
        key: 'shop/shop-v1.6.0.zip',
        file,
        sha256,
        logger,
        signal: controller.signal,
      }),
    );

    expect(error.code).toBe('INTERRUPTED');
    await expect(head('shop/shop-v1.6.0.zip')).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('names the bucket when it does not exist', async () => {
    const { file, sha256 } = await bundle('c.zip', 1024);

    const error = await reletanRejection(
      uploadBundle({ aws, bucket: 'no-such-bucket', key: 'shop/c.zip', file, sha256 }),
    );

    expect(error.code).toBe('S3_UPLOAD_FAILED');
    expect(error.message).toContain('NoSuchBucket');
    expect(error.hint).toContain('the bucket no-such-bucket does not exist');
  });

  it('refuses a hash that is not a SHA-256, and a bundle that is not there', async () => {
    const { file } = await bundle('d.zip', 10);
    await expect(uploadBundle({ aws, bucket: BUCKET, key: 'k', file, sha256: 'abc' })).rejects.toMatchObject({
      code: 'BUNDLE_SHA256_INVALID',
      kind: 'usage',
    });
    await expect(
      uploadBundle({
        aws,
        bucket: BUCKET,
        key: 'k',
        file: path.join(dir.path, 'gone.zip'),
        sha256: 'a'.repeat(64),
      }),
    ).rejects.toMatchObject({ code: 'BUNDLE_FILE_UNREADABLE' });
  });
});

describe('what an upload asks of S3', () => {
  // s3rver neither reports encryption nor honours conditions: these read the requests the real client sends.
  let fakeAws: AwsAccess | undefined;
  afterEach(() => {
    fakeAws?.destroy();
    fakeAws = undefined;
  });

  it('asks for encryption at rest: S3-managed keys, or the KMS key given', async () => {
    const s3 = createFakeS3();
    fakeAws = createAwsAccess({ maxAttempts: 1, clientConfig: s3.clientConfig });
    const { file, sha256 } = await bundle('e.zip', 100);

    await uploadBundle({ aws: fakeAws, bucket: BUCKET, key: 'shop/e.zip', file, sha256 });
    await uploadBundle({
      aws: fakeAws,
      bucket: BUCKET,
      key: 'shop/f.zip',
      file,
      sha256,
      kmsKeyId: 'alias/deploys',
    });

    const puts = s3.requests.filter((request) => request.operation === 'PutObject');
    expect(puts.map((request) => request.headers['x-amz-server-side-encryption'])).toEqual([
      'AES256',
      'aws:kms',
    ]);
    expect(puts[1]?.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe('alias/deploys');
    expect(puts[0]?.headers['if-none-match']).toBe('*');
  });

  it('of two different bundles uploaded to one key at once, keeps the first and reports the second', async () => {
    const s3 = createFakeS3();
    fakeAws = createAwsAccess({ maxAttempts: 1, clientConfig: s3.clientConfig });
    const first = await bundle('g1.zip', 100);
    const second = await bundle('g2.zip', 100);
    // Both find the key free before either writes: the race the conditional write settles.
    let heads = 0;
    let bothLooked!: () => void;
    const barrier = new Promise<void>((resolve) => {
      bothLooked = resolve;
    });
    s3.intercept(async (request) => {
      if (request.operation !== 'HeadObject') return undefined;
      heads += 1;
      if (heads === 2) bothLooked();
      if (heads <= 2) await barrier;
      return undefined;
    });

    const results = await Promise.allSettled([
      uploadBundle({ aws: fakeAws, bucket: BUCKET, key: 'shop/g.zip', ...first }),
      uploadBundle({ aws: fakeAws, bucket: BUCKET, key: 'shop/g.zip', ...second }),
    ]);

    const stored = s3.object(BUCKET, 'shop/g.zip')?.metadata['reletan-sha256'];
    const winner = stored === first.sha256 ? 0 : 1;
    expect(results[winner]).toMatchObject({ status: 'fulfilled', value: { uploaded: true } });
    expect(results[1 - winner]).toMatchObject({
      status: 'rejected',
      reason: { code: 'BUNDLE_KEY_CONFLICT' },
    });
    expect(s3.requests.filter((request) => request.operation === 'PutObject')).toHaveLength(2);
  });

  it('names the permissions it needs when S3 denies access', async () => {
    const s3 = createFakeS3();
    fakeAws = createAwsAccess({ maxAttempts: 1, clientConfig: s3.clientConfig });
    s3.intercept((request) =>
      request.operation === 'PutObject' ? s3ErrorAnswer(403, 'AccessDenied', 'Access Denied') : undefined,
    );
    const { file, sha256 } = await bundle('h.zip', 100);

    const error = await reletanRejection(
      uploadBundle({ aws: fakeAws, bucket: BUCKET, key: 'shop/h.zip', file, sha256 }),
    );

    expect(error.code).toBe('S3_UPLOAD_FAILED');
    expect(error.hint).toContain('s3:PutObject');
    expect(error.hint).toContain('arn:aws:s3:::shop-deploys/shop/h.zip');
  });
});
