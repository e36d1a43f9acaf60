import {
  CreateStorageLocationCommand,
  ElasticBeanstalkClient,
  InsufficientPrivilegesException,
  TooManyBucketsException,
} from '@aws-sdk/client-elastic-beanstalk';
import { type AwsAccess, createAwsAccess } from '@reletan/aws';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveDeployBucket } from './deploy-bucket.js';

const eb = mockClient(ElasticBeanstalkClient);
let aws: AwsAccess;

beforeEach(() => {
  // The SDK's notice about Node versions it will drop, as the bins silence it.
  vi.stubEnv('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');
  eb.reset();
  aws = createAwsAccess({
    region: 'ap-northeast-1',
    clientConfig: { credentials: { accessKeyId: 'AKIAEXAMPLE000000001', secretAccessKey: 'example' } },
  });
});
afterEach(() => {
  aws.destroy();
  vi.unstubAllEnvs();
});
afterAll(() => {
  eb.restore();
});

describe('the deploy bucket', () => {
  it('is the configured bucket, without asking AWS', async () => {
    expect(await resolveDeployBucket({ aws, bucket: 'shop-deploys' })).toEqual({
      bucket: 'shop-deploys',
      source: 'config',
    });
    expect(eb.calls()).toHaveLength(0);
  });

  it("is Elastic Beanstalk's own storage bucket when none is configured, in the stage's region", async () => {
    eb.on(CreateStorageLocationCommand).resolves({ S3Bucket: 'elasticbeanstalk-eu-west-1-123456789012' });

    const resolved = await resolveDeployBucket({ aws, region: 'eu-west-1' });

    expect(resolved).toEqual({
      bucket: 'elasticbeanstalk-eu-west-1-123456789012',
      source: 'elastic-beanstalk',
    });
    const [call] = eb.commandCalls(CreateStorageLocationCommand);
    expect(await call?.thisValue.config.region()).toBe('eu-west-1');
  });

  it('names the permission it needs when Elastic Beanstalk refuses', async () => {
    eb.on(CreateStorageLocationCommand).rejects(
      new InsufficientPrivilegesException({
        message: 'User is not authorized to create a storage location',
        $metadata: { httpStatusCode: 403, attempts: 1 },
      }),
    );

    await expect(resolveDeployBucket({ aws })).rejects.toMatchObject({
      code: 'DEPLOY_BUCKET_FAILED',
      message: expect.stringContaining('InsufficientPrivilegesException'),
      hint: expect.stringContaining('elasticbeanstalk:CreateStorageLocation'),
    });
  });

  it('suggests configuring a bucket when the account has no room for another', async () => {
    eb.on(CreateStorageLocationCommand).rejects(
      new TooManyBucketsException({
        message: 'The specified account has reached its limit of Amazon S3 buckets.',
        $metadata: { httpStatusCode: 400, attempts: 1 },
      }),
    );

    await expect(resolveDeployBucket({ aws })).rejects.toMatchObject({
      code: 'DEPLOY_BUCKET_FAILED',
      hint: expect.stringContaining("configure an existing bucket as the stage's deploy bucket"),
    });
  });
});
