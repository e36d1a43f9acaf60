import { createRootCommand, lazyAction } from '@reletan/cli-kit/bin';
import type { Command } from 'commander';
import * as commander from 'commander';

/**
 * The `reletan-ci` command tree: reletan's operations with their inputs (repository, branch, PR)
 * read from the CI environment. Definitions only; actions import their module when they run.
 */
export function createProgram(): Command {
  const program = createRootCommand(commander, {
    name: 'reletan-ci',
    description:
      "reletan's operations for CI jobs (CircleCI, GitHub Actions), with inputs read from the CI environment.",
    version: __RELETAN_VERSION__,
  });

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
    .option(
      '--expected-sha <sha>',
      "merge only while the PR's head is this commit (default: the one the CI build checked, for its own PR)",
    )
    .option('--dry-run', 'decide and print what would happen, write nothing')
    .action(
      lazyAction(async (context, _args, options) =>
        (await import('./commands/automerge.js')).automerge(context, options),
      ),
    );

  return program;
}
