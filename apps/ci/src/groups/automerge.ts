import { type CommandGroup, dryRunOption, lazyAction } from '@reletan/cli-kit/bin';

export const automerge: CommandGroup = {
  name: 'automerge',
  term: 'automerge [options]',
  description:
    "merge this build's pull request when it is approved and GitHub says it is mergeable, pinned to the head sha that was checked",
  define(command, commander) {
    command
      .option(
        '--pr <url|number>',
        "the pull request (default: the CI build's own, from CircleCI or GitHub Actions)",
      )
      .option(
        '--expected-sha <sha>',
        "merge only while the PR's head is this commit (default: the one the CI build checked, for its own PR)",
      )
      .addOption(dryRunOption(commander, 'decide and print what would happen, write nothing'))
      .action(
        lazyAction(async (context, _args, options) =>
          (await import('../commands/automerge.js')).automerge(context, options),
        ),
      );
  },
};
