import type { GitConfig } from '@reletan/config';
import {
  type GitRunner,
  type HintAction,
  ReletanError,
  type RunJournal,
  type Step,
  type StepContext,
} from '@reletan/core';
import { gitConfigJournalKey } from './finish-journal.js';
import type { FlowKind } from './flow-plan.js';
import { conflictedFiles } from './repo-state.js';

/** Which flow a plan belongs to: its errors say how to continue it. */
export interface FlowIdentity {
  kind: FlowKind;
  command: 'start' | 'finish';
  version: string;
  git: GitConfig;
}

/** What the steps of a flow act through. */
export interface FlowServices {
  git: GitRunner;
  flow: FlowIdentity;
  /** Creates the GitHub Release of the tag (the notes are known only when the plan runs). */
  publishGitHubRelease(): Promise<void>;
  /** Posts the release notes to Slack. */
  postToSlack(): Promise<void>;
  /** The finish's journal (in the repository's git config, see finish-journal.ts). */
  journal: RunJournal | undefined;
}

/** A step of a flow, with the data tests and `--dry-run` read; `run` does it through the services. */
export type FlowStep =
  | (Step<FlowServices> & { readonly type: 'git'; readonly args: string[] })
  | (Step<FlowServices> & {
      readonly type: 'github-release';
      readonly repository: string;
      readonly tag: string;
    })
  | (Step<FlowServices> & { readonly type: 'slack'; readonly variable: string });

/** A word as a POSIX shell would need it typed, so printed commands can be pasted. */
function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_/.:@%+=,^-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The line `--dry-run` prints for a git command. */
export function gitCommandLine(args: readonly string[]): string {
  return `git ${args.map(shellQuote).join(' ')}`;
}

/** The steps of a plan, numbered into ids (a flow may run the same git command twice, e.g. two checkouts). */
export class FlowSteps {
  readonly steps: FlowStep[] = [];

  git(args: string[]): void {
    const line = gitCommandLine(args);
    this.steps.push({
      type: 'git',
      args,
      id: this.#id(`git ${args[0]}`),
      describe: () => line,
      run: (context) => runGitStep(context, args, line),
    });
  }

  githubRelease(repository: string, tag: string): void {
    this.steps.push({
      type: 'github-release',
      repository,
      tag,
      id: this.#id('github-release'),
      describe: () => `POST /repos/${repository}/releases (tag_name ${tag})`,
      run: (context) => context.publishGitHubRelease(),
    });
  }

  slack(variable: string): void {
    this.steps.push({
      type: 'slack',
      variable,
      id: this.#id('slack'),
      describe: () => `POST the release notes to the Slack webhook in $${variable}`,
      run: (context) => context.postToSlack(),
    });
  }

  /**
   * Records in the finish's journal that `stepId` is done: written to git config, and shown as the git
   * command it amounts to, so `--dry-run` and the operations list say exactly what changes.
   */
  record(run: string, stepId: string): void {
    const args = ['config', gitConfigJournalKey(run, stepId), 'true'];
    const line = gitCommandLine(args);
    this.steps.push({
      type: 'git',
      args,
      id: this.#id(`record ${stepId}`),
      describe: () => line,
      run: async (context) => {
        if (context.journal) await context.journal.record(stepId, line);
        else await runGitStep(context, args, line);
      },
    });
  }

  #id(name: string): string {
    return `${this.steps.length + 1}:${name}`;
  }
}

/** Running the same finish again (it continues where it stopped), with `options` (e.g. `{ push: true }`). */
export function finishAgain(
  kind: FlowKind,
  version: string,
  options?: Readonly<Record<string, true>>,
): HintAction & { type: 'run' } {
  return {
    type: 'run',
    command: [kind, 'finish', version],
    ...(options ? { options } : {}),
    words: `finish ${kind} ${version}${options?.push ? ' with the push' : ''}`,
  };
}

/** Runs a git step; a failure says what happened and how to continue (a rerun completes a finish). */
async function runGitStep(context: StepContext<FlowServices>, args: string[], line: string): Promise<void> {
  const { git, flow } = context;
  const result = await git.run(args, { allowFailure: true });
  if (result.exitCode === 0) return;
  const output = (result.stderr.trim() || result.stdout.trim()).split('\n');
  if (flow.command === 'start') {
    const pushing = args[0] === 'push';
    throw new ReletanError({
      code: pushing ? 'PUSH_REJECTED' : 'GIT_FAILED',
      message: `${line} failed${pushing ? `; the branch was created locally` : ''}`,
      details: output,
      input: { command: line },
      hint: pushing ? `fix what the remote refused, then push it: "${line}"` : undefined,
    });
  }
  const rerun = finishAgain(flow.kind, flow.version);
  if (args[0] === 'merge') {
    const files = await conflictedFiles(git);
    if (files.length > 0) {
      throw new ReletanError({
        code: 'MERGE_CONFLICT',
        message: `${line} stopped on conflicts in ${files.length} file${files.length === 1 ? '' : 's'}: ${files.join(', ')}`,
        details: files,
        input: { command: line },
        hint: 'resolve them, "git add" them and "git commit", then {rerun} again: it continues from here',
        actions: { rerun },
      });
    }
  }
  if (args[0] === 'push') {
    const stale = output.some((text) => text.includes('(stale info)'));
    throw new ReletanError({
      code: 'PUSH_REJECTED',
      message: `${line} was rejected; the remote is unchanged`,
      details: output,
      input: { command: line },
      hint: stale
        ? staleBranchHint(flow)
        : 'fix what the remote refused, then {rerun} again: the merges and the tag are done and are not redone',
      actions: {
        rerun:
          args.includes('--atomic') && !stale ? finishAgain(flow.kind, flow.version, { push: true }) : rerun,
      },
    });
  }
  throw new ReletanError({
    code: 'GIT_FAILED',
    message: `${line} failed`,
    details: output,
    input: { command: line },
    ...(args[0] === 'checkout' && args[1] === '-b'
      ? {}
      : { hint: 'fix the cause, then {rerun} again', actions: { rerun } }),
  });
}

/**
 * The lease on the remote flow branch failed: someone pushed to it after the finish checked it. Their
 * commits are not in the local merges and tag, which must be undone before the branch is finished again.
 */
function staleBranchHint(flow: FlowIdentity): string {
  const { git, kind, version } = flow;
  const branch = `${kind === 'release' ? git.releasePrefix : git.hotfixPrefix}${version}`;
  const tag = `${git.tagPrefix}${version}`;
  const { remote, mainBranch, developBranch } = git;
  return `${branch} changed on ${remote} after the finish checked it (someone pushed to it), so nothing was pushed and their commits are not in the release. To include them, undo the local finish ("git checkout ${branch}", "git tag -d ${tag}", "git branch -f ${mainBranch} ${remote}/${mainBranch}", "git branch -f ${developBranch} ${remote}/${developBranch}"), "git pull ${remote} ${branch}", then {rerun} again`;
}
