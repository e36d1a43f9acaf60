import { createRootCommand, lazyAction } from '@reletan/cli-kit/bin';
import type { Command } from 'commander';
import * as commander from 'commander';

/**
 * The `reletan` command tree. Definitions only: every action imports its module when it runs, so
 * `--help` and `--version` load no command code and no SDK.
 */
/** `reletan env` builds an app's `.env` for a release: the release decides the cache prefix. */
const releaseOption = () =>
  new commander.Option(
    '--release <id>',
    'the release the env is for: sets the cache prefix (default: the tag at HEAD, else the commit)',
  );

export function createProgram(): Command {
  const program = createRootCommand(commander, {
    name: 'reletan',
    description:
      'Release and deploy a web app: git-flow releases, .env bundles, safe caches, ordered deploys.',
    version: __RELETAN_VERSION__,
  });

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

  const env = program
    .command('env')
    .description('merge committed and secret .env layers into one validated file; check, compare, explain');
  env
    .command('build')
    .description(
      "merge, validate and write a stage's env (atomically, mode 0600); prints keys and layers, never values",
    )
    .argument('<stage>', 'the stage (a key of "stages" in the config)')
    .option('--out <file>', 'the file to write (default: the stage\'s env.out, ".env")')
    .addOption(
      new commander.Option('--format <format>', 'output format')
        .choices(['dotenv', 'json', 'shell', 'eb'])
        .default('dotenv'),
    )
    .option('--strict', 'keys the example file does not list are errors')
    .addOption(releaseOption())
    .option('--dry-run', 'check and print what would be written, write nothing')
    .action(
      lazyAction(async (context, args, options) =>
        (await import('./commands/env.js')).buildEnvCommand(context, String(args[0]), options),
      ),
    );
  env
    .command('check')
    .description(
      "check a stage's layers against the example file, lint them, and check the values fit the format; exit 1 on errors",
    )
    .argument('<stage>', 'the stage')
    .addOption(
      new commander.Option(
        '--format <format>',
        'the output format the values must fit (as env build --format)',
      )
        .choices(['dotenv', 'json', 'shell', 'eb'])
        .default('dotenv'),
    )
    .option('--strict', 'keys the example file does not list are errors')
    .addOption(releaseOption())
    .action(
      lazyAction(async (context, args, options) =>
        (await import('./commands/env.js')).checkEnvCommand(context, String(args[0]), options),
      ),
    );
  env
    .command('diff')
    .description(
      'keys only in one stage, and keys whose values differ (secret values as short hashes, keyed with RELETAN_DIFF_KEY to compare across runs)',
    )
    .argument('<stageA>', 'the first stage')
    .argument('<stageB>', 'the second stage')
    .addOption(releaseOption())
    .action(
      lazyAction(async (context, args, options) =>
        (await import('./commands/env.js')).diffEnvCommand(
          context,
          String(args[0]),
          String(args[1]),
          options,
        ),
      ),
    );
  env
    .command('explain')
    .description('which layer set a key in a stage, and what it overrode (never the value)')
    .argument('<stage>', 'the stage')
    .argument('<key>', 'the key, e.g. DB_PASSWORD')
    .addOption(releaseOption())
    .action(
      lazyAction(async (context, args, options) =>
        (await import('./commands/env.js')).explainEnvCommand(
          context,
          String(args[0]),
          String(args[1]),
          options,
        ),
      ),
    );

  program
    .command('init')
    .description(
      'write a starter reletan config, .env.example and .env.visible, and ignore secret files in .gitignore',
    )
    .addOption(
      new commander.Option('--format <format>', 'config file format').choices(['ts', 'json']).default('ts'),
    )
    .option('--force', 'overwrite an existing reletan config')
    .option('--dry-run', 'print what would be written, write nothing')
    .action(
      lazyAction(async (context, _args, options) =>
        (await import('./commands/init.js')).init(context, options),
      ),
    );

  program
    .command('automerge')
    .description(
      'merge a pull request when it is approved and GitHub says it is mergeable, pinned to the head sha that was checked',
    )
    .argument(
      '<pr>',
      'the pull request: its URL, or its number in the repository of the config or git origin',
    )
    .option('--expected-sha <sha>', "merge only while the PR's head is this commit (e.g. the one CI tested)")
    .option('--dry-run', 'decide and print what would happen, write nothing')
    .action(
      lazyAction(async (context, args, options) =>
        (await import('./commands/automerge.js')).automerge(context, { ...options, pr: String(args[0]) }),
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
        new commander.Option('--bump <part>', 'which part of the last release to bump').choices([
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
          'start after this tag or ref (default: the last release tag reachable from --to, and not on --to itself)',
        )
        .option('--to <ref>', 'end at this ref (default: the release branch in progress, else develop)')
        .addOption(
          new commander.Option('--format <format>', 'output format')
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
  const cache = program
    .command('cache')
    .description(
      'cache key prefixes, memcached server stats, and flushes that wait for rollouts (memcached)',
    );
  cache
    .command('prefix')
    .description("print a stage's cache key prefix for a release: the app's CACHE_PREFIX (no server needed)")
    .argument('<stage>', 'a stage with a cache section')
    .option('--release <id>', 'the release id (default: the tag at HEAD, else the commit)')
    .action(
      lazyAction(async (context, args, options) =>
        (await import('./commands/cache.js')).printCachePrefix(context, args[0] as string, options),
      ),
    );
  cache
    .command('stats')
    .description(
      'report every memcached server of a stage: up or down, items, hit ratio, evictions (exit 1 if one is down)',
    )
    .argument('<stage>', 'a stage with a cache section')
    .option('--timeout <ms>', 'how long each server gets to answer', '2000')
    .action(
      lazyAction(async (context, args, options) =>
        (await import('./commands/cache.js')).showCacheStats(context, args[0] as string, options),
      ),
    );
  cache
    .command('flush')
    .description(
      "empty EVERY key on a stage's memcached servers (all apps, all prefixes); refused while any rollout is in progress on them",
    )
    .argument('<stage>', 'a stage with a cache section')
    .option('--force', 'flush even while a rollout is in progress on those servers')
    .option('--dry-run', 'check and print what would be flushed, flush nothing')
    .option('--timeout <ms>', 'how long each server gets to answer', '2000')
    .action(
      lazyAction(async (context, args, options) =>
        (await import('./commands/cache.js')).flushCache(context, args[0] as string, options),
      ),
    );

  return program;
}
