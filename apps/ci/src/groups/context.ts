import { type CommandGroup, lazyAction } from '@reletan/cli-kit/bin';

export const context: CommandGroup = {
  name: 'context',
  description: 'print what this CI build is building: provider, repository, branch, tag, sha, PR, build URL',
  define(command) {
    command.action(lazyAction(async (app) => (await import('../commands/context.js')).printContext(app)));
  },
};
