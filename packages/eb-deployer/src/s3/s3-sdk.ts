import type { S3Client } from '@aws-sdk/client-s3';
import type { AwsAccess } from '@reletan/aws';

/**
 * The S3 SDK, imported when an operation first needs it: a command that never touches S3 (and
 * `reletan --version`) never loads it.
 */
export type S3Sdk = typeof import('@aws-sdk/client-s3');

export function loadS3(): Promise<S3Sdk> {
  return import('@aws-sdk/client-s3');
}

/** The S3 client of the access for a region, with the SDK loaded alongside it. */
export async function s3ClientOf(aws: AwsAccess, region: string | undefined): Promise<[S3Client, S3Sdk]> {
  const sdk = await loadS3();
  return [aws.client(sdk.S3Client, region ? { region } : {}), sdk];
}

/** How objects are named in messages, as the AWS console and CLI name them. */
export function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** A prefix without leading or trailing slashes, so that keys never hold `//`. */
export function normalizePrefix(prefix: string | undefined): string {
  return (prefix ?? '').replace(/^\/+|\/+$/g, '');
}

/** `prefix/rest`, or `rest` with no prefix. */
export function joinKey(prefix: string, rest: string): string {
  return prefix ? `${prefix}/${rest}` : rest;
}

/**
 * What a failed conditional request means, as S3 documents its answers:
 * - `precondition`: 412 PreconditionFailed (If-None-Match: the object exists; If-Match: its ETag differs);
 * - `conflict`: 409 ConditionalRequestConflict (a concurrent write or delete of the same key; S3 says to
 *   read the object again and retry);
 * - `missing`: 404 NoSuchKey (If-Match on a key that no longer exists), or a HEAD's bare 404.
 * Anything else is a real failure.
 */
export type ConditionOutcome = 'precondition' | 'conflict' | 'missing';

export function conditionOutcome(error: unknown): ConditionOutcome | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: number } };
  const status = $metadata?.httpStatusCode;
  if (name === 'PreconditionFailed' || status === 412) return 'precondition';
  if (name === 'ConditionalRequestConflict') return 'conflict';
  // NoSuchBucket is also a 404, and a real failure: only the object's own absence counts.
  if (name === 'NoSuchKey' || name === 'NotFound') return 'missing';
  return undefined;
}

/** An object as read whole: its text, ETag and when S3 last wrote it. */
export interface StoredObject {
  text: string;
  etag: string;
  lastModified: Date | undefined;
  metadata: Record<string, string>;
}

/** Reads an object whole; undefined when the key does not exist. Other failures are thrown as they are. */
export async function readObject(
  client: S3Client,
  sdk: S3Sdk,
  bucket: string,
  key: string,
  signal?: AbortSignal,
): Promise<StoredObject | undefined> {
  try {
    const output = await client.send(
      new sdk.GetObjectCommand({ Bucket: bucket, Key: key }),
      signal ? { abortSignal: signal } : {},
    );
    const text = (await output.Body?.transformToString('utf8')) ?? '';
    return {
      text,
      etag: output.ETag ?? '',
      lastModified: output.LastModified,
      metadata: output.Metadata ?? {},
    };
  } catch (error) {
    if (conditionOutcome(error) === 'missing') return undefined;
    throw error;
  }
}

export { interruptedError, throwIfAborted } from '@reletan/core';

/** True for the error the SDK (or lib-storage) throws when a request's abort signal fires. */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'RequestAbortedError');
}
