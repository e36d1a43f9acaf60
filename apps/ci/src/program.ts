import { GLOBAL_OPTIONS, lazyAction } from '@reletan/core/cli-kit';
import { Command, Option } from 'commander';

/**
 * The `reletan-ci` command tree: reletan's operations with their inputs (repository, branch, PR)
 * read from the CI environment. Definitions only; actions import their module when they run.
 */
export function createProgram(): Command {
  const program = new Command('reletan-ci')
    .description(
      "reletan's operations for CI jobs (CircleCI, GitHub Actions), with inputs read from the CI environment.",
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

  program
    .command('context')
    .description(
      'print what this CI build is building: provider, repository, branch, tag, sha, PR, build URL',
    )
    .action(lazyAction(async (context) => (await import('./commands/context.js')).printContext(context)));

  program
    .command('automerge')
    .description(
      "merge this build's pull request when it is approved and GitHub says it is mergeable, pinned to the head sha that was checked",
    )
    .option(
      '--pr <url|number>',
      "the pull request (default: the CI build's own, from CircleCI or GitHub Actions)",
    )
    .option('--dry-run', 'decide and print what would happen, write nothing')
    .action(
      lazyAction(async (context, _args, options) =>
        (await import('./commands/automerge.js')).automerge(context, options),
      ),
    );

  return program;
}
