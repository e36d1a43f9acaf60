import { type AwsAccess, type AwsErrorKind, awsFailure } from '@reletan/aws';
import { type JournalStore, parseRecord } from '@reletan/core';
import { joinKey, normalizePrefix, readObject, s3ClientOf, s3Url } from './s3-sdk.js';

export interface S3JournalStoreOptions {
  /** The command's AWS access; the caller keeps it and destroys it. */
  aws: AwsAccess;
  /** The bucket's region. @default the access's region, else the SDK's own chain (AWS_REGION, the profile) */
  region?: string;
  /** The deploy bucket. */
  bucket: string;
  /** Records go under `<prefix>/journal/`. @default none (under `journal/`) */
  prefix?: string;
  /** Encrypt with this KMS key (SSE-KMS). @default none: SSE-S3 (`AES256`) */
  kmsKeyId?: string;
}

/**
 * Run journals in S3, one JSON object per run (`<prefix>/journal/<run, URI-encoded>.json`), so that a CI
 * job on another machine continues a deploy where the last one stopped. Each write puts the whole record
 * in one PUT, which S3 applies atomically: a reader sees the previous record or the new one, never a mix.
 * Records are encrypted at rest; a damaged one is `JOURNAL_DAMAGED` naming its `s3://` URL, never silently
 * a fresh start.
 */
export function createS3JournalStore(options: S3JournalStoreOptions): JournalStore {
  const { bucket } = options;
  const folder = joinKey(normalizePrefix(options.prefix), 'journal/');
  const keyOf = (run: string) => `${folder}${encodeURIComponent(run)}.json`;
  const client = () => s3ClientOf(options.aws, options.region);
  const failure = (error: unknown, doing: string, key?: string) =>
    awsFailure(error, {
      code: 'JOURNAL_S3_FAILED',
      doing,
      input: { url: key ? s3Url(bucket, key) : s3Url(bucket, folder) },
      hints: journalHints(bucket, folder),
    });

  return {
    location: s3Url(bucket, folder.replace(/\/$/, '')),
    async read(run) {
      const key = keyOf(run);
      const [s3, sdk] = await client();
      let stored: Awaited<ReturnType<typeof readObject>>;
      try {
        stored = await readObject(s3, sdk, bucket, key);
      } catch (error) {
        throw failure(error, `reading the run journal ${s3Url(bucket, key)}`, key);
      }
      return stored === undefined
        ? undefined
        : parseRecord(stored.text, s3Url(bucket, key), run, { url: s3Url(bucket, key) });
    },
    async write(record) {
      const key = keyOf(record.run);
      const [s3, sdk] = await client();
      try {
        await s3.send(
          new sdk.PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: `${JSON.stringify(record, null, 2)}\n`,
            ContentType: 'application/json',
            ...(options.kmsKeyId
              ? { ServerSideEncryption: sdk.ServerSideEncryption.aws_kms, SSEKMSKeyId: options.kmsKeyId }
              : { ServerSideEncryption: sdk.ServerSideEncryption.AES256 }),
          }),
        );
      } catch (error) {
        throw failure(error, `writing the run journal ${s3Url(bucket, key)}`, key);
      }
    },
    async remove(run) {
      const key = keyOf(run);
      const [s3, sdk] = await client();
      try {
        // Deleting a key that does not exist succeeds: removing a run with no record is not an error.
        await s3.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key }));
      } catch (error) {
        throw failure(error, `removing the run journal ${s3Url(bucket, key)}`, key);
      }
    },
    async list() {
      const [s3, sdk] = await client();
      const runs: string[] = [];
      let token: string | undefined;
      try {
        do {
          const page = await s3.send(
            new sdk.ListObjectsV2Command({
              Bucket: bucket,
              Prefix: folder,
              ...(token ? { ContinuationToken: token } : {}),
            }),
          );
          for (const object of page.Contents ?? []) {
            const name = object.Key?.slice(folder.length);
            // Only the records themselves: not objects in "subfolders" someone else put there.
            if (!name?.endsWith('.json') || name.includes('/')) continue;
            runs.push(decodeURIComponent(name.slice(0, -'.json'.length)));
          }
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
      } catch (error) {
        throw failure(error, `listing the run journals under ${s3Url(bucket, folder)}`);
      }
      return runs.sort();
    },
  };
}

function journalHints(bucket: string, folder: string): Partial<Record<AwsErrorKind, string>> {
  return {
    'access-denied': `allow s3:GetObject, s3:PutObject and s3:DeleteObject on arn:aws:s3:::${bucket}/${folder}*, and s3:ListBucket on arn:aws:s3:::${bucket}, to the role or user the job runs as`,
    'not-found': `the deploy bucket ${bucket} does not exist in this region or account; check the stage's deploy bucket and region`,
  };
}
