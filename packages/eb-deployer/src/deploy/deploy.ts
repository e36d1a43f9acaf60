import path from 'node:path';
import type { AwsAccess } from '@reletan/aws';
import type { ElasticBeanstalkDeployConfig, ReletanConfig } from '@reletan/config';
import {
  type Clock,
  type GitRunner,
  type JournalStore,
  type Logger,
  openRunJournal,
  type PlanReport,
  planReportOf,
  type ReleaseIdentity,
  ReletanError,
  resolveReleaseIdentity,
  runPlan,
  type StepReport,
  systemClock,
} from '@reletan/core';
import { describeEnvironments, type ElasticBeanstalkTarget } from '../eb/environments.js';
import { EnvironmentPoller } from '../eb/poller.js';
import { type EnvironmentRolloutResult, rollOutEnvironment } from '../eb/rollout.js';
import { bundleKey, ensureApplicationVersion, versionDescription, versionLabel } from '../eb/versions.js';
import { resolveDeployBucket } from '../s3/deploy-bucket.js';
import type { DeployLock } from '../s3/deploy-lock.js';
import { keepDeployLock } from '../s3/keep-deploy-lock.js';
import { createS3JournalStore } from '../s3/s3-journal-store.js';
import { uploadBundle } from '../s3/upload-bundle.js';
import {
  type BundleOutput,
  DEPLOY_STEP,
  type DeployServices,
  orderEnvironments,
  planElasticBeanstalkDeploy,
  planRollback,
} from './plan.js';
import { type BuildStageBundleOptions, buildStageBundle } from './stage-bundle.js';
import { type LockHolderOptions, lockStage, requireElasticBeanstalk, stateLocation } from './stage-target.js';

export interface DeployStageOptions extends LockHolderOptions {
  /** The loaded config (defaults applied). */
  config: ReletanConfig;
  /** The repository: the config's root. */
  root: string;
  stage: string;
  /** The release: computed once by the caller, or an id given (`--release`). @default the tag at HEAD, else the commit */
  release?: ReleaseIdentity | string | undefined;
  git: GitRunner;
  aws: AwsAccess;
  logger?: Logger | undefined;
  clock?: Clock | undefined;
  /** Ctrl-C: stops polling; the environments mid-update are named; `resume` continues. */
  signal?: AbortSignal | undefined;
  /** Where secret env values come from (`secretEnv`). @default process.env */
  env?: NodeJS.ProcessEnv | undefined;
  /** Continue the run the journal holds for this stage and release. @default false: a fresh run */
  resume?: boolean | undefined;
  /** Roll back what the run changed when it fails. @default true */
  rollback?: boolean | undefined;
  /** Describe every step, run none (needs no AWS credentials). @default false */
  dryRun?: boolean | undefined;
  /** Where bundles are cached. @default `<root>/.reletan/bundles` */
  bundleCacheDir?: string | undefined;
  /** For tests: the poller's intervals. */
  pollIntervals?: { minMs?: number; maxMs?: number } | undefined;
}

export interface DeployedEnvironment {
  name: string;
  role: 'web' | 'worker';
  /** The version it ran before. */
  from: string | undefined;
  to: string;
  /** It already ran the version: nothing changed. */
  skipped: boolean;
}

export interface DeployStageResult {
  stage: string;
  application: string;
  region: string;
  release: string;
  /** The version label (undefined in a dry run, which builds no bundle). */
  label: string | undefined;
  dryRun: boolean;
  environments: DeployedEnvironment[];
  steps: StepReport[];
  durationMs: number;
  /** Poller calls, for --verbose and the benchmark. */
  describeCalls: number;
}

/**
 * `reletan deploy STAGE` on Elastic Beanstalk: under the stage's lock, the bundle (the committed tree, the
 * stage's `.env`, the generated hooks) uploaded once and made an application version, then the
 * environments deployed in plan order by one shared poller; on failure, every environment the run changed
 * is rolled back to the version it ran, in reverse order, and the error says what failed and what was
 * rolled back. Each finished step is recorded in the run's journal (in the deploy bucket), so `resume`
 * continues after the last one.
 */
