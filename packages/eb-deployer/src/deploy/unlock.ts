import type { AwsAccess } from '@reletan/aws';
import type { ReletanConfig } from '@reletan/config';
import { type Logger, type PlanReport, runPlan } from '@reletan/core';
import { resolveDeployBucket } from '../s3/deploy-bucket.js';
import { type DeployLockInfo, deployLockKey, forceUnlock, readDeployLock } from '../s3/deploy-lock.js';
import { requireElasticBeanstalk, stateLocation } from './stage-target.js';

/**
 * `reletan eb unlock STAGE`: removes the stage's deploy lock, whoever holds it (a job that died keeps the
 * stage locked until the lock expires). Says who held it.
 */
export async function unlockStage(options: {
  config: ReletanConfig;
  stage: string;
  aws: AwsAccess;
  dryRun?: boolean | undefined;
  logger?: Logger | undefined;
}): Promise<{
  stage: string;
  bucket: string;
  key: string;
  held: DeployLockInfo | undefined;
  report: PlanReport;
}> {
  const deploy = requireElasticBeanstalk(options.config, options.stage);
  const { bucket } = await resolveDeployBucket({
    aws: options.aws,
    region: deploy.region,
    ...(deploy.bucket ? { bucket: deploy.bucket } : {}),
  });
  const key = deployLockKey({ prefix: stateLocation(deploy.application), stage: options.stage });
  const location = { aws: options.aws, region: deploy.region, bucket, key };
  const held = await readDeployLock(location);
  const report = await runPlan(
    {
      steps: held
        ? [
            {
              id: 'unlock',
              describe: () =>
                `remove the deploy lock of stage ${options.stage} held by ${held.holder} (s3://${bucket}/${key})`,
              run: () => forceUnlock(location),
            },
          ]
        : [],
      done: held ? [] : [`stage ${options.stage} is not locked`],
    },
    { services: {}, dryRun: options.dryRun, logger: options.logger },
  );
  return { stage: options.stage, bucket, key, held, report };
}
