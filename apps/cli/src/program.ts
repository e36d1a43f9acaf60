import { GLOBAL_OPTIONS, lazyAction } from '@reletan/core/cli-kit';
import { Command, Option } from 'commander';

/**
 * The `reletan` command tree. Definitions only: every action imports its module when it runs, so
 * `--help` and `--version` load no command code and no SDK.
 */
export function createProgram(): Command {
  const program = new Command('reletan')
    .description(
      'Release and deploy a web app: git-flow releases, .env bundles, safe caches, ordered deploys.',
    )
    .version(__RELETAN_VERSION__, '-V, --version')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError();
  for (const { flags, description } of GLOBAL_OPTIONS) {
    const option = new Option(flags, description);
    if (flags.includes('--verbose')) option.conflicts('quiet');
    program.addOption(option);
  }

  const config = program.command('config').description('check and print the reletan config');
  config
    .command('check')
    .description('validate the config file; exit 2 naming the file, line and path of every problem')
    .action(lazyAction(async (context) => (await import('./commands/config.js')).checkConfig(context)));
  config
    .command('print')
    .description('print the resolved config (defaults applied, secrets redacted)')
    .option('--stage <name>', 'only this stage, with its defaults resolved')
    .action(
      lazyAction(async (context, _args, options) =>
        (await import('./commands/config.js')).printConfig(context, options),
      ),
    );

  program
    .command('init')
    .description(
      'write a starter reletan config, .env.example and .env.visible, and ignore secret files in .gitignore',
    )
    .addOption(new Option('--format <format>', 'config file format').choices(['ts', 'json']).default('ts'))
    .option('--force', 'overwrite an existing reletan config')
    .option('--dry-run', 'print what would be written, write nothing')
    .action(
      lazyAction(async (context, _args, options) =>
        (await import('./commands/init.js')).init(context, options),
      ),
    );

  for (const kind of ['release', 'hotfix'] as const) {
    const group = program
      .command(kind)
      .description(
        kind === 'release'
          ? 'git-flow releases: start from develop, finish into main with a tag, list the pull requests'
          : 'git-flow hotfixes: start from main, finish into main and develop with a tag',
      );
    group
      .command('start')
      .description(
        kind === 'release'
          ? `create release/VERSION from develop and check it out (VERSION: the last release with --bump, default minor)`
          : `create hotfix/VERSION from main and check it out (VERSION: the last release with --bump, default patch)`,
      )
      .argument('[version]', 'the version (semver), with or without the tag prefix')
      .addOption(
        new Option('--bump <part>', 'which part of the last release to bump').choices([
          'major',
          'minor',
          'patch',
        ]),
      )
      .option('--push', 'push the new branch and set its upstream')
      .option('--fetch', 'fetch the remote first, then refuse a base branch behind or diverged from it')
      .option('--dry-run', 'print the git operations, in order, and change nothing')
      .action(
        lazyAction(async (context, args, options) =>
          (await import('./commands/release.js')).start(
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
      .option('--dry-run', 'print the git operations, in order, and change nothing')
      .action(
        lazyAction(async (context, args, options) =>
          (await import('./commands/release.js')).finish(
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
          'start after this tag or ref (default: the last release tag reachable from --to)',
        )
        .option('--to <ref>', 'end at this ref (default: the release branch in progress, else develop)')
        .addOption(
          new Option('--format <format>', 'output format')
            .choices(['markdown', 'json', 'slack'])
            .default('markdown'),
        )
        .action(
          lazyAction(async (context, _args, options) =>
            (await import('./commands/release.js')).notes(context, options),
          ),
        );
    }
  }

  return program;
}
