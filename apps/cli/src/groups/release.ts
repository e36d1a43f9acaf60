import { type CommandGroup, dryRunOption, formatOption, lazyAction } from '@reletan/cli-kit/bin';

type FlowKind = 'release' | 'hotfix';

/** `reletan release` and `reletan hotfix`: the same flows from different bases. */
function flowGroup(kind: FlowKind): CommandGroup {
  return {
    name: kind,
    description:
      kind === 'release'
        ? 'git-flow releases: start from develop, finish into main with a tag, list the pull requests'
        : 'git-flow hotfixes: start from main, finish into main and develop with a tag',
    define(group, commander) {
      group
        .command('start')
        .description(
          kind === 'release'
            ? `create release/VERSION from develop and check it out (VERSION: the last release with --bump, default minor)`
            : `create hotfix/VERSION from main and check it out (VERSION: the last release with --bump, default patch)`,
        )
        .argument('[version]', 'the version (semver), with or without the tag prefix')
        .addOption(
          new commander.Option('--bump <part>', 'which part of the last release to bump').choices([
            'major',
            'minor',
            'patch',
          ]),
        )
        .option('--push', 'push the new branch and set its upstream')
        .option('--fetch', 'fetch the remote first, then refuse a base branch behind or diverged from it')
        .addOption(dryRunOption(commander, 'print the git operations, in order, and change nothing'))
        .action(
          lazyAction(async (context, args, options) =>
            (await import('../commands/release.js')).start(
              context,
              kind,
              args[0] as string | undefined,
              options,
            ),
          ),
        );
      group
        .command('finish')
        .description(
          'merge into main (--no-ff), tag the merge, merge the tag into develop, delete the branch; a rerun completes a finish that stopped',
        )
        .argument('[version]', `the ${kind} to finish (default: the one in progress)`)
        .option('--push', 'push main, develop, the tag and the branch deletion in one atomic push')
        .option('--keep', 'keep the branch, locally and on the remote')
        .option('--message <text>', 'the tag message (default: the release notes title, "Release vVERSION")')
        .option(
          '--github-release',
          'create the GitHub Release of the tag with the notes (needs --push and a token)',
        )
        .option('--fetch', 'fetch the remote first, then refuse branches behind or diverged from it')
        .addOption(dryRunOption(commander, 'print the git operations, in order, and change nothing'))
        .action(
          lazyAction(async (context, args, options) =>
            (await import('../commands/release.js')).finish(
              context,
              kind,
              args[0] as string | undefined,
              options,
            ),
          ),
        );
      if (kind === 'release') {
        group
          .command('notes')
          .description('the pull requests in a release, from local history (a token adds authors and labels)')
          .option(
            '--from <tag>',
            'start after this tag or ref (default: the last release tag reachable from --to, and not on --to itself)',
          )
          .option('--to <ref>', 'end at this ref (default: the release branch in progress, else develop)')
          .addOption(formatOption(commander, ['markdown', 'json', 'slack'], 'output format', 'markdown'))
          .action(
            lazyAction(async (context, _args, options) =>
              (await import('../commands/release.js')).notes(context, options),
            ),
          );
      }
    },
  };
}

export const release = flowGroup('release');
export const hotfix = flowGroup('hotfix');
