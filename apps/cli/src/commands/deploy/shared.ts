import type { AppContext } from '@reletan/cli-kit';
import { detectCiContext, type StepReport } from '@reletan/core';
import { lockHolderOf } from '@reletan/eb-deployer';

/** Who deploys, for the deploy lock: the CI build (eb-deployer's `lockHolderOf`), else user@host. */
export async function deployer(context: AppContext): Promise<{ holder?: string; ciBuildUrl?: string }> {
  const ci = await detectCiContext({ env: context.env, cwd: context.cwd, git: context.git() }).catch(
    () => undefined,
  );
  return ci ? lockHolderOf(ci) : {};
}

/** A plan's steps as numbered lines: what a dry run prints. */
export function planLines(title: string, steps: readonly StepReport[], done: readonly string[] = []): string {
  return [
    title,
    ...steps.map(
      (step, index) =>
        `  ${index + 1}. ${step.description}${step.status === 'recorded' ? ' (done by an earlier run)' : ''}`,
    ),
    ...done.map((line) => `  - ${line}`),
    'nothing was changed',
  ].join('\n');
}
