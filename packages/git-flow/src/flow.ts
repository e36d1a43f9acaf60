import type { ReletanConfig } from '@reletan/config';
import {
  type GitRunner,
  type HintAction,
  type Logger,
  type Plan,
  type PlanReport,
  planReportOf,
  ReletanError,
  type RunJournal,
  runPlan,
  type StepReport,
  usageError,
} from '@reletan/core';
import { type GitHubAccess, resolveGitHubToken } from '@reletan/github';
import { createSlackNotifier } from '@reletan/slack';
import { openFinishJournal, SLACK_POSTED } from './finish-journal.js';
import {
  type FinishFacts,
  type FlowKind,
  flowBase,
  flowBranches,
  flowPrefix,
  flowVersion,
  planFinish,
  planStart,
} from './flow-plan.js';
import { resolveGitHubTarget } from './github-access.js';
import { createGitHubRelease, type GitHubReleaseResult } from './github-release.js';
import { buildReleaseNotes, lastReleaseReachableFrom, notesTitle, type ReleaseNotes } from './notes.js';
import { formatMarkdown, formatSlack } from './notes-format.js';
import { type FlowServices, finishAgain, gitCommandLine } from './operations.js';
import {
  changedFiles,
  compareCommits,
  currentBranch,
  type Divergence,
  hasRemote,
  isAncestor,
  mergeInProgress,
  type RefSnapshot,
  readRefs,
  secondParent,
} from './repo-state.js';
import type { VersionBump } from './versions.js';

/** The parts of the reletan config the flows read. */
export type FlowConfig = Pick<ReletanConfig, 'git' | 'github' | 'release' | 'notify'>;

export interface FlowOptions {
  /** The repository's git runner (see `createGitRunner`). */
  git: GitRunner;
  /** The reletan config (defaults applied, e.g. by `loadConfig` or `validateConfig({})`). */
  config: FlowConfig;
  /** Progress and warnings; secrets found on the way are registered with it. */
  logger?: Logger | undefined;
  /** Environment for GitHub (`GITHUB_TOKEN`, `GH_TOKEN`, `GITHUB_API_URL`) and Slack. @default process.env */
  env?: NodeJS.ProcessEnv | undefined;
  /** How the run reaches GitHub (tests aim one at nock). @default `createGitHubAccess` from `env` */
  github?: GitHubAccess | undefined;
  /**
   * Fetch `git.remote` (with `--prune`) before checking that branches are up to date. Without it, a finish
   * still fetches the flow branch itself when the remote has a copy, as git-flow AVH does. @default false
   */
  fetchRemote?: boolean | undefined;
  /** Print the operations, change nothing. @default false */
  dryRun?: boolean | undefined;
}

export interface StartFlowOptions extends FlowOptions {
  kind: FlowKind;
  /** The version; with or without the tag prefix. @default the last release bumped by `bump` */
  version?: string | undefined;
  /** @default "minor" for a release, "patch" for a hotfix */
  bump?: VersionBump | undefined;
  /** Push the new branch and set its upstream. @default false */
  push?: boolean | undefined;
}

export interface StartFlowResult {
  kind: FlowKind;
  version: string;
  branch: string;
  base: string;
  tag: string;
  dryRun: boolean;
  /** The operations run (or, with `dryRun`, that would run), as command lines. */
  operations: string[];
  /** The plan's steps: run, or planned in a dry run, with their durations. */
  steps: StepReport[];
  /** The branch was pushed (with `push`, not in a dry run). */
  pushed: boolean;
  /** The pull requests merged since the last release. */
  notes: ReleaseNotes;
}

