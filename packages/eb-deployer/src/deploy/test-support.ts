/** A deployable project for the deploy tests: a real git repo, the EB simulation, s3rver, a fake clock. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type ReletanConfig, validateConfig } from '@reletan/config';
import { captureLogger, createFakeClock, createTestRepo, type TestRepo } from '@reletan/core/testing';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { installEbSimulation } from '../eb/install-simulation.js';
import { EbSimulation } from '../eb/simulation.js';
import { type RunningS3rver, startS3rver } from '../s3/testing.js';
import { deployStage } from './deploy.js';

export let s3: RunningS3rver;
beforeAll(async () => {
  s3 = await startS3rver({ buckets: ['shop-deploys'] });
});
afterAll(async () => {
  await s3.stop();
});

let repo: TestRepo;
let restore: (() => void) | undefined;
afterEach(async () => {
  restore?.();
  await repo?.cleanup();
});

export const environments = [
  { name: 'shop-web', role: 'web', after: 'shop-worker' },
  { name: 'shop-worker', role: 'worker' },
];

export async function setup(extra: { deploy?: object; simulate?: (simulation: EbSimulation) => void } = {}) {
  repo = await createTestRepo({ withOrigin: false });
  await writeFile(path.join(repo.dir, 'index.php'), '<?php echo "shop";\n');
  await writeFile(path.join(repo.dir, '.env.visible'), 'APP_NAME=shop\n');
  await repo.git.run(['add', '.']);
  await repo.git.run(['commit', '-q', '-m', 'the app']);
  await repo.git.run(['tag', 'v1.4.0']);
  const config: ReletanConfig = validateConfig({
    stages: {
      prod: {
        deploy: {
          region: 'ap-northeast-1',
          application: 'shop',
          bucket: 'shop-deploys',
          environments,
          hooks: { migrate: 'php artisan migrate --force', perInstance: ['php artisan config:cache'] },
          ...extra.deploy,
        },
      },
    },
  });
  const clock = createFakeClock();
  const simulation = new EbSimulation({
    clock,
    application: 'shop',
    environments: [
      { name: 'shop-web', label: 'shop-1.3.0-aaaaaaaa', deployMs: 90_000 },
      { name: 'shop-worker', label: 'shop-1.3.0-aaaaaaaa', tier: 'Worker', deployMs: 120_000 },
    ],
  });
  extra.simulate?.(simulation);
  const mock = installEbSimulation(simulation);
  restore = () => mock.restore();
  const { logger, output } = captureLogger({ clock, level: 'info' });
  const aws = s3.access();
  const deploy = (
    options: { resume?: boolean; rollback?: boolean; signal?: AbortSignal; dryRun?: boolean } = {},
  ) =>
    deployStage({
      config,
      root: repo.dir,
      stage: 'prod',
      git: repo.git,
      aws,
      logger,
      clock,
      env: {},
      holder: 'ci@test',
      ...options,
    });
  return { clock, simulation, deploy, config, aws, logger, output };
}

export const operations = (simulation: EbSimulation, operation: string) =>
  simulation.calls.filter((call) => call.operation === operation).map((call) => call.input);

/** The UpdateEnvironment calls so far, as "environment release" lines (`shop-web shop-1.4.`). */
export const updatesMade = (simulation: EbSimulation) =>
  (operations(simulation, 'UpdateEnvironment') as { EnvironmentName: string; VersionLabel: string }[]).map(
    (update) => `${update.EnvironmentName} ${update.VersionLabel.slice(0, 9)}`,
  );
