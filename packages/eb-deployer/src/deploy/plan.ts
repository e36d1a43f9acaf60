import { afterList, type ElasticBeanstalkDeployConfig } from '@reletan/config';
import type { Plan, Step } from '@reletan/core';

/** What the deploy plan's steps act through; the deployer builds these over the real clients. */
export interface DeployServices {
  /** Builds the stage's `.env` and the source bundle (cached for an unchanged commit and config). */
  buildBundle(): Promise<BundleOutput>;
  /** Uploads the bundle to the deploy bucket, unless it is there with the same hash. */
  uploadBundle(bundle: BundleOutput): Promise<{ uploaded: boolean; bucket: string; key: string }>;
  /** Creates (or reuses) the application version of the bundle. */
  ensureVersion(bundle: BundleOutput): Promise<{ label: string; created: boolean; pruned: string[] }>;
  /** The versions the environments run now: what a rollback returns them to. */
  readLabels(environments: readonly string[]): Promise<Record<string, string | undefined>>;
  /**
   * Deploys the label to one environment and waits until it is deployed (or fails); records in the run's
   * journal that the environment changed as soon as Elastic Beanstalk accepts the update.
   */
  rollOut(
    environment: string,
    label: string,
    progress: (message: string) => void,
  ): Promise<{ skipped: boolean; from: string | undefined }>;
}

/** The bundle a run ships: its file, hash and the label it gets. */
export interface BundleOutput {
  file: string;
  sha256: string;
  bytes: number;
  label: string;
  cached: boolean;
}

export interface DeployFacts {
  stage: string;
  deploy: ElasticBeanstalkDeployConfig;
  /** The release, as shown (`v1.4.0`, or a short sha). */
  release: string;
  /** The deploy bucket when known (`deploy.bucket`, or Elastic Beanstalk's, resolved before the plan). */
  bucket: string | undefined;
}

/** The step ids of a deploy, stable across runs (the journal records them). */
export const DEPLOY_STEP = {
  bundle: 'bundle',
  upload: 'upload',
  version: 'version',
  rollbackTargets: 'rollback-targets',
  environment: (name: string) => `deploy:${name}`,
} as const;

/**
 * The deploy of a stage to Elastic Beanstalk as a plan, from facts alone (pure): the bundle, its upload
 * and application version, the versions the environments run now (the rollback targets), then one step per
 * environment, ordered by `after` (several at once when they do not depend on each other), each starting
 * when those it names have finished, or `startDelaySeconds` after they *started* (a staggered start).
 */
export function planElasticBeanstalkDeploy(facts: DeployFacts): Plan<DeployServices> {
  const { deploy } = facts;
  const bundleStep: Step<DeployServices, BundleOutput> = {
    id: DEPLOY_STEP.bundle,
    describe: () =>
      `build the source bundle of ${facts.release} with the .env of stage ${facts.stage}${hooksSummary(deploy)} (label ${deploy.application}-<version>-<bundle hash>)`,
    run: ({ buildBundle }) => buildBundle(),
  };
  const bucket = facts.bucket ?? "Elastic Beanstalk's bucket";
  const uploadStep: Step<DeployServices> = {
    id: DEPLOY_STEP.upload,
    describe: () =>
      `upload the bundle to s3://${bucket}/${deploy.application}/<label>.zip (encrypted; skipped when it is there)`,
    run: (context) => context.uploadBundle(bundleOf(context)),
  };
  const versionStep: Step<DeployServices> = {
    id: DEPLOY_STEP.version,
    describe: () =>
      `create the application version in ${deploy.application}${deploy.process ? ' (processed)' : ''}, making room under the quota (keeping the newest ${deploy.keepVersions})`,
    run: (context) => context.ensureVersion(bundleOf(context)),
  };
  const names = deploy.environments.map((environment) => environment.name);
  const targetsStep: Step<DeployServices> = {
    id: DEPLOY_STEP.rollbackTargets,
    describe: () => `record the versions ${names.join(', ')} run now (the rollback targets)`,
    run: ({ readLabels }) => readLabels(names),
  };
  const environmentSteps = orderEnvironments(deploy.environments).map((environment): Step<DeployServices> => {
    const after = afterList(environment);
    const waitsFor = after.length > 0 ? after.map(DEPLOY_STEP.environment) : [DEPLOY_STEP.rollbackTargets];
    const when =
      after.length === 0
        ? ''
        : environment.startDelaySeconds !== undefined
          ? `, ${environment.startDelaySeconds} s after ${after.join(' and ')} start${after.length === 1 ? 's' : ''}`
          : `, after ${after.join(' and ')}`;
    return {
      id: DEPLOY_STEP.environment(environment.name),
      after: waitsFor,
      ...(environment.startDelaySeconds !== undefined && after.length > 0
        ? { startDelayMs: environment.startDelaySeconds * 1000 }
        : {}),
      describe: () => `deploy the version to ${environment.name} (${environment.role}${when})`,
      run: async (context) => {
        const label = (context.outputOf<{ label: string }>(DEPLOY_STEP.version) as { label: string }).label;
        return context.rollOut(environment.name, label, context.progress);
      },
    };
  });
  return {
    steps: [bundleStep, uploadStep, versionStep, targetsStep, ...environmentSteps] as Step<DeployServices>[],
    done: [],
  };
}

function bundleOf(context: { outputOf<T>(id: string): T | undefined }): BundleOutput {
  const bundle = context.outputOf<BundleOutput>(DEPLOY_STEP.bundle);
  if (!bundle) throw new Error('the bundle step has no output');
  return bundle;
}

function hooksSummary(deploy: ElasticBeanstalkDeployConfig): string {
  const parts = [
    ...(deploy.hooks.migrate ? ['a leader-only migration'] : []),
    ...(deploy.hooks.perInstance.length ? [`${deploy.hooks.perInstance.length} per-instance hook(s)`] : []),
  ];
  return parts.length ? ` and ${parts.join(' and ')}` : '';
}

/**
 * The environments in an order their `after` allows (each after those it names), otherwise as configured:
 * the order the plan lists, describes and (when nothing orders them) starts them.
 */
export function orderEnvironments<E extends { name: string; after?: string | readonly string[] | undefined }>(
  environments: readonly E[],
): E[] {
  const byName = new Map(environments.map((environment) => [environment.name, environment]));
  const ordered: E[] = [];
  const placed = new Set<string>();
  const place = (environment: E, seen: Set<string>) => {
    if (placed.has(environment.name) || seen.has(environment.name)) return;
    seen.add(environment.name);
    for (const name of afterList(environment)) {
      const dependency = byName.get(name);
      if (dependency) place(dependency, seen);
    }
    placed.add(environment.name);
    ordered.push(environment);
  };
  for (const environment of environments) place(environment, new Set());
  return ordered;
}

/**
 * The environments to roll back after a failure, in reverse plan order (the web before the worker it was
 * deployed after): those the run changed, each with the version it ran before.
 */
export function planRollback(options: {
  order: readonly string[];
  changed: readonly string[];
  targets: Readonly<Record<string, string | undefined>>;
}): { environment: string; label: string }[] {
  return [...options.order]
    .reverse()
    .filter((name) => options.changed.includes(name))
    .flatMap((name) => {
      const label = options.targets[name];
      return label ? [{ environment: name, label }] : [];
    });
}