/** `release start` / `hotfix start`: checks the repository, creates the branch from its base, optionally pushes it. */
export async function startFlow(options: StartFlowOptions): Promise<StartFlowResult> {
  const { git, config, kind } = options;
  const base = flowBase(kind, config.git);
  const operations: string[] = [];
  const fetched = await fetchFirst(options, operations);
  const refs = await readRefs(git, config.git.remote);
  const [dirty, merging, remoteConfigured] = await Promise.all([
    changedFiles(git),
    mergeInProgress(git),
    hasRemote(git, config.git.remote),
  ]);
  const plan = planStart({
    kind,
    git: config.git,
    refs,
    dirty,
    mergeInProgress: merging,
    baseDivergence: await divergenceFromRemote(git, refs, base),
    lastReachable: refs.heads.has(base)
      ? await lastReleaseReachableFrom(git, base, config.git.tagPrefix)
      : undefined,
    requestedVersion: options.version,
    bump: options.bump,
    push: options.push ?? false,
    fetched,
    remoteConfigured,
  });
  const report = await runFlowPlan(options, plan, operations, {
    git,
    flow: { kind, command: 'start', version: plan.version, git: config.git },
    publishGitHubRelease: async () => {},
    postToSlack: async () => {},
    journal: undefined,
  });
  const notes = await buildReleaseNotes({
    git,
    config,
    logger: options.logger,
    target: await resolveGitHubTarget({
      git,
      config,
      env: options.env ?? process.env,
      logger: options.logger,
      github: options.github,
    }),
    offline: options.dryRun === true,
    from: plan.previous?.tag,
    to: plan.base,
    version: plan.version,
  });
  return {
    kind,
    version: plan.version,
    branch: plan.branch,
    base: plan.base,
    tag: plan.tag,
    dryRun: options.dryRun === true,
    operations,
    steps: report.steps,
    pushed: options.push === true && options.dryRun !== true,
    notes: { ...notes, to: plan.branch },
  };
}

export interface FinishFlowOptions extends FlowOptions {
  kind: FlowKind;
  /** The version being finished. @default the one branch of this kind in progress */
  version?: string | undefined;
  /** Push main, develop, the tag and the remote branch's deletion in one `git push --atomic`. @default false */
  push?: boolean | undefined;
  /** Keep the branch (local and remote) after finishing. @default false */
  keep?: boolean | undefined;
  /** The tag's message. @default the release notes' title, e.g. "Release v1.2.0" */
  message?: string | undefined;
  /** Create the GitHub Release of the tag with the notes (needs `push` and a token). @default false */
  githubRelease?: boolean | undefined;
  /** Slack webhook calls. @default the global fetch */
  fetch?: typeof fetch | undefined;
  /** Where the finish records what git cannot show (the Slack post). @default the repository's git config */
  journal?: RunJournal | undefined;
}

export interface FinishFlowResult {
  kind: FlowKind;
  version: string;
  tag: string;
  branch: string;
  dryRun: boolean;
  /** Steps a previous, interrupted finish had done, which were not done again. */
  alreadyDone: string[];
  operations: string[];
  /** The plan's steps: run, or planned in a dry run, with their durations. */
  steps: StepReport[];
  /** main, develop and the tag were pushed (with `push`, not in a dry run). */
  pushed: boolean;
  /** The flow branch was deleted on the remote (it had been pushed; not with `keep`, not in a dry run). */
  remoteBranchDeleted: boolean;
  githubRelease?: GitHubReleaseResult;
  /** The notes were posted to Slack by this run (an earlier run's post is in `alreadyDone`). */
  slackPosted: boolean;
  notes: ReleaseNotes;
}

/**
 * `release finish` / `hotfix finish`, as git-flow AVH does it by default, resumable: rerunning a finish that
 * stopped (a conflict, a rejected push) does only what is left.
 */
