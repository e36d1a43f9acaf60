import type { AppContext } from '@reletan/cli-kit';
import { usageError } from '@reletan/core';
import { abortStage, stageVersions, unlockStage } from '@reletan/eb-deployer';
import { planLines } from './shared.js';

/** `reletan eb abort STAGE`: aborts every update in progress on the stage's environments. */
export async function abort(
  context: AppContext,
  stage: string,
  options: { dryRun?: boolean },
): Promise<number> {
  const loaded = await context.loadConfig({ required: true });
  const result = await abortStage({
    config: loaded.config,
    stage,
    aws: context.aws(),
    logger: context.logger,
    dryRun: options.dryRun ?? false,
  });
  const idle = result.idle.map(
    (environment) => `  ${environment.name}: ${environment.status}, nothing to abort`,
  );
  const human = options.dryRun
    ? [planLines(`dry run: eb abort ${stage} would:`, result.report.steps), ...idle].join('\n')
    : [
        ...result.aborted.map(
          (name) => `aborted the update of ${name}: Elastic Beanstalk returns it to its previous version`,
        ),
        ...idle,
      ].join('\n');
  context.logger.result(result, human);
  return 0;
}

/** `reletan eb versions STAGE [--prune --keep N]`: the application's versions; prunes old unused ones. */
export async function versions(
  context: AppContext,
  stage: string,
  options: { prune?: boolean; keep?: string; dryRun?: boolean },
): Promise<number> {
  const loaded = await context.loadConfig({ required: true });
  const keep = options.keep === undefined ? undefined : parseKeep(options.keep);
  const result = await stageVersions({
    config: loaded.config,
    stage,
    aws: context.aws(),
    logger: context.logger,
    prune: options.prune ?? false,
    dryRun: options.dryRun ?? false,
    ...(keep === undefined ? {} : { keep }),
  });
  const width = Math.max(7, ...result.versions.map((version) => version.label.length));
  const lines = [
    `${'version'.padEnd(width)}  created                   running on`,
    ...result.versions.map(
      (version) =>
        `${version.label.padEnd(width)}  ${version.createdAt.padEnd(24)}  ${version.runningOn.join(', ') || '-'}`,
    ),
  ];
  if (options.prune) {
    lines.push(
      result.pruned.length === 0
        ? 'nothing to prune'
        : options.dryRun
          ? `would delete ${result.pruned.length}: ${result.pruned.join(', ')} (nothing was changed)`
          : `deleted ${result.pruned.length}: ${result.pruned.join(', ')}`,
    );
  }
  context.logger.result(result, lines.join('\n'));
  return 0;
}

/** `reletan eb unlock STAGE`: removes the stage's deploy lock, whoever holds it. */
export async function unlock(
  context: AppContext,
  stage: string,
  options: { dryRun?: boolean },
): Promise<number> {
  const loaded = await context.loadConfig({ required: true });
  const result = await unlockStage({
    config: loaded.config,
    stage,
    aws: context.aws(),
    logger: context.logger,
    dryRun: options.dryRun ?? false,
  });
  const human = !result.held
    ? `stage ${stage} is not locked`
    : options.dryRun
      ? planLines(`dry run: eb unlock ${stage} would:`, result.report.steps)
      : `removed the deploy lock of stage ${stage} held by ${result.held.holder}${result.held.ciBuildUrl ? ` (${result.held.ciBuildUrl})` : ''} since ${result.held.acquiredAt}`;
  context.logger.result(result, human);
  return 0;
}

function parseKeep(value: string): number {
  const keep = Number(value);
  if (!Number.isInteger(keep) || keep < 1) {
    throw usageError('OPTION_INVALID', `--keep must be a whole number from 1, got "${value}"`, {
      input: { key: '--keep' },
    });
  }
  return keep;
}
