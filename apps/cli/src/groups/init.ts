import { type CommandGroup, dryRunOption, lazyAction } from '@reletan/cli-kit/bin';

export const init: CommandGroup = {
  name: 'init',
  term: 'init [options]',
  description:
    'write a starter reletan config, .env.example and .env.visible, and ignore secret files in .gitignore',
  define(command, commander) {
    command
      .addOption(
        new commander.Option('--format <format>', 'config file format').choices(['ts', 'json']).default('ts'),
      )
      .option('--force', 'overwrite an existing reletan config')
      .addOption(dryRunOption(commander, 'print what would be written, write nothing'))
      .action(
        lazyAction(async (context, _args, options) =>
          (await import('../commands/init.js')).init(context, options),
        ),
      );
  },
};
