import type { AppContext } from '@reletan/cli-kit';
import { type GitRunner, usageError } from '@reletan/core';
import {
  type FinishFlowResult,
  type FlowKind,
  finishFlow,
  formatMarkdown,
  formatSlack,
  releaseNotes,
  type StartFlowResult,
  startFlow,
  type VersionBump,
} from '@reletan/git-flow';

export interface StartOptions {
  bump?: VersionBump;
  push?: boolean;
  fetch?: boolean;
  dryRun?: boolean;
}

export interface FinishOptions {
  push?: boolean;
  keep?: boolean;
  message?: string;
  githubRelease?: boolean;
  fetch?: boolean;
  dryRun?: boolean;
}

export interface NotesOptions {
  from?: string;
  to?: string;
  format?: 'markdown' | 'json' | 'slack';
}

/** `reletan release start` / `reletan hotfix start`. */
export async function start(
  context: AppContext,
  kind: FlowKind,
  version: string | undefined,
  options: StartOptions,
): Promise<number> {
  if (version !== undefined && options.bump !== undefined) {
    throw usageError('VERSION_AND_BUMP', 'give a VERSION or --bump, not both', {
      hint: `e.g. "reletan ${kind} start 1.4.0" or "reletan ${kind} start --bump major"`,
    });
  }
  const { config } = await context.loadConfig();
  const result = await startFlow({
    kind,
    git: await repository(context),
    config,
    logger: context.logger,
    env: context.env,
    github: context.github(),
    version,
    bump: options.bump,
    push: options.push,
    fetchRemote: options.fetch,
    dryRun: options.dryRun,
  });
  context.logger.result(result, startSummary(result, config.git.tagPrefix));
  return 0;
}

/** `reletan release finish` / `reletan hotfix finish`. */
export async function finish(
  context: AppContext,
  kind: FlowKind,
  version: string | undefined,
  options: FinishOptions,
): Promise<number> {
  const { config } = await context.loadConfig();
  const result = await finishFlow({
    kind,
    git: await repository(context),
    config,
    logger: context.logger,
    env: context.env,
    github: context.github(),
    version,
    push: options.push,
    keep: options.keep,
    message: options.message,
    githubRelease: options.githubRelease,
    fetchRemote: options.fetch,
    dryRun: options.dryRun,
  });
  context.logger.result(result, finishSummary(result, config));
  return 0;
}

/** `reletan release notes`. */
export async function notes(context: AppContext, options: NotesOptions): Promise<number> {
  const { config } = await context.loadConfig();
  const result = await releaseNotes({
    git: await repository(context),
    config,
    logger: context.logger,
    env: context.env,
    github: context.github(),
    from: options.from,
    to: options.to,
  });
  const format = { tagPrefix: config.git.tagPrefix, groups: config.release.notes.groups };
  const human =
    options.format === 'json'
      ? JSON.stringify(result, null, 2)
      : options.format === 'slack'
        ? formatSlack(result, format)
        : formatMarkdown(result, format);
  context.logger.result(result, human);
  return 0;
}

async function repository(context: AppContext): Promise<GitRunner> {
  const git = context.git();
  const inside = await git.run(['rev-parse', '--is-inside-work-tree'], { allowFailure: true });
  if (inside.exitCode !== 0 || inside.stdout.trim() !== 'true') {
    throw usageError('NOT_A_GIT_REPOSITORY', `${context.cwd} is not inside a git working tree`, {
      hint: 'run reletan in your project, or point --cwd at it',
    });
  }
  return git;
}

function operationsBlock(title: string, operations: readonly string[]): string[] {
  return [title, ...operations.map((line) => `  ${line}`)];
}

function pullRequestLines(result: Pick<StartFlowResult, 'notes'>): string[] {
  const { pullRequests, from } = result.notes;
  const since = from ? `since ${from}` : 'in the whole history (no earlier release)';
  if (pullRequests.length === 0) return [`No pull requests merged ${since}.`];
  return [
    `Pull requests merged ${since} (${pullRequests.length}):`,
    ...pullRequests.map((pr) => `  #${pr.number} ${pr.title}${pr.author ? ` (@${pr.author})` : ''}`),
  ];
}

function startSummary(result: StartFlowResult, tagPrefix: string): string {
  if (result.dryRun) {
    return [
      ...operationsBlock(`dry run: ${result.kind} ${result.version} would run, in order:`, result.operations),
      '',
      ...pullRequestLines(result),
    ].join('\n');
  }
  return [
    `✓ created ${result.branch} from ${result.base}${result.pushed ? ' and pushed it' : ''}; you are on ${result.branch}`,
    '',
    ...pullRequestLines(result),
    '',
    `next: commit the version bump${result.kind === 'hotfix' ? ' and the fix' : ''}, then "reletan ${result.kind} finish ${result.version}" (tag ${tagPrefix}${result.version})`,
  ].join('\n');
}

function finishSummary(
  result: FinishFlowResult,
  config: { git: { mainBranch: string; developBranch: string; remote: string } },
): string {
  if (result.dryRun) {
    const lines = operationsBlock(
      `dry run: finishing ${result.branch} would run, in order:`,
      result.operations,
    );
    if (result.alreadyDone.length)
      lines.push('already done by an earlier finish:', ...result.alreadyDone.map((line) => `  ${line}`));
    return lines.join('\n');
  }
  const { mainBranch, developBranch, remote } = config.git;
  const lines = [`✓ finished ${result.kind} ${result.version}`];
  for (const line of result.alreadyDone) lines.push(`- ${line} (earlier run)`);
  lines.push(
    `- ${result.branch} is merged into ${mainBranch}, tagged ${result.tag}, and ${result.tag} is merged into ${developBranch}`,
  );
  if (result.pushed) {
    lines.push(
      `- ${mainBranch}, ${developBranch} and ${result.tag} are pushed to ${remote} (one atomic push)${result.remoteBranchDeleted ? `, which deleted ${result.branch} there` : ''}`,
    );
  } else {
    if (result.remoteBranchDeleted) lines.push(`- ${result.branch} is deleted on ${remote}`);
    // The finish cannot be rerun for this (its branch is gone): the push to run by hand.
    lines.push(
      `- ${mainBranch}, ${developBranch} and ${result.tag} are not pushed yet: "git push --atomic ${remote} refs/heads/${mainBranch} refs/heads/${developBranch} refs/tags/${result.tag}"`,
    );
  }
  if (result.githubRelease) {
    lines.push(
      result.githubRelease.created
        ? `- GitHub release created: ${result.githubRelease.url ?? result.tag}`
        : '- the GitHub release already existed',
    );
  }
  if (result.slackPosted) lines.push('- release notes posted to Slack');
  lines.push(`- you are on ${developBranch}`, '', ...pullRequestLines(result));
  return lines.join('\n');
}
