import {
  type CommandGroup,
  dryRunOption,
  ENV_FORMATS,
  formatOption,
  lazyAction,
  releaseOption,
} from '@reletan/cli-kit/bin';

/** `reletan env` builds an app's `.env` for a release: the release decides the cache prefix. */
const RELEASE = 'the release the env is for: sets the cache prefix';

export const env: CommandGroup = {
  name: 'env',
  description: 'merge committed and secret .env layers into one validated file; check, compare, explain',
  define(group, commander) {
    group
      .command('build')
      .description(
        "merge, validate and write a stage's env (atomically, mode 0600); prints keys and layers, never values",
      )
      .argument('<stage>', 'the stage (a key of "stages" in the config)')
      .option('--out <file>', 'the file to write (default: the stage\'s env.out, ".env")')
      .addOption(formatOption(commander, ENV_FORMATS, 'output format', 'dotenv'))
      .option('--strict', 'keys the example file does not list are errors')
      .addOption(releaseOption(commander, RELEASE))
      .addOption(dryRunOption(commander, 'check and print what would be written, write nothing'))
      .action(
        lazyAction(async (context, args, options) =>
          (await import('../commands/env.js')).buildEnvCommand(context, String(args[0]), options),
        ),
      );
    group
      .command('check')
      .description(
        "check a stage's layers against the example file, lint them, and check the values fit the format; exit 1 on errors",
      )
      .argument('<stage>', 'the stage')
      .addOption(
        formatOption(
          commander,
          ENV_FORMATS,
          'the output format the values must fit (as env build --format)',
          'dotenv',
        ),
      )
      .option('--strict', 'keys the example file does not list are errors')
      .addOption(releaseOption(commander, RELEASE))
      .action(
        lazyAction(async (context, args, options) =>
          (await import('../commands/env.js')).checkEnvCommand(context, String(args[0]), options),
        ),
      );
    group
      .command('diff')
      .description(
        'keys only in one stage, and keys whose values differ (secret values as short hashes, keyed with RELETAN_DIFF_KEY to compare across runs)',
      )
      .argument('<stageA>', 'the first stage')
      .argument('<stageB>', 'the second stage')
      .addOption(releaseOption(commander, RELEASE))
      .action(
        lazyAction(async (context, args, options) =>
          (await import('../commands/env.js')).diffEnvCommand(
            context,
            String(args[0]),
            String(args[1]),
            options,
          ),
        ),
      );
    group
      .command('explain')
      .description('which layer set a key in a stage, and what it overrode (never the value)')
      .argument('<stage>', 'the stage')
      .argument('<key>', 'the key, e.g. DB_PASSWORD')
      .addOption(releaseOption(commander, RELEASE))
      .action(
        lazyAction(async (context, args, options) =>
          (await import('../commands/env.js')).explainEnvCommand(
            context,
            String(args[0]),
            String(args[1]),
            options,
          ),
        ),
      );
  },
};
