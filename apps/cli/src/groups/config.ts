import { type CommandGroup, lazyAction } from '@reletan/cli-kit/bin';

export const config: CommandGroup = {
  name: 'config',
  description: 'check and print the reletan config',
  define(group) {
    group
      .command('check')
      .description('validate the config file; exit 2 naming the file, line and path of every problem')
      .action(lazyAction(async (context) => (await import('../commands/config.js')).checkConfig(context)));
    group
      .command('print')
      .description('print the resolved config (defaults applied, secrets redacted)')
      .option('--stage <name>', 'only this stage, with its defaults resolved')
      .action(
        lazyAction(async (context, _args, options) =>
          (await import('../commands/config.js')).printConfig(context, options),
        ),
      );
  },
};
