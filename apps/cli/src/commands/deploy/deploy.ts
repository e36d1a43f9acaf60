import type { AppContext } from '@reletan/cli-kit';
import { formatDuration } from '@reletan/core';
import { deployStage } from '@reletan/eb-deployer';
import { deployer, planLines } from './shared.js';

export interface DeployOptions {
  resume?: boolean;
  /** commander's `--no-rollback`. */
  rollback?: boolean;
  waitLock?: boolean;
  release?: string;
  dryRun?: boolean;
}

/**
 * `reletan deploy STAGE`: the bundle, its version, and the environments in plan order, rolled back on
 * failure. Ctrl-C stops it cleanly (exit 130; `--resume` continues).
 */
export async function deploy(context: AppContext, stage: string, options: DeployOptions): Promise<number> {
  const loaded = await context.loadConfig({ required: true });
  const result = await deployStage({
    config: loaded.config,
    root: loaded.root,
    stage,
    git: context.git(loaded.root),
    aws: context.aws(),
    logger: context.logger,
    clock: context.clock,
    signal: context.signal,
    env: context.env,
    resume: options.resume ?? false,
    rollback: options.rollback ?? true,
    waitLock: options.waitLock ?? false,
    dryRun: options.dryRun ?? false,
    ...(options.release === undefined ? {} : { release: options.release }),
    ...(options.dryRun ? {} : await deployer(context)),
  });
  const human = result.dryRun
    ? planLines(
        `dry run: the deploy of stage ${stage} (${result.application}, ${result.region}) would:`,
        result.steps,
      )
    : [
        `deployed ${result.label} to stage ${stage} (${result.application}, ${result.region}) in ${formatDuration(result.durationMs)}`,
        ...result.environments.map(
          (environment) =>
            `  ${environment.name.padEnd(Math.max(...result.environments.map((e) => e.name.length)))}  ${
              environment.skipped
                ? `already on ${environment.to}`
                : `${environment.from ?? 'no version'} → ${environment.to}`
            }`,
        ),
      ].join('\n');
  context.logger.result(result, human);
  return 0;
}
