import { type CommandGroup, dryRunOption, lazyAction } from '@reletan/cli-kit/bin';

export const automerge: CommandGroup = {
  name: 'automerge',
  term: 'automerge [options] <pr>',
  description:
    'merge a pull request when it is approved and GitHub says it is mergeable, pinned to the head sha that was checked',
  define(command, commander) {
    command
      .argument(
        '<pr>',
        'the pull request: its URL, or its number in the repository of the config or git origin',
      )
      .option(
        '--expected-sha <sha>',
        "merge only while the PR's head is this commit (e.g. the one CI tested)",
      )
      .addOption(dryRunOption(commander, 'decide and print what would happen, write nothing'))
      .action(
        lazyAction(async (context, args, options) =>
          (await import('../commands/automerge.js')).automerge(context, { ...options, pr: String(args[0]) }),
        ),
      );
  },
};
