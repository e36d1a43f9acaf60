import type { AwsAccess } from '@reletan/aws';
import type { ReletanConfig } from '@reletan/config';
import { type Logger, type PlanReport, runPlan, type Step } from '@reletan/core';
import { ebFailure } from '../eb/environments.js';
import { choosePrunable } from '../eb/versions.js';
import { stageTarget } from './stage-target.js';

export interface StageVersion {
  label: string;
  createdAt: string;
  status: string | undefined;
  description: string | undefined;
  /** The environments of the stage running it. */
  runningOn: string[];
}

export interface StageVersionsResult {
  stage: string;
  application: string;
  /** Newest first. */
  versions: StageVersion[];
  /** With `prune`: the versions deleted (or, in a dry run, that would be). */
  pruned: string[];
  report: PlanReport | undefined;
}

/**
 * `reletan eb versions STAGE [--prune --keep N]`: the application's versions, newest first, with the
 * environments running each; with `prune`, deletes the oldest ones no environment runs beyond the newest
 * `keep` (default `deploy.keepVersions`), their bundles too.
 */
export async function stageVersions(options: {
  config: ReletanConfig;
  stage: string;
  aws: AwsAccess;
  prune?: boolean | undefined;
  keep?: number | undefined;
  dryRun?: boolean | undefined;
  logger?: Logger | undefined;
}): Promise<StageVersionsResult> {
  const { deploy, target } = await stageTarget(options.config, options.stage, options.aws);
  const sdk = await import('@aws-sdk/client-elastic-beanstalk');
  const [listed, environments] = await Promise.all([
    target.client.send(new sdk.DescribeApplicationVersionsCommand({ ApplicationName: deploy.application })),
    target.client.send(
      new sdk.DescribeEnvironmentsCommand({ ApplicationName: deploy.application, IncludeDeleted: false }),
    ),
  ]).catch((error: unknown) => {
    throw ebFailure(error, `listing the versions of ${deploy.application}`);
  });
  const running = new Map<string, string[]>();
  for (const environment of environments.Environments ?? []) {
    if (!environment.VersionLabel || !environment.EnvironmentName) continue;
    running.set(environment.VersionLabel, [
      ...(running.get(environment.VersionLabel) ?? []),
      environment.EnvironmentName,
    ]);
  }
  const versions: StageVersion[] = (listed.ApplicationVersions ?? [])
    .filter((version) => version.VersionLabel)
    .map((version) => ({
      label: version.VersionLabel as string,
      createdAt: (version.DateCreated ?? new Date(0)).toISOString(),
      status: version.Status,
      description: version.Description,
      runningOn: running.get(version.VersionLabel as string) ?? [],
    }))
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  if (!options.prune)
    return { stage: options.stage, application: deploy.application, versions, pruned: [], report: undefined };

  const keep = options.keep ?? deploy.keepVersions;
  const pruned = choosePrunable({
    versions: versions.map((version) => ({ label: version.label, createdAt: Date.parse(version.createdAt) })),
    inUse: new Set(running.keys()),
    keep,
    needed: versions.length,
  });
  const steps = pruned.map(
    (label): Step => ({
      id: `delete:${label}`,
      describe: () => `delete application version ${label} and its bundle`,
      run: async () => {
        await target.client
          .send(
            new sdk.DeleteApplicationVersionCommand({
              ApplicationName: deploy.application,
              VersionLabel: label,
              DeleteSourceBundle: true,
            }),
          )
          .catch((error: unknown) => {
            throw ebFailure(error, `deleting the application version ${label}`);
          });
      },
    }),
  );
  const report = await runPlan(
    { steps, done: [`kept the newest ${keep} versions and every version an environment runs`] },
    { services: {}, dryRun: options.dryRun, logger: options.logger },
  );
  return { stage: options.stage, application: deploy.application, versions, pruned, report };
}
