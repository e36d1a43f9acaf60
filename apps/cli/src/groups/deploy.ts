import { type CommandGroup, dryRunOption, lazyAction, releaseOption } from '@reletan/cli-kit/bin';

const STAGE = 'a stage with a deploy section';

export const deploy: CommandGroup = {
  name: 'deploy',
  term: 'deploy [options] <stage>',
  description:
    'deploy a stage to Elastic Beanstalk: bundle, version, environments in plan order, rollback on failure',
  define(command, commander) {
    command
      .argument('<stage>', STAGE)
      .option('--resume', "continue the stage's last run where it stopped (its journal in the deploy bucket)")
      .option(
        '--no-rollback',
        'on failure, leave the environments as they are (default: roll back what changed)',
      )
      .option('--wait-lock', 'wait for another deploy of the stage to finish instead of failing at once')
      .addOption(releaseOption(commander, "the release (its .env's cache prefix and the version label)"))
      .addOption(
        dryRunOption(commander, 'print the plan, in order, and change nothing (needs no AWS credentials)'),
      )
      .action(
        lazyAction(async (context, args, options) =>
          (await import('../commands/deploy/deploy.js')).deploy(context, String(args[0]), options),
        ),
      );
  },
};

export const bundle: CommandGroup = {
  name: 'bundle',
  term: 'bundle [options] <stage>',
  description: "build the stage's source bundle (the commit, its .env, the hooks): deterministic, mode 0600",
  define(command, commander) {
    command
      .argument('<stage>', STAGE)
      .option('--out <file>', 'where to write it (default: the cache, .reletan/bundles/)')
      .addOption(releaseOption(commander, "the release (its .env's cache prefix)"))
      .action(
        lazyAction(async (context, args, options) =>
          (await import('../commands/deploy/bundle.js')).bundle(context, String(args[0]), options),
        ),
      );
  },
};

export const status: CommandGroup = {
  name: 'status',
  term: 'status <stage>',
  description: "show each environment's version, status, health and instances",
  define(command) {
    command
      .argument('<stage>', STAGE)
      .action(
        lazyAction(async (context, args) =>
          (await import('../commands/deploy/status.js')).status(context, String(args[0])),
        ),
      );
  },
};

export const rollback: CommandGroup = {
  name: 'rollback',
  term: 'rollback [options] <stage>',
  description:
    'roll every environment back (web first) to the versions before the last deploy, or --to LABEL',
  define(command, commander) {
    command
      .argument('<stage>', STAGE)
      .option(
        '--to <label>',
        'the version every environment goes back to (default: what each ran before the last deploy)',
      )
      .option('--wait-lock', 'wait for another deploy of the stage to finish instead of failing at once')
      .addOption(dryRunOption(commander, 'print what would be rolled back, in order, and change nothing'))
      .action(
        lazyAction(async (context, args, options) =>
          (await import('../commands/deploy/rollback.js')).rollback(context, String(args[0]), options),
        ),
      );
  },
};

export const eb: CommandGroup = {
  name: 'eb',
  description: 'Elastic Beanstalk: abort an update, list and prune versions, remove a stuck deploy lock',
  define(group, commander) {
    group
      .command('abort')
      .description(
        "abort every update in progress on the stage's environments (they return to their previous version)",
      )
      .argument('<stage>', STAGE)
      .addOption(dryRunOption(commander, 'print what would be aborted, and change nothing'))
      .action(
        lazyAction(async (context, args, options) =>
          (await import('../commands/deploy/eb.js')).abort(context, String(args[0]), options),
        ),
      );
    group
      .command('versions')
      .description(
        "list the application's versions and the environments running each; --prune deletes old unused ones",
      )
      .argument('<stage>', STAGE)
      .option('--prune', 'delete the oldest versions no environment runs, beyond the newest --keep')
      .option('--keep <n>', 'versions kept when pruning (default: deploy.keepVersions)')
      .addOption(dryRunOption(commander, 'print what would be deleted, and change nothing'))
      .action(
        lazyAction(async (context, args, options) =>
          (await import('../commands/deploy/eb.js')).versions(context, String(args[0]), options),
        ),
      );
    group
      .command('unlock')
      .description(
        "remove the stage's deploy lock, whoever holds it (a job that died keeps it until it expires)",
      )
      .argument('<stage>', STAGE)
      .addOption(dryRunOption(commander, 'say who holds the lock, and change nothing'))
      .action(
        lazyAction(async (context, args, options) =>
          (await import('../commands/deploy/eb.js')).unlock(context, String(args[0]), options),
        ),
      );
  },
};
