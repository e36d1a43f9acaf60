import {
  escapeRegExp,
  type GitRunner,
  type JournalRecord,
  type JournalStore,
  openRunJournal,
  type RunJournal,
} from '@reletan/core';

/**
 * The journal of a finish lives in the repository itself. Most of its steps need no record: planFinish
 * reads their effects from git (merged into main? tagged? merged into develop?). The one effect git cannot
 * show, the Slack post, is recorded in git config, `reletan.<tag>.<step>`, through the same JournalStore
 * interface deploys use with their file and S3 stores: a rerun after a later step failed never posts twice.
 */
export const SLACK_POSTED = 'slackPosted';

/** The git config key of a step of a run: `reletan.v1.2.0.slackPosted`. */
export function gitConfigJournalKey(run: string, stepId: string): string {
  return `reletan.${run}.${stepId}`;
}

/** Opens the finish journal of `tag`. */
export function openFinishJournal(git: GitRunner, tag: string): Promise<RunJournal> {
  return openRunJournal(createGitConfigJournalStore(git), tag);
}

/**
 * A JournalStore in a repository's git config: each finished step is `reletan.<run>.<step> = true`. It
 * keeps which steps finished, not their outputs or times (git config holds flags, not documents).
 */
export function createGitConfigJournalStore(git: GitRunner): JournalStore {
  const entries = async (pattern: string): Promise<[string, string][]> => {
    const result = await git.run(['config', '--get-regexp', pattern], { allowFailure: true });
    // Exit 1: no such key.
    if (result.exitCode !== 0) return [];
    return result.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const space = line.indexOf(' ');
        return space === -1 ? [line, ''] : [line.slice(0, space), line.slice(space + 1)];
      });
  };
  return {
    location: `${git.cwd} (git config reletan.*)`,
    async read(run) {
      const prefix = `reletan.${run}.`;
      const found = await entries(`^${escapeRegExp(prefix)}[^.]+$`);
      if (found.length === 0) return undefined;
      const steps: JournalRecord['steps'] = {};
      for (const [key, value] of found) {
        if (value !== 'true') continue;
        // git lowercases variable names: the step ids are matched back case-insensitively.
        const stepId = key.slice(prefix.length);
        steps[stepId.toLowerCase() === SLACK_POSTED.toLowerCase() ? SLACK_POSTED : stepId] = {
          stepId,
          description: `git config ${key} true`,
          finishedAt: '',
        };
      }
      return { run, startedAt: '', updatedAt: '', steps };
    },
    async write(record) {
      for (const stepId of Object.keys(record.steps)) {
        await git.run(['config', gitConfigJournalKey(record.run, stepId), 'true']);
      }
    },
    async remove(run) {
      await git.run(['config', '--remove-section', `reletan.${run}`], { allowFailure: true });
    },
    async list() {
      const runs = new Set<string>();
      for (const [key] of await entries('^reletan\\.')) {
        const rest = key.slice('reletan.'.length);
        const dot = rest.lastIndexOf('.');
        if (dot > 0) runs.add(rest.slice(0, dot));
      }
      return [...runs].sort();
    },
  };
}
