import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFakeClock, createTestRepo, runNodeScript, type TestRepo } from '@reletan/core/testing';
import {
  EbSimulation,
  installEbSimulation,
  type RunningS3rver,
  serveEbSimulation,
  startS3rver,
} from '@reletan/eb-deployer/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runReletanInProcess } from './testing.js';

const bin = fileURLToPath(new URL('../dist/bin.cjs', import.meta.url));
let s3: RunningS3rver;
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

async function project(simulate?: (simulation: EbSimulation) => void) {
  repo = await createTestRepo({ withOrigin: false });
  await writeFile(path.join(repo.dir, 'index.php'), '<?php echo "shop";\n');
  await writeFile(path.join(repo.dir, '.env.visible'), 'APP_NAME=shop\n');
  await writeFile(
    path.join(repo.dir, 'reletan.config.json'),
    JSON.stringify({
      stages: {
        prod: {
          deploy: {
            region: 'ap-northeast-1',
            application: 'shop',
            bucket: 'shop-deploys',
            environments: [
              { name: 'shop-web', role: 'web', after: 'shop-worker' },
              { name: 'shop-worker', role: 'worker' },
            ],
          },
        },
      },
    }),
  );
  await repo.git.run(['add', '.']);
  await repo.git.run(['commit', '-q', '-m', 'the app']);
  await repo.git.run(['tag', 'v1.4.0']);
  const clock = createFakeClock();
  const simulation = new EbSimulation({
    clock,
    application: 'shop',
    environments: [
      { name: 'shop-web', label: 'shop-1.3.0-aaaaaaaa' },
      { name: 'shop-worker', label: 'shop-1.3.0-aaaaaaaa', tier: 'Worker' },
    ],
  });
  simulate?.(simulation);
  const mock = installEbSimulation(simulation);
  restore = () => mock.restore();
  const reletan = (...args: string[]) =>
    runReletanInProcess(args, {
      cwd: repo.dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true' },
      aws: { clientConfig: s3.clientConfig, maxAttempts: 1 },
      clock,
    });
  return { simulation, reletan };
}

describe('reletan deploy', () => {
  it('deploys the stage and reports each environment, as JSON with its steps', async () => {
    const { reletan } = await project();
    const result = await reletan('deploy', 'prod', '--json');
    expect(result.exitCode).toBe(0);
    const json = result.json();
    expect(json).toMatchObject({ stage: 'prod', application: 'shop', dryRun: false });
    expect(json.label).toMatch(/^shop-1\.4\.0-[0-9a-f]{8}$/);
    expect(json.environments.map((environment: { name: string }) => environment.name)).toEqual([
      'shop-worker',
      'shop-web',
    ]);
    expect(json.steps.every((step: { durationMs?: number }) => typeof step.durationMs === 'number')).toBe(
      true,
    );
    // Progress went to stderr as timestamped lines (CI), the events streamed as they came.
    expect(result.stderr).toMatch(/Z ✓ deploy the version to shop-worker \(worker\)/);
    expect(result.stderr).toContain('shop-web: INFO Environment update completed successfully.');
  });

  it('prints the plan in order and changes nothing with --dry-run', async () => {
    const { simulation, reletan } = await project();
    const result = await reletan('deploy', 'prod', '--dry-run');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('dry run: the deploy of stage prod (shop, ap-northeast-1) would:');
    expect(result.stdout).toContain('5. deploy the version to shop-worker (worker)');
    expect(result.stdout).toContain('6. deploy the version to shop-web (web, after shop-worker)');
    expect(simulation.calls).toEqual([]);
  });

  it('exits 1 naming what failed and what was rolled back', async () => {
    const { reletan } = await project((simulation) => simulation.scriptDeploy('shop-web', 'red'));
    const result = await reletan('deploy', 'prod');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('the deploy of stage prod failed');
    expect(result.stderr).toContain('rolled back: shop-web runs shop-1.3.0-aaaaaaaa again');
    expect(result.stderr).toContain('rolled back: shop-worker runs shop-1.3.0-aaaaaaaa again');
  });

  it('exits 2 for a stage without a deploy section', async () => {
    const { reletan } = await project();
    await writeFile(path.join(repo.dir, 'reletan.config.json'), JSON.stringify({ stages: { dev: {} } }));
    const result = await reletan('deploy', 'dev', '--json');
    expect(result.exitCode).toBe(2);
    expect(result.json().error).toMatchObject({
      code: 'DEPLOY_NOT_CONFIGURED',
      input: { path: 'stages.dev.deploy' },
    });
  });
});

describe('reletan status, rollback and eb', () => {
  it('shows the environments after a deploy, rolls them back, and lists the versions', async () => {
    const { reletan, simulation } = await project();
    const deployed = (await reletan('deploy', 'prod', '--json')).json();
    const status = await reletan('status', 'prod');
    expect(status.stdout).toMatch(
      new RegExp(`shop-worker\\s+worker\\s+${deployed.label}\\s+Ready\\s+Green \\(Ok\\)\\s+2/2 on it`),
    );
    const rollback = await reletan('rollback', 'prod');
    expect(rollback.exitCode).toBe(0);
    expect(rollback.stdout).toContain('shop-web  now on shop-1.3.0-aaaaaaaa');
    expect(rollback.stdout).toContain('migrations are not undone');
    expect(simulation.environment('shop-web').VersionLabel).toBe('shop-1.3.0-aaaaaaaa');
    // The rolled-back-from version is the newest, which --keep 1 keeps; the old one runs again.
    const versions = await reletan('eb', 'versions', 'prod', '--prune', '--keep', '1', '--dry-run');
    expect(versions.stdout).toMatch(new RegExp(`${deployed.label}\\s+\\S+\\s+-\\n`));
    expect(versions.stdout).toMatch(/shop-1\.3\.0-aaaaaaaa\s+\S+\s+shop-web, shop-worker/);
    expect(versions.stdout).toContain('nothing to prune');
    const unlock = await reletan('eb', 'unlock', 'prod');
    expect(unlock.stdout).toBe('stage prod is not locked\n');
  });
});

describe('the built bin against an Elastic Beanstalk stand-in', () => {
  it('honours AWS_ENDPOINT_URL_ELASTIC_BEANSTALK, AWS_REGION and the SDK credentials chain', async () => {
    const { simulation } = await project();
    restore?.();
    restore = undefined;
    const served = await serveEbSimulation(simulation);
    try {
      const result = await runNodeScript(bin, ['status', 'prod', '--json'], {
        cwd: repo.dir,
        env: {
          PATH: process.env.PATH,
          HOME: repo.dir,
          AWS_ENDPOINT_URL_ELASTIC_BEANSTALK: served.endpoint,
          AWS_ACCESS_KEY_ID: 'AKIATEST',
          AWS_SECRET_ACCESS_KEY: 'test-secret',
        },
      });
      expect(result.stderr).toBe('');
      expect(result.exitCode).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({
        environments: [
          { name: 'shop-worker', versionLabel: 'shop-1.3.0-aaaaaaaa', status: 'Ready' },
          { name: 'shop-web', versionLabel: 'shop-1.3.0-aaaaaaaa', status: 'Ready' },
        ],
      });
      expect(served.actions).toContain('DescribeEnvironments');
    } finally {
      await served.close();
    }
  });
});
