import { hostname, userInfo } from 'node:os';
import type { AwsAccess } from '@reletan/aws';
import { type ElasticBeanstalkDeployConfig, type ReletanConfig, resolveStage } from '@reletan/config';
import { type CiContext, type Clock, type Logger, usageError } from '@reletan/core';
import type { ElasticBeanstalkTarget } from '../eb/environments.js';
import { acquireDeployLock, type DeployLock, deployLockKey } from '../s3/deploy-lock.js';
import { orderEnvironments } from './plan.js';

/** A stage's Elastic Beanstalk target: its deploy config, the client for its region, its environments in plan order. */
export interface StageTarget {
  deploy: ElasticBeanstalkDeployConfig;
  target: ElasticBeanstalkTarget;
  /** The environments' names, in plan order (each after those it names). */
  order: string[];
}

/** The Elastic Beanstalk target of a stage (a usage error for a stage that does not deploy there). */
export async function stageTarget(
  config: ReletanConfig,
  stage: string,
  aws: AwsAccess,
): Promise<StageTarget> {
  const deploy = requireElasticBeanstalk(config, stage);
  const { ElasticBeanstalkClient } = await import('@aws-sdk/client-elastic-beanstalk');
  return {
    deploy,
    target: {
      client: aws.client(ElasticBeanstalkClient, { region: deploy.region }),
      application: deploy.application,
      region: deploy.region,
    },
    order: orderEnvironments(deploy.environments).map((environment) => environment.name),
  };
}

/** The stage's Elastic Beanstalk deploy config; a usage error for a stage that deploys elsewhere or nowhere. */
export function requireElasticBeanstalk(config: ReletanConfig, stage: string): ElasticBeanstalkDeployConfig {
  const resolved = resolveStage(config, stage);
  if (!resolved.deploy) {
    throw usageError('DEPLOY_NOT_CONFIGURED', `stage "${stage}" has no deploy section`, {
      input: { path: `stages.${stage}.deploy` },
      hint: `add "deploy": { "region": …, "application": …, "environments": [{ "name": …, "role": "web" }] } to stages.${stage}`,
    });
  }
  if (resolved.deploy.target !== 'elastic-beanstalk') {
    throw usageError(
      'DEPLOY_TARGET_UNSUPPORTED',
      `stage "${stage}" deploys to the ${resolved.deploy.target} target, not Elastic Beanstalk`,
      {
        input: { path: `stages.${stage}.deploy.target` },
        hint: 'this operation is for Elastic Beanstalk stages',
      },
    );
  }
  return resolved.deploy;
}

/**
 * Where a stage's deploy state lives in the deploy bucket, beside the bundles: `<app>/.reletan` (the lock
 * at `locks/<stage>.json`, run journals under `journal/`).
 */
export function stateLocation(application: string): string {
  return `${application}/.reletan`;
}

/** Who holds a stage's lock, as an operation sees it: a person's or build's name, its CI build. */
/**
 * Who holds a deploy lock taken from a CI build: the provider, repository and branch, and the build's URL,
 * so whoever finds the lock held knows which job to look at. Outside CI, nothing: the lock then names
 * `user@host`.
 */
export function lockHolderOf(ci: CiContext): Pick<LockHolderOptions, 'holder' | 'ciBuildUrl'> {
  if (!ci.ci) return {};
  const repository = ci.repository ? ` ${ci.repository.owner}/${ci.repository.name}` : '';
  const holder = `${ci.provider}${repository}${ci.branch ? ` ${ci.branch}` : ''}`;
  return { holder, ...(ci.buildUrl ? { ciBuildUrl: ci.buildUrl } : {}) };
}

export interface LockHolderOptions {
  /** Named in the lock, for whoever finds it held. @default `user@host` */
  holder?: string | undefined;
  /** The CI build holding the lock, named in the lock. */
  ciBuildUrl?: string | undefined;
  /** Wait for a held lock instead of failing at once. @default false */
  waitLock?: boolean | undefined;
}

/** Takes the stage's deploy lock (beside its bundles, at {@link stateLocation}) for the run `run`. */
export function lockStage(
  options: LockHolderOptions & {
    aws: AwsAccess;
    deploy: ElasticBeanstalkDeployConfig;
    bucket: string;
    stage: string;
    run: string;
    clock: Clock;
    logger?: Logger | undefined;
    signal?: AbortSignal | undefined;
  },
): Promise<DeployLock> {
  return acquireDeployLock({
    aws: options.aws,
    region: options.deploy.region,
    bucket: options.bucket,
    key: deployLockKey({ prefix: stateLocation(options.deploy.application), stage: options.stage }),
    stage: options.stage,
    holder: options.holder ?? defaultHolder(),
    run: options.run,
    ...(options.ciBuildUrl ? { ciBuildUrl: options.ciBuildUrl } : {}),
    wait: options.waitLock ?? false,
    clock: options.clock,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

function defaultHolder(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return hostname();
  }
}
