import type { ReletanConfig } from '@reletan/config';
import {
  type CiContext,
  type CiProvider,
  type Clock,
  detectCiContext,
  type GitRunner,
  type Logger,
} from '@reletan/core';
import { createGitHubAccess, type GitHubAccess } from '@reletan/github';
import { autoMerge, type KeepBranches } from './auto-merge.js';
import { findPullRequest } from './find-pull-request.js';
import type { PullRequestTarget } from './pull-request-input.js';
import { actionsTokenWarning } from './token-warning.js';
import type { AutoMergeResult, MergePolicy } from './types.js';

export interface RunAutoMergeOptions {
  pullRequest: PullRequestTarget;
  policy: MergePolicy;
  /** Where the token (`GITHUB_TOKEN`, else `GH_TOKEN`) and `GITHUB_API_URL` come from. @default process.env */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** @default false */
  dryRun?: boolean;
  /** How the run reaches GitHub. @default `createGitHubAccess` from `env`, with `logger` */
  github?: GitHubAccess;
  /** The waits between re-reads of an unknown mergeability. @default the system clock */
  clock?: Clock;
  /** Stops a wait (Ctrl-C). */
  signal?: AbortSignal;
  /** Branches `deleteBranch` never deletes, besides the repository's default one. @default none */
  keepBranches?: KeepBranches;
  /** The CI this runs in, for the GitHub Actions token warning. @default detected from `env`, after a write */
  ciProvider?: CiProvider;
}

/**
 * {@link autoMerge} with a GitHub client made from the environment: the token (a missing one is a usage
 * error, exit 2) registered as a secret and sent only to the API that serves the PR's host (api.github.com
 * for github.com, else `GITHUB_API_URL` on that same host; any other host is a usage error, exit 2, before
 * any request), and a warning when a GitHub Actions job writes with its own `GITHUB_TOKEN`.
 */
export async function runAutoMerge(options: RunAutoMergeOptions): Promise<AutoMergeResult> {
  const env = options.env ?? process.env;
  const { pullRequest, logger } = options;
  const access = options.github ?? createGitHubAccess({ env, ...(logger ? { logger } : {}) });
  // The access resolved the token once: its client registers it as a secret, and the warning below looks
  // at what kind it is.
  const token = access.token?.token;
  const github = await access.client(pullRequest.host, `the pull request ${pullRequest.url}`);
  const result = await autoMerge({
    github,
    pullRequest,
    policy: options.policy,
    dryRun: options.dryRun ?? false,
    ...(logger ? { logger } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.keepBranches ? { keepBranches: options.keepBranches } : {}),
  });
  // Only what this run pushed starts no workflow: a dry run, a wait or someone else's merge pushed nothing.
  const wrote = !result.dryRun && (result.merged || result.action === 'updated-branch');
  if (wrote && token) {
    const provider =
      options.ciProvider ??
      (await detectCiContext({ env }).then(
        (ci) => ci.provider,
        () => undefined,
      ));
    const warning = provider && actionsTokenWarning(provider, token);
    if (warning) logger?.warn(warning);
  }
  return result;
}

export interface AutomergeWithConfigOptions
  extends Omit<RunAutoMergeOptions, 'pullRequest' | 'policy' | 'keepBranches'> {
  config: ReletanConfig;
  /** A PR URL or number (`--pr`, or the CLI's argument). Without it, the CI build's own PR. */
  input?: string;
  /**
   * `--expected-sha`: the full sha the PR's head must still be for the merge (e.g. the commit CI tested).
   * @default the commit the CI build checked, when the PR is the build's own; else none (sha pinning alone)
   */
  expectedSha?: string;
  /** Where git's `origin` names the repository of a bare number when nothing else does. @default process.cwd() */
  cwd?: string;
  /** The repository's git runner (the CLI's shows every command under --verbose). @default one in `cwd` */
  git?: GitRunner;
}

/**
 * What both bins run: the pull request (given, or the CI build's own; a bare number resolves in
 * `github.repository`, the CI's repository or git's origin) merged under the config's `automerge` policy,
 * never deleting the config's long-lived branches (`git.mainBranch`, `git.developBranch`, and those under
 * `git.releasePrefix` and `git.hotfixPrefix`).
 */
export async function automergeWithConfig(options: AutomergeWithConfigOptions): Promise<AutoMergeResult> {
  const { config, input, expectedSha, cwd, git, ...run } = options;
  // Detected once, when first needed: for the PR and the commit the build checked, then for the token warning.
  let detected: Promise<CiContext> | undefined;
  const detect = () =>
    (detected ??= detectCiContext({
      env: run.env ?? process.env,
      ...(cwd ? { cwd } : {}),
      ...(git ? { git } : {}),
    }));
  const pullRequest = await findPullRequest({
    ...(input === undefined ? {} : { input }),
    ...(expectedSha === undefined ? {} : { expectedSha }),
    ...(config.github.repository ? { repository: config.github.repository } : {}),
    ...(run.env ? { env: run.env } : {}),
    ...(cwd ? { cwd } : {}),
    ...(run.logger ? { logger: run.logger } : {}),
    detect,
  });
  // git-flow's long-lived branches are never deleted, whatever a PR's head is.
  const keepBranches = {
    names: [config.git.mainBranch, config.git.developBranch],
    prefixes: [config.git.releasePrefix, config.git.hotfixPrefix],
  };
  const { provider } = await detect();
  return runAutoMerge({ ...run, pullRequest, policy: config.automerge, keepBranches, ciProvider: provider });
}