export async function finishFlow(options: FinishFlowOptions): Promise<FinishFlowResult> {
  const { git, config, kind } = options;
  const { mainBranch, developBranch, remote } = config.git;
  const env = options.env ?? process.env;
  if (options.githubRelease && !options.push) {
    throw usageError('GITHUB_RELEASE_NEEDS_PUSH', 'the GitHub release needs the finish to push the tag', {
      hint: 'GitHub can only publish a tag it has: {push}',
      actions: { push: { type: 'option', name: 'push', words: 'push as well' } },
    });
  }
  if (options.githubRelease && !(options.github?.token ?? resolveGitHubToken(env))) {
    throw usageError(
      'GITHUB_TOKEN_MISSING',
      'the GitHub release needs a GitHub token: set GITHUB_TOKEN or GH_TOKEN',
      {
        hint: "create a token that can write releases (or use the CI job's token) and export it as GITHUB_TOKEN",
      },
    );
  }
  const target = await resolveGitHubTarget({
    git,
    config,
    env,
    logger: options.logger,
    github: options.github,
  });
  // Checked before anything changes: a GitHub release needs a repository on a host the configured API serves.
  if (options.githubRelease && target.unavailable) throw target.unavailable;
  const operations: string[] = [];
  const fetched = await fetchFirst(options, operations);
  let refs = await readRefs(git, remote);
  const { branch, tip, version, tag } = chooseBranch(kind, options, refs);
  // As git-flow AVH does, the flow branch is always fetched when the remote has a copy: commits pushed
  // there by a teammate must stop the finish, not vanish when the branch is deleted on the remote.
  const branchFetched =
    !options.fetchRemote && refs.remoteBranches.has(branch)
      ? await fetchFlowBranch(options, branch, finishAgain(kind, version), operations)
      : false;
  if (branchFetched) refs = await readRefs(git, remote);
  const [dirty, merging, remoteConfigured, head] = await Promise.all([
    changedFiles(git),
    mergeInProgress(git),
    hasRemote(git, remote),
    currentBranch(git),
  ]);
  const main = refs.heads.get(mainBranch);
  const develop = refs.heads.get(developBranch);
  const divergence = new Map<string, Divergence>();
  for (const name of [branch, mainBranch, developBranch]) {
    const value = await divergenceFromRemote(git, refs, name);
    if (value) divergence.set(name, value);
  }
  const existingTag = refs.tags.get(tag);
  let tagState: FinishFacts['tagState'] = 'absent';
  if (existingTag) {
    // An earlier finish leaves exactly this: an annotated tag on main's --no-ff merge of this tip. Any
    // other tag of that name (lightweight, on the tip itself, elsewhere) was made by someone else.
    const madeByFinish =
      existingTag.annotated &&
      main !== undefined &&
      (await isAncestor(git, existingTag.commit, main)) &&
      (await secondParent(git, existingTag.commit)) === tip;
    tagState = madeByFinish ? 'this-branch' : 'other';
  }
  // main may be missing: planFinish refuses that, naming it.
  const mergedIntoMain = main !== undefined && (await isAncestor(git, tip, main));
  const onMainline = mergedIntoMain && (await isOnFirstParentLine(git, tip, mainBranch));
  const againstMain = main !== undefined ? await compareCommits(git, tip, main) : 'unrelated';
  const tagMergedIntoDevelop =
    existingTag !== undefined &&
    develop !== undefined &&
    (await isAncestor(git, existingTag.commit, develop));

  const message = options.message ?? notesTitle({ version }, config.git.tagPrefix);
  const { repository, github } = target;
  const slackVariable = config.notify.slackWebhookEnv;
  const slackUrl = slackVariable ? env[slackVariable] : undefined;
  if (slackUrl) options.logger?.secret(slackUrl);
  const journal = options.journal ?? (await openFinishJournal(git, tag));
  const slackDone = slackVariable !== undefined && journal.finished(SLACK_POSTED) !== undefined;

  const plan = planFinish({
    kind,
    git: config.git,
    refs,
    branch,
    version,
    tag,
    currentBranch: head,
    dirty,
    mergeInProgress: merging,
    divergence,
    mergedIntoMain,
    onMainline,
    againstMain,
    tagState,
    tagMergedIntoDevelop,
    push: options.push ?? false,
    keep: options.keep ?? false,
    fetched,
    branchFetched,
    remoteConfigured,
    message,
    githubRelease:
      options.githubRelease && repository && github
        ? { repository: `${repository.owner}/${repository.name}` }
        : undefined,
    slackVariable: slackUrl ? slackVariable : undefined,
    slackPosted: slackDone,
  });

  // After the refusals, so a finish that does nothing does not warn about what it would not post.
  if (slackVariable && !slackUrl && !slackDone) {
    options.logger?.warn(
      `notify.slackWebhookEnv names ${slackVariable}, which is not set: the release notes are not posted to Slack`,
    );
  }

  // The notes of what this branch ships: from the release before it to the branch itself.
  const previous = await lastReleaseReachableFrom(git, branch, config.git.tagPrefix, plan.tag);
  const notes = await buildReleaseNotes({
    git,
    config,
    logger: options.logger,
    target,
    offline: options.dryRun === true,
    from: previous?.tag,
    to: branch,
    version: plan.version,
  });

  let githubRelease: GitHubReleaseResult | undefined;
  let slackPosted = false;
  const report = await runFlowPlan(options, plan, operations, {
    git,
    flow: { kind, command: 'finish', version: plan.version, git: config.git },
    journal,
    publishGitHubRelease: async () => {
      if (!repository || !github) return;
      githubRelease = await createGitHubRelease({
        github,
        repository,
        tag: plan.tag,
        name: notesTitle(notes, config.git.tagPrefix),
        body: formatMarkdown(notes, {
          tagPrefix: config.git.tagPrefix,
          groups: config.release.notes.groups,
          heading: false,
        }),
        prerelease: plan.version.includes('-'),
      });
    },
    postToSlack: async () => {
      if (!slackUrl) return;
      const slack = createSlackNotifier({ url: slackUrl, logger: options.logger, fetch: options.fetch });
      await slack.post({
        text: formatSlack(notes, { tagPrefix: config.git.tagPrefix, groups: config.release.notes.groups }),
      });
      slackPosted = true;
    },
  });
  return {
    kind,
    version: plan.version,
    tag: plan.tag,
    branch,
    dryRun: options.dryRun === true,
    alreadyDone: plan.done,
    operations,
    steps: report.steps,
    pushed: plan.pushes && options.dryRun !== true,
    remoteBranchDeleted: plan.deletesRemoteBranch && options.dryRun !== true,
    ...(githubRelease ? { githubRelease } : {}),
    slackPosted,
    notes,
  };
}

