import type { AppContext } from '@reletan/cli-kit';
import { detectCiContext, formatDuration, type StepReport } from '@reletan/core';

/** Who deploys and from which CI build, for the deploy lock: the CI job, else user@host. */
export async function deployer(context: AppContext): Promise<{ holder?: string; ciBuildUrl?: string }> {
  const ci = await detectCiContext({ env: context.env, cwd: context.cwd, git: context.git() }).catch(
    () => undefined,
  );
  if (!ci?.ci) return {};
  const holder = `${ci.provider}${ci.repository ? ` ${ci.repository.owner}/${ci.repository.name}` : ''}${ci.branch ? ` ${ci.branch}` : ''}`;
  return { holder, ...(ci.buildUrl ? { ciBuildUrl: ci.buildUrl } : {}) };
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

export function took(ms: number): string {
  return formatDuration(ms);
}
