import type { AwsAccess } from '@reletan/aws';
import type { ReletanConfig } from '@reletan/config';
import {
  type Clock,
  type JournalRecord,
  type Logger,
  type PlanReport,
  runPlan,
  type Step,
  systemClock,
  usageError,
} from '@reletan/core';
import { ebFailure } from '../eb/environments.js';
import { EnvironmentPoller } from '../eb/poller.js';
import { rollOutEnvironment } from '../eb/rollout.js';
import { resolveDeployBucket } from '../s3/deploy-bucket.js';
import { keepDeployLock } from '../s3/keep-deploy-lock.js';
import { createS3JournalStore } from '../s3/s3-journal-store.js';
import { DEPLOY_STEP } from './plan.js';
import { type LockHolderOptions, lockStage, stageTarget, stateLocation } from './stage-target.js';

export interface RollbackStageOptions extends LockHolderOptions {
  config: ReletanConfig;
  stage: string;
  aws: AwsAccess;
  /** The version every environment goes back to. @default each environment's version before the last deploy (its journal) */
  to?: string | undefined;
  dryRun?: boolean | undefined;
  logger?: Logger | undefined;
  clock?: Clock | undefined;
  signal?: AbortSignal | undefined;
}

export interface RollbackStageResult {
  stage: string;
  /** Each environment and the version it goes back to, in the order rolled back (web before worker). */
  environments: { name: string; label: string; skipped?: boolean }[];
  /** Where the targets came from. */
  source: 'given' | 'journal';
  report: PlanReport;
}

/**
 * `reletan rollback STAGE [--to LABEL]`: every environment of the stage back to a version, in reverse plan
 * order (the web before the worker it was deployed after), each waited for and verified, under the stage's
 * deploy lock. Without `to`, each goes back to the version it ran before the last deploy, as that deploy's
 * journal recorded.
 */
export async function rollbackStage(options: RollbackStageOptions): Promise<RollbackStageResult> {
  const clock = options.clock ?? systemClock;
  const { deploy, target, order } = await stageTarget(options.config, options.stage, options.aws);
  const reverse = [...order].reverse();
  if (options.dryRun && options.to === undefined) {
    // Without AWS: the targets are only known from the journal, read when it runs.
    const steps = reverse.map((name) =>
      describedOnly(
        `roll ${name} back to the version it ran before the last deploy (from its journal)`,
        name,
      ),
    );
    const report = await runPlan({ steps, done: [] }, { services: {}, dryRun: true });
    return { stage: options.stage, environments: [], source: 'journal', report };
  }
  const { bucket } = await resolveDeployBucket({
    aws: options.aws,
    region: deploy.region,
    ...(deploy.bucket ? { bucket: deploy.bucket } : {}),
  });
  const prefix = stateLocation(deploy.application);
  const targets =
    options.to !== undefined
      ? Object.fromEntries(order.map((name) => [name, options.to as string]))
      : await lastRollbackTargets({
          aws: options.aws,
          region: deploy.region,
          bucket,
          prefix,
          stage: options.stage,
        });
  if (options.to !== undefined) await requireVersion(target, options.to);
  const plan = reverse
    .filter((name) => targets[name] !== undefined)
    .map((name) => ({ name, label: targets[name] as string }));
  if (options.dryRun) {
    const steps = plan.map(({ name, label }) => describedOnly(`roll ${name} back to ${label}`, name));
    const report = await runPlan({ steps, done: [] }, { services: {}, dryRun: true });
    return { stage: options.stage, environments: plan, source: options.to ? 'given' : 'journal', report };
  }

  const lock = await lockStage({ ...options, deploy, bucket, run: `rollback/${options.stage}`, clock });
  const keeper = keepDeployLock(lock, { clock, ...(options.logger ? { logger: options.logger } : {}) });
  try {
    const poller = new EnvironmentPoller({
      target,
      clock,
      signal: keeper.signal,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    const skipped = new Set<string>();
    const steps = plan.map(
      ({ name, label }): Step => ({
        id: `rollback:${name}`,
        describe: () => `roll ${name} back to ${label}`,
        run: async (context) => {
          const result = await rollOutEnvironment(
            { target, poller, clock, signal: keeper.signal, logger: options.logger },
            {
              environment: name,
              label,
              healthy: deploy.healthy,
              deadline: clock.now() + deploy.timeoutMinutes * 60_000,
              progress: context.progress,
            },
          );
          if (result.skipped) skipped.add(name);
        },
      }),
    );
    const report = await runPlan({ steps, done: [] }, { services: {}, logger: options.logger, clock });
    return {
      stage: options.stage,
      environments: plan.map((item) => ({ ...item, skipped: skipped.has(item.name) })),
      source: options.to ? 'given' : 'journal',
      report,
    };
  } finally {
    keeper.stop();
    await lock.release().catch(() => undefined);
  }
}

function describedOnly(description: string, name: string): Step {
  return { id: `rollback:${name}`, describe: () => description, run: () => undefined };
}

/** The rollback targets the stage's newest deploy journal recorded; a usage error when there is none. */
async function lastRollbackTargets(options: {
  aws: AwsAccess;
  region: string;
  bucket: string;
  prefix: string;
  stage: string;
}): Promise<Record<string, string | undefined>> {
  const store = createS3JournalStore({
    aws: options.aws,
    region: options.region,
    bucket: options.bucket,
    prefix: options.prefix,
  });
  const runs = (await store.list()).filter((run) => run.startsWith(`deploy/${options.stage}/`));
  const records = (await Promise.all(runs.map((run) => store.read(run)))).filter(
    (record): record is JournalRecord => record?.steps[DEPLOY_STEP.rollbackTargets] !== undefined,
  );
  const newest = records.sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1))[0];
  const targets = newest?.steps[DEPLOY_STEP.rollbackTargets]?.output as
    | Record<string, string | undefined>
    | undefined;
  if (!targets) {
    throw usageError(
      'ROLLBACK_TARGET_UNKNOWN',
      `no deploy of stage ${options.stage} recorded what to roll back to`,
      {
        hint: 'name the version: {to} (see the versions with {versions})',
        actions: {
          to: { type: 'option', name: 'to', value: 'LABEL', words: 'give the version label' },
          versions: {
            type: 'run',
            command: ['eb', 'versions', options.stage],
            words: "the stage's versions",
          },
        },
      },
    );
  }
  return targets;
}

/** A usage error naming the label when the application has no such version. */
async function requireVersion(
  target: Awaited<ReturnType<typeof stageTarget>>['target'],
  label: string,
): Promise<void> {
  const { DescribeApplicationVersionsCommand } = await import('@aws-sdk/client-elastic-beanstalk');
  const response = await target.client
    .send(
      new DescribeApplicationVersionsCommand({ ApplicationName: target.application, VersionLabels: [label] }),
    )
    .catch((error: unknown) => {
      throw ebFailure(error, `reading the version ${label}`);
    });
  if (!response.ApplicationVersions?.length) {
    throw usageError('EB_VERSION_UNKNOWN', `${target.application} has no application version ${label}`, {
      input: { key: label },
      hint: 'pick one of the versions the application has',
    });
  }
}
