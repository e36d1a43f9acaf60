import {
  type CommandGroup,
  dryRunOption,
  lazyAction,
  releaseOption,
  timeoutOption,
} from '@reletan/cli-kit/bin';

const TIMEOUT = 'how long each server gets to answer';

export const cache: CommandGroup = {
  name: 'cache',
  description: 'cache key prefixes, memcached server stats, and flushes that wait for rollouts (memcached)',
  define(group, commander) {
    group
      .command('prefix')
      .description(
        "print a stage's cache key prefix for a release: the app's CACHE_PREFIX (no server needed)",
      )
      .argument('<stage>', 'a stage with a cache section')
      .addOption(releaseOption(commander, 'the release id'))
      .action(
        lazyAction(async (context, args, options) =>
          (await import('../commands/cache.js')).printCachePrefix(context, args[0] as string, options),
        ),
      );
    group
      .command('stats')
      .description(
        'report every memcached server of a stage: up or down, items, hit ratio, evictions (exit 1 if one is down)',
      )
      .argument('<stage>', 'a stage with a cache section')
      .addOption(timeoutOption(commander, TIMEOUT))
      .action(
        lazyAction(async (context, args, options) =>
          (await import('../commands/cache.js')).showCacheStats(context, args[0] as string, options),
        ),
      );
    group
      .command('flush')
      .description(
        "empty EVERY key on a stage's memcached servers (all apps, all prefixes); refused while any rollout is in progress on them",
      )
      .argument('<stage>', 'a stage with a cache section')
      .option('--force', 'flush even while a rollout is in progress on those servers')
      .addOption(dryRunOption(commander, 'check and print what would be flushed, flush nothing'))
      .addOption(timeoutOption(commander, TIMEOUT))
      .action(
        lazyAction(async (context, args, options) =>
          (await import('../commands/cache.js')).flushCache(context, args[0] as string, options),
        ),
      );
  },
};
