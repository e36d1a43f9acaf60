import { type AwsAccess, type AwsErrorKind, awsFailure } from '@reletan/aws';
import { ReletanError } from '@reletan/core';

export interface ResolveDeployBucketOptions {
  /** The command's AWS access; the caller keeps it and destroys it. */
  aws: AwsAccess;
  /** The stage's region. @default the access's region, else the SDK's own chain (AWS_REGION, the profile) */
  region?: string;
  /** The configured deploy bucket (`deploy.bucket`). @default none: Elastic Beanstalk's own storage bucket */
  bucket?: string;
}

export interface DeployBucket {
  bucket: string;
  /** Where the name came from: the stage's config, or Elastic Beanstalk's storage location. */
  source: 'config' | 'elastic-beanstalk';
}

/**
 * The bucket bundles, the deploy lock and the journal go to: the configured one, else Elastic Beanstalk's
 * own storage location (`elasticbeanstalk-<region>-<account>`), which `CreateStorageLocation` names,
 * creating it the first time; it is what the console and the EB CLI use, and the call is idempotent.
 */
export async function resolveDeployBucket(options: ResolveDeployBucketOptions): Promise<DeployBucket> {
  if (options.bucket) return { bucket: options.bucket, source: 'config' };
  const { ElasticBeanstalkClient, CreateStorageLocationCommand } = await import(
    '@aws-sdk/client-elastic-beanstalk'
  );
  const client = options.aws.client(ElasticBeanstalkClient, options.region ? { region: options.region } : {});
  let bucket: string | undefined;
  try {
    ({ S3Bucket: bucket } = await client.send(new CreateStorageLocationCommand({})));
  } catch (error) {
    throw awsFailure(error, {
      code: 'DEPLOY_BUCKET_FAILED',
      doing: "finding Elastic Beanstalk's storage bucket (CreateStorageLocation)",
      hints: bucketHints(error),
    });
  }
  if (!bucket) {
    throw new ReletanError({
      code: 'DEPLOY_BUCKET_FAILED',
      message: "Elastic Beanstalk's CreateStorageLocation answered without a bucket name",
      hint: "configure the stage's deploy bucket, so that no storage location is needed",
    });
  }
  return { bucket, source: 'elastic-beanstalk' };
}

const PRIVILEGES_HINT =
  "allow elasticbeanstalk:CreateStorageLocation (and, the first time in a region, the S3 permissions to create its bucket, e.g. s3:CreateBucket and s3:PutBucketPolicy on arn:aws:s3:::elasticbeanstalk-*) to the role or user the job runs as, or configure the stage's deploy bucket";

function bucketHints(error: unknown): Partial<Record<AwsErrorKind, string>> {
  const name = (error as { name?: unknown } | null)?.name;
  // Elastic Beanstalk's own names for these, which the generic classification does not know.
  if (name === 'InsufficientPrivilegesException') {
    return Object.fromEntries(KINDS.map((kind) => [kind, PRIVILEGES_HINT]));
  }
  if (name === 'TooManyBucketsException') {
    const hint =
      "the account has as many S3 buckets as it may; configure an existing bucket as the stage's deploy bucket, or raise the account's bucket quota";
    return Object.fromEntries(KINDS.map((kind) => [kind, hint]));
  }
  return { 'access-denied': PRIVILEGES_HINT };
}

const KINDS: readonly AwsErrorKind[] = [
  'throttled',
  'credentials',
  'access-denied',
  'not-found',
  'invalid-request',
  'network',
  'server',
  'other',
];
