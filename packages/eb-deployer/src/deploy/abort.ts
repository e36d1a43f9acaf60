import type { AwsAccess } from '@reletan/aws';
import type { ReletanConfig } from '@reletan/config';
import { type Logger, type PlanReport, runPlan, type Step } from '@reletan/core';
import { describeEnvironments } from '../eb/environments.js';
import { abortUpdate } from '../eb/rollout.js';
import { stageTarget } from './stage-target.js';

export interface AbortStageResult {
  stage: string;
  /** The environments whose update was (or, in a dry run, would be) aborted. */
  aborted: string[];
  /** The environments with nothing to abort, and their status. */
  idle: { name: string; status: string }[];
  report: PlanReport;
}

/**
 * `reletan eb abort STAGE`: `AbortEnvironmentUpdate` on every environment of the stage with an abortable
 * update in progress; Elastic Beanstalk returns each to the version it ran.
 */
export async function abortStage(options: {
  config: ReletanConfig;
  stage: string;
  aws: AwsAccess;
  dryRun?: boolean | undefined;
  logger?: Logger | undefined;
}): Promise<AbortStageResult> {
  const { target, order } = await stageTarget(options.config, options.stage, options.aws);
  const states = await describeEnvironments(target, order);
  const abortable = order.filter((name) => states.get(name)?.abortable);
  const steps = abortable.map(
    (name): Step => ({
      id: `abort:${name}`,
      describe: () => `abort the update of ${name} (${states.get(name)?.status})`,
      run: () => abortUpdate({ target, logger: options.logger }, name),
    }),
  );
  const report = await runPlan(
    { steps, done: [] },
    { services: {}, dryRun: options.dryRun, logger: options.logger },
  );
  return {
    stage: options.stage,
    aborted: abortable,
    idle: order
      .filter((name) => !abortable.includes(name))
      .map((name) => ({ name, status: states.get(name)?.status ?? '?' })),
    report,
  };
}
