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
      "empty EVERY key on a stage's memcached servers (all apps, all prefixes); refused while a rollout of the stage is in progress",
    )
    .argument('<stage>', 'a stage with a cache section')
    .option('--force', 'flush even while a rollout of the stage is in progress')
    .option('--dry-run', 'check and print what would be flushed, flush nothing')
    .option('--timeout <ms>', 'how long each server gets to answer', '2000')
    .action(
      lazyAction(async (context, args, options) =>
        (await import('./commands/cache.js')).flushCache(context, args[0] as string, options),
      ),
    );

  return program;
}