export async function deployStage(options: DeployStageOptions): Promise<DeployStageResult> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const deploy = requireElasticBeanstalk(options.config, options.stage);
  const release =
    typeof options.release === 'object'
      ? options.release
      : await resolveReleaseIdentity({
          git: options.git,
          tagPrefix: options.config.git.tagPrefix,
          ...(options.release === undefined ? {} : { given: options.release }),
        });
  const base = {
    stage: options.stage,
    application: deploy.application,
    region: deploy.region,
    release: release.id,
  };

  if (options.dryRun) {
    const plan = planElasticBeanstalkDeploy({
      stage: options.stage,
      deploy,
      release: release.id,
      bucket: deploy.bucket,
    });
    const report = await runPlan(plan, { services: {} as DeployServices, dryRun: true });
    return {
      ...base,
      label: undefined,
      dryRun: true,
      environments: [],
      steps: report.steps,
      durationMs: 0,
      describeCalls: 0,
    };
  }

  const { bucket } = await resolveDeployBucket({
    aws: options.aws,
    region: deploy.region,
    ...(deploy.bucket ? { bucket: deploy.bucket } : {}),
  });
  const run = `deploy/${options.stage}/${release.id}`;
  const prefix = stateLocation(deploy.application);
  const lock = await lockStage({ ...options, deploy, bucket, run, clock });
  const keeper = keepDeployLock(lock, { clock, ...(options.logger ? { logger: options.logger } : {}) });
  // The run stops on Ctrl-C, and also when the lock is lost (another deploy took the stage over).
  const signal = anySignal([keeper.signal, ...(options.signal ? [options.signal] : [])]);
  try {
    return await runDeploy(
      { ...options, clock, signal },
      deploy,
      release,
      bucket,
      lock,
      prefix,
      run,
      started,
    );
  } finally {
    keeper.stop();
    await releaseQuietly(lock, options.logger);
  }
}