/** The branch a finish works on (the one named, else the only one of its kind in progress), its tip and version. */
function chooseBranch(
  kind: FlowKind,
  options: FinishFlowOptions,
  refs: RefSnapshot,
): { branch: string; tip: string; version: string; tag: string } {
  const { config } = options;
  const prefix = flowPrefix(kind, config.git);
  const local = flowBranches(kind, config.git, refs, 'local');
  let branch: string;
  if (options.version !== undefined) {
    let requested = options.version.trim();
    if (
      !refs.heads.has(`${prefix}${requested}`) &&
      config.git.tagPrefix &&
      requested.startsWith(config.git.tagPrefix)
    ) {
      requested = requested.slice(config.git.tagPrefix.length);
    }
    branch = `${prefix}${requested}`;
    if (!refs.heads.has(branch)) {
      throw new ReletanError({
        code: kind === 'release' ? 'RELEASE_NOT_FOUND' : 'HOTFIX_NOT_FOUND',
        message: `there is no local branch ${branch}`,
        hint: local.length
          ? `${kind}s in progress: ${local.join(', ')}`
          : refs.remoteBranches.has(branch)
            ? `check it out from the remote first: "git checkout ${branch}"`
            : '{start}',
        actions: { start: startAction(kind) },
      });
    }
  } else if (local.length === 1) {
    branch = local[0] as string;
  } else if (local.length === 0) {
    const remote = flowBranches(kind, config.git, refs, 'local-or-remote');
    throw new ReletanError({
      code: kind === 'release' ? 'NO_RELEASE_IN_PROGRESS' : 'NO_HOTFIX_IN_PROGRESS',
      message: `no ${kind} is in progress (no local ${prefix}* branch)`,
      hint: remote.length ? `check it out from the remote first: "git checkout ${remote[0]}"` : '{start}',
      actions: { start: startAction(kind) },
    });
  } else {
    throw usageError('VERSION_REQUIRED', `several ${kind}s are in progress: ${local.join(', ')}`, {
      hint: 'name the one to finish: {finish}',
      actions: { finish: finishAgain(kind, (local[0] ?? '').slice(prefix.length)) },
    });
  }
  return { branch, tip: refs.heads.get(branch) as string, ...flowVersion(kind, config.git, branch) };
}

