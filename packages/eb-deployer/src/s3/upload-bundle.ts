import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { type AwsAccess, type AwsErrorKind, awsFailure } from '@reletan/aws';
import { type Logger, ReletanError, usageError } from '@reletan/core';
import {
  conditionOutcome,
  interruptedError,
  isAbortError,
  type S3Sdk,
  s3ClientOf,
  s3Url,
  throwIfAborted,
} from './s3-sdk.js';

/** The object metadata that records a bundle's content hash (sent as `x-amz-meta-reletan-sha256`). */
export const BUNDLE_SHA256_METADATA = 'reletan-sha256';

export interface UploadBundleOptions {
  /** The command's AWS access; the caller keeps it and destroys it. */
  aws: AwsAccess;
  /** The bucket's region. @default the access's region, else the SDK's own chain (AWS_REGION, the profile) */
  region?: string;
  bucket: string;
  /** The object key, e.g. `shop/shop-v1.4.0.zip`: one key per version label. */
  key: string;
  /** The bundle (a zip) on disk. */
  file: string;
  /** The bundle's SHA-256, in hex: stored with the object, and compared before uploading again. */
  sha256: string;
  /**
   * Encrypt with this KMS key (SSE-KMS) instead of S3's own keys.
   * @default none: SSE-S3 (`AES256`)
   */
  kmsKeyId?: string;
  /** Shows the upload's progress as a percentage. @default none (nothing shown) */
  logger?: Logger;
  /** Stops the upload (a multipart upload is aborted, leaving no parts behind). @default none */
  signal?: AbortSignal;
}

export interface UploadBundleResult {
  /** False when the object was already there with the same content (nothing was sent). */
  uploaded: boolean;
  bucket: string;
  key: string;
  /** The object's ETag, when S3 gave one. */
  etag?: string;
}

/**
 * Puts a source bundle in S3 once. An object already at the key with the same SHA-256 is kept (a rerun
 * uploads nothing); one with another hash is `BUNDLE_KEY_CONFLICT` and is never overwritten, because a
 * version label names exactly one bundle. The upload is streamed from the file in parts (never the whole
 * file in memory), encrypted at rest, and written only if the key is still free (`If-None-Match: *`), so
 * two jobs uploading at once cannot overwrite each other either.
 */
export async function uploadBundle(options: UploadBundleOptions): Promise<UploadBundleResult> {
  const { bucket, key, file, signal } = options;
  const sha256 = options.sha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(sha256)) {
    throw usageError(
      'BUNDLE_SHA256_INVALID',
      `the bundle's sha256 must be 64 hex digits, not "${options.sha256}"`,
      {
        input: { file },
      },
    );
  }
  throwIfAborted(signal);
  const size = await fileSize(file);
  const [client, sdk] = await s3ClientOf(options.aws, options.region);
  const failure = (error: unknown, doing: string) =>
    awsFailure(error, {
      code: 'S3_UPLOAD_FAILED',
      doing,
      input: { url: s3Url(bucket, key) },
      hints: uploadHints(options),
    });

  // A concurrent writer can win the key between the check and the write: the conditional write then
  // fails and the check runs again. Two rounds settle it; the third is for a 409 S3 asks to retry.
  for (let round = 0; round < 3; round++) {
    let existing: ExistingBundle | undefined;
    try {
      existing = await existingBundle(client, sdk, bucket, key, signal);
    } catch (error) {
      if (signal?.aborted && isAbortError(error)) throw interruptedError(signal);
      throw failure(error, `reading ${s3Url(bucket, key)}`);
    }
    if (existing) {
      if (existing.sha256 === sha256) {
        options.logger?.debug(`${s3Url(bucket, key)} already holds this bundle (sha256 ${sha256})`);
        return { uploaded: false, bucket, key, ...(existing.etag ? { etag: existing.etag } : {}) };
      }
      throw keyConflict(bucket, key, sha256, existing.sha256);
    }
    try {
      const etag = await upload(client, sdk, options, sha256, size);
      return { uploaded: true, bucket, key, ...(etag ? { etag } : {}) };
    } catch (error) {
      if (signal?.aborted && isAbortError(error)) throw interruptedError(signal);
      const outcome = conditionOutcome(error);
      if (outcome === 'precondition' || outcome === 'conflict') continue;
      throw failure(error, `uploading ${file} to ${s3Url(bucket, key)}`);
    }
  }
  throw new ReletanError({
    code: 'S3_UPLOAD_FAILED',
    message: `uploading ${file} to ${s3Url(bucket, key)} failed: other writers kept changing the object`,
    input: { url: s3Url(bucket, key) },
    hint: 'another job is writing the same bundle; retry once it has finished',
  });
}