async function runDeploy(
  options: DeployStageOptions & { clock: Clock; signal: AbortSignal },
  deploy: ElasticBeanstalkDeployConfig,
  release: ReleaseIdentity,
  bucket: string,
  _lock: DeployLock,
  prefix: string,
  run: string,
  started: number,
): Promise<DeployStageResult> {
  const { clock, signal, logger } = options;
  const store: JournalStore = createS3JournalStore({
    aws: options.aws,
    region: deploy.region,
    bucket,
    prefix,
  });
  const journal = await openRunJournal(store, run, { now: () => new Date(clock.now()) });
  if (!options.resume && Object.keys(journal.snapshot().steps).length > 0) await journal.discard();
  const { ElasticBeanstalkClient } = await import('@aws-sdk/client-elastic-beanstalk');
  const target: ElasticBeanstalkTarget = {
    client: options.aws.client(ElasticBeanstalkClient, { region: deploy.region }),
    application: deploy.application,
    region: deploy.region,
  };
  const poller = new EnvironmentPoller({
    target,
    clock,
    signal,
    ...(logger ? { logger } : {}),
    ...(options.pollIntervals?.minMs ? { minIntervalMs: options.pollIntervals.minMs } : {}),
    ...(options.pollIntervals?.maxMs ? { maxIntervalMs: options.pollIntervals.maxMs } : {}),
  });
  const deadline = clock.now() + deploy.timeoutMinutes * 60_000;
  const changed = new Set<string>((journal.meta().changed as string[] | undefined) ?? []);
  const results = new Map<string, EnvironmentRolloutResult>();
  const services: DeployServices = {
    buildBundle: async () => {
      const bundle = await buildStageBundle(bundleOptions(options, deploy, release));
      const label = versionLabel({ application: deploy.application, release, bundleSha256: bundle.sha256 });
      return { file: bundle.file, sha256: bundle.sha256, bytes: bundle.bytes, cached: bundle.cached, label };
    },
    uploadBundle: (bundle: BundleOutput) =>
      uploadBundle({
        aws: options.aws,
        region: deploy.region,
        bucket,
        key: bundleKey(deploy.application, bundle.label),
        file: bundle.file,
        sha256: bundle.sha256,
        signal,
        ...(logger ? { logger } : {}),
      }),
    ensureVersion: (bundle: BundleOutput) =>
      ensureApplicationVersion({
        target,
        label: bundle.label,
        bucket,
        key: bundleKey(deploy.application, bundle.label),
        sha256: bundle.sha256,
        description: versionDescription({ sha256: bundle.sha256, release }),
        keepVersions: deploy.keepVersions,
        process: deploy.process,
        logger,
        clock,
        signal,
      }),
    readLabels: async (names) => {
      const states = await describeEnvironments(target, names);
      return Object.fromEntries(names.map((name) => [name, states.get(name)?.versionLabel]));
    },
    rollOut: async (environment, label, progress) => {
      const result = await rollOutEnvironment(
        { target, poller, clock, signal, logger },
        {
          environment,
          label,
          healthy: deploy.healthy,
          deadline,
          progress,
          onUpdateStarted: async () => {
            changed.add(environment);
            // Recorded before anything else happens: a rerun (or a rollback after a crash) knows it changed.
            await journal.setMeta('changed', [...changed]);
          },
        },
      );
      results.set(environment, result);
      return { skipped: result.skipped, from: result.from };
    },
  };
  const plan = planElasticBeanstalkDeploy({ stage: options.stage, deploy, release: release.id, bucket });
  let report: PlanReport;
  try {
    report = await runPlan(plan, { services, journal, logger, clock, signal });
  } catch (error) {
    const failed = planReportOf(error);
    const midUpdate = [...changed].filter((name) => !results.has(name));
    if (isInterruption(error)) {
      throw interruptedDeploy(error, options.stage, midUpdate);
    }
    const targets = journal.finished(DEPLOY_STEP.rollbackTargets)?.output as
      | Record<string, string | undefined>
      | undefined;
    const order = orderEnvironments(deploy.environments).map((environment) => environment.name);
    const rollbacks =
      options.rollback === false || !targets ? [] : planRollback({ order, changed: [...changed], targets });
    const rolledBack = await rollBack(rollbacks, {
      target,
      poller,
      clock,
      logger,
      healthy: deploy.healthy,
      timeoutMinutes: deploy.timeoutMinutes,
    });
    throw deployFailed(
      error,
      options.stage,
      failed?.steps ?? [],
      rolledBack,
      options.rollback === false ? [...changed] : [],
    );
  }
  const label = (journal.finished(DEPLOY_STEP.version)?.output as { label: string } | undefined)?.label;
  return {
    stage: options.stage,
    application: deploy.application,
    region: deploy.region,
    release: release.id,
    label,
    dryRun: false,
    environments: orderEnvironments(deploy.environments).map((environment) => {
      const result = results.get(environment.name);
      return {
        name: environment.name,
        role: environment.role,
        from: result?.from,
        to: label ?? '',
        skipped: result?.skipped ?? true,
      };
    }),
    steps: report.steps,
    durationMs: clock.now() - started,
    describeCalls:
      poller.stats.describeEnvironments + poller.stats.describeEvents + poller.stats.describeInstancesHealth,
  };
}