function startAction(kind: FlowKind): HintAction {
  return { type: 'run', command: [kind, 'start'], words: `start a ${kind}` };
}

async function fetchFirst(options: FlowOptions, operations: string[]): Promise<boolean> {
  if (!options.fetchRemote) return false;
  const args = ['fetch', '--quiet', '--prune', options.config.git.remote];
  operations.push(gitCommandLine(args));
  // A dry run changes nothing, not even remote-tracking branches: its checks use the last fetch.
  if (options.dryRun) return false;
  if (!(await hasRemote(options.git, options.config.git.remote))) {
    throw new ReletanError({
      code: 'REMOTE_MISSING',
      message: `there is no remote "${options.config.git.remote}" to fetch from`,
      hint: 'set git.remote in the reletan config, or {noFetch}',
      actions: { noFetch: { type: 'option', name: 'fetchRemote', use: 'omit', words: 'do not fetch' } },
    });
  }
  options.logger?.progress(`fetching ${options.config.git.remote}`);
  await options.git.run(args);
  return true;
}

/** Fetches one branch into its remote-tracking ref; false in a dry run, which changes nothing. */
async function fetchFlowBranch(
  options: FlowOptions,
  branch: string,
  rerun: HintAction & { type: 'run' },
  operations: string[],
): Promise<boolean> {
  const { remote } = options.config.git;
  const args = ['fetch', '--quiet', remote, `+refs/heads/${branch}:refs/remotes/${remote}/${branch}`];
  const line = gitCommandLine(args);
  operations.push(line);
  if (options.dryRun) return false;
  options.logger?.progress(`fetching ${branch} from ${remote}`);
  const result = await options.git.run(args, { allowFailure: true });
  if (result.exitCode !== 0) {
    throw new ReletanError({
      code: 'FETCH_FAILED',
      message: `could not fetch ${branch} from ${remote} to check that the finish loses none of its commits`,
      details: (result.stderr.trim() || result.stdout.trim()).split('\n'),
      input: { command: line },
      hint: `if ${branch} was deleted on ${remote}, {rerunFetching} (it prunes ${remote}/${branch}); otherwise check that ${remote} can be reached, then {rerun} again`,
      actions: {
        rerun,
        rerunFetching: {
          ...rerun,
          options: { fetchRemote: true },
          words: `${rerun.words}, fetching ${remote} first`,
        },
      },
    });
  }
  return true;
}

async function divergenceFromRemote(
  git: GitRunner,
  refs: RefSnapshot,
  branch: string,
): Promise<Divergence | undefined> {
  const local = refs.heads.get(branch);
  const remote = refs.remoteBranches.get(branch);
  if (local === undefined || remote === undefined) return undefined;
  return compareCommits(git, local, remote);
}

/** Whether `commit` is on `branch`'s first-parent line (it was committed there, not merged in). */
async function isOnFirstParentLine(git: GitRunner, commit: string, branch: string): Promise<boolean> {
  const output = await git.output(['rev-list', '--first-parent', branch]);
  return output.split('\n').includes(commit);
}

/**
 * Runs a flow's plan through core's runPlan (or describes it, in a dry run), adding each step's line to
 * `operations` as it starts, so a failed step is listed too.
 */
async function runFlowPlan(
  options: FlowOptions,
  plan: Plan<FlowServices>,
  operations: string[],
  services: FlowServices,
): Promise<PlanReport> {
  const record = (report: PlanReport | undefined) => {
    for (const step of report?.steps ?? []) if (step.status !== 'not-run') operations.push(step.description);
  };
  try {
    const report = await runPlan(plan, { services, dryRun: options.dryRun, logger: options.logger });
    record(report);
    return report;
  } catch (error) {
    record(planReportOf(error));
    throw error;
  }
}
