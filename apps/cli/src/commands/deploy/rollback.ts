import type { AppContext } from '@reletan/cli-kit';
import { rollbackStage } from '@reletan/eb-deployer';
import { deployer, planLines } from './shared.js';

/** `reletan rollback STAGE [--to LABEL]`: every environment back, web first, waited for and verified. */
export async function rollback(
  context: AppContext,
  stage: string,
  options: { to?: string; waitLock?: boolean; dryRun?: boolean },
): Promise<number> {
  const loaded = await context.loadConfig({ required: true });
  const result = await rollbackStage({
    config: loaded.config,
    stage,
    aws: context.aws(),
    logger: context.logger,
    clock: context.clock,
    signal: context.signal,
    waitLock: options.waitLock ?? false,
    dryRun: options.dryRun ?? false,
    ...(options.to === undefined ? {} : { to: options.to }),
    ...(options.dryRun ? {} : await deployer(context)),
  });
  const human = options.dryRun
    ? planLines(`dry run: the rollback of stage ${stage} would:`, result.report.steps)
    : [
        `rolled stage ${stage} back${result.source === 'journal' ? ' to the versions before its last deploy' : ''}:`,
        ...result.environments.map(
          (environment) =>
            `  ${environment.name}  ${environment.skipped ? `already on ${environment.label}` : `now on ${environment.label}`}`,
        ),
        'migrations are not undone: roll the database back yourself if the old code needs it',
      ].join('\n');
  context.logger.result(result, human);
  return 0;
}