interface ExistingBundle {
  /** Undefined for an object reletan did not upload (no hash in its metadata). */
  sha256: string | undefined;
  etag: string | undefined;
}

async function existingBundle(
  client: S3Client,
  sdk: S3Sdk,
  bucket: string,
  key: string,
  signal: AbortSignal | undefined,
): Promise<ExistingBundle | undefined> {
  try {
    const head = await client.send(
      new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }),
      signal ? { abortSignal: signal } : {},
    );
    return { sha256: head.Metadata?.[BUNDLE_SHA256_METADATA]?.toLowerCase(), etag: head.ETag };
  } catch (error) {
    if (conditionOutcome(error) === 'missing') return undefined;
    throw error;
  }
}

async function upload(
  client: S3Client,
  sdk: S3Sdk,
  options: UploadBundleOptions,
  sha256: string,
  size: number,
): Promise<string | undefined> {
  const { Upload } = await import('@aws-sdk/lib-storage');
  const { bucket, key, file, logger, signal } = options;
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const upload = new Upload({
    client,
    // A read stream: lib-storage reads it a part at a time (5 MiB, at most 4 parts in flight).
    params: {
      Bucket: bucket,
      Key: key,
      Body: createReadStream(file),
      ContentLength: size,
      ContentType: 'application/zip',
      Metadata: { [BUNDLE_SHA256_METADATA]: sha256 },
      // Sent with the single PUT or with CompleteMultipartUpload: the object appears only if the key is free.
      IfNoneMatch: '*',
      ...(options.kmsKeyId
        ? { ServerSideEncryption: sdk.ServerSideEncryption.aws_kms, SSEKMSKeyId: options.kmsKeyId }
        : { ServerSideEncryption: sdk.ServerSideEncryption.AES256 }),
    },
    abortController: abort,
  });
  let shown = -1;
  upload.on('httpUploadProgress', (progress) => {
    const total = progress.total ?? size;
    if (!logger || !total) return;
    const percent = Math.floor(((progress.loaded ?? 0) / total) * 100);
    if (percent === shown) return;
    shown = percent;
    logger.progress(
      `uploading ${file} to ${s3Url(bucket, key)}: ${percent}% (${megabytes(progress.loaded ?? 0)} of ${megabytes(total)})`,
    );
  });
  try {
    const result = await upload.done();
    return result.ETag;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

async function fileSize(file: string): Promise<number> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
    return info.size;
  } catch (error) {
    throw new ReletanError({
      code: 'BUNDLE_FILE_UNREADABLE',
      message: `the bundle ${file} cannot be read: ${(error as Error).message}`,
      input: { file },
      hint: 'build the bundle again; it is uploaded from the path the build wrote it to',
      cause: error,
    });
  }
}

function keyConflict(
  bucket: string,
  key: string,
  sha256: string,
  existing: string | undefined,
): ReletanError {
  const url = s3Url(bucket, key);
  return new ReletanError({
    code: 'BUNDLE_KEY_CONFLICT',
    message: `${url} already holds a different bundle, and is not overwritten: a version label names one bundle`,
    input: { url },
    details: [
      `this bundle: sha256 ${sha256}`,
      existing
        ? `the object at the key: sha256 ${existing}`
        : 'the object at the key: no reletan-sha256 metadata (it was not uploaded by reletan)',
    ],
    hint: 'bundle the commit that version label was made from (the bundle is deterministic), or deploy under a new version label; delete the object only if no application version uses it',
  });
}

function uploadHints(options: UploadBundleOptions): Partial<Record<AwsErrorKind, string>> {
  const { bucket, key } = options;
  const kms = options.kmsKeyId
    ? `, and kms:GenerateDataKey and kms:Decrypt on the KMS key ${options.kmsKeyId}`
    : '';
  return {
    'access-denied': `allow s3:PutObject and s3:GetObject (which reading the object's metadata needs) on arn:aws:s3:::${bucket}/${key}, and s3:ListBucket on arn:aws:s3:::${bucket} (without it S3 answers "access denied" for a key that does not exist yet)${kms}, to the role or user the job runs as`,
    'not-found': `the bucket ${bucket} does not exist in this region or account; check the stage's deploy bucket and region, or leave the bucket unset to use Elastic Beanstalk's own storage bucket`,
  };
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