function bundleOptions(
  options: DeployStageOptions,
  deploy: ElasticBeanstalkDeployConfig,
  release: ReleaseIdentity,
): BuildStageBundleOptions {
  return {
    config: options.config,
    root: options.root,
    stage: options.stage,
    release,
    git: options.git,
    hooks: deploy.hooks,
    cacheDir: options.bundleCacheDir ?? path.join(options.root, '.reletan', 'bundles'),
    aws: options.aws,
    ...(options.env ? { env: options.env } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

interface RolledBack {
  environment: string;
  label: string;
  ok: boolean;
  error?: string;
}

/** Rolls environments back one at a time (reverse plan order), each waited for and verified. */
async function rollBack(
  rollbacks: readonly { environment: string; label: string }[],
  options: {
    target: ElasticBeanstalkTarget;
    poller: EnvironmentPoller;
    clock: Clock;
    logger: Logger | undefined;
    healthy: readonly string[];
    timeoutMinutes: number;
  },
): Promise<RolledBack[]> {
  const done: RolledBack[] = [];
  for (const { environment, label } of rollbacks) {
    options.logger?.warn(`rolling ${environment} back to ${label}`);
    try {
      // A fresh poller without the run's signal: an interrupted deploy is not rolled back, a failed one is
      // rolled back to the end.
      const poller = new EnvironmentPoller({
        target: options.target,
        clock: options.clock,
        ...(options.logger ? { logger: options.logger } : {}),
      });
      await rollOutEnvironment(
        { target: options.target, poller, clock: options.clock, logger: options.logger },
        {
          environment,
          label,
          healthy: options.healthy,
          deadline: options.clock.now() + options.timeoutMinutes * 60_000,
        },
      );
      done.push({ environment, label, ok: true });
    } catch (error) {
      done.push({
        environment,
        label,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return done;
}

function deployFailed(
  error: unknown,
  stage: string,
  steps: readonly StepReport[],
  rolledBack: readonly RolledBack[],
  leftAsIs: readonly string[],
): ReletanError {
  const cause = error instanceof Error ? error : new Error(String(error));
  const failedStep = steps.find((step) => step.status === 'failed');
  const rollbackLines = rolledBack.map((item) =>
    item.ok
      ? `rolled back: ${item.environment} runs ${item.label} again`
      : `NOT rolled back: ${item.environment} (${item.error})`,
  );
  const details = [
    ...(failedStep ? [`failed: ${failedStep.description}`] : []),
    ...((error as { details?: readonly string[] }).details ?? []),
    ...rollbackLines,
    ...leftAsIs.map((name) => `left as it is (no rollback): ${name}`),
  ];
  const allBack = rolledBack.length > 0 && rolledBack.every((item) => item.ok);
  return new ReletanError({
    code: 'DEPLOY_FAILED',
    message: `the deploy of stage ${stage} failed: ${cause.message}${allBack ? '; every environment it changed runs its previous version again' : ''}`,
    details,
    hint: rolledBack.some((item) => !item.ok)
      ? 'an environment could not be rolled back: look at it in the Elastic Beanstalk console before deploying again'
      : 'fix the cause, then deploy again (environments already on the version are skipped)',
    cause: error,
  });
}

function interruptedDeploy(error: unknown, stage: string, midUpdate: readonly string[]): ReletanError {
  return new ReletanError({
    code: 'INTERRUPTED',
    kind: 'interrupted',
    message: `the deploy of stage ${stage} was interrupted${midUpdate.length ? `; still updating: ${midUpdate.join(', ')}` : ''}`,
    details: midUpdate.map((name) => `${name}: Elastic Beanstalk goes on with its update`),
    hint: '{resume} to continue where it stopped (it waits for those environments), or {abort} to stop an update',
    actions: {
      resume: {
        type: 'run',
        command: ['deploy', stage],
        options: { resume: true },
        words: 'resume the deploy',
      },
      abort: { type: 'run', command: ['eb', 'abort', stage], words: "abort the environments' updates" },
    },
    cause: error,
  });
}

function isInterruption(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'INTERRUPTED';
}

async function releaseQuietly(lock: DeployLock, logger: Logger | undefined): Promise<void> {
  try {
    const released = await lock.release();
    if (!released.released && released.heldBy) {
      logger?.warn(`the deploy lock had been taken over by ${released.heldBy.holder}; it was left to them`);
    }
  } catch (error) {
    logger?.warn(
      `could not release the deploy lock (it expires by itself): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** One signal that aborts when any of `signals` does, with its reason. */
function anySignal(signals: readonly AbortSignal[]): AbortSignal {
  const controller = new AbortController();
  for (const signal of signals) {
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  }
  return controller.signal;
}
