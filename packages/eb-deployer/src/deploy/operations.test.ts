import { ElasticBeanstalkClient, UpdateEnvironmentCommand } from '@aws-sdk/client-elastic-beanstalk';
import { describe, expect, it } from 'vitest';
import { acquireDeployLock, deployLockKey } from '../s3/deploy-lock.js';
import { abortStage } from './abort.js';
import { rollbackStage } from './rollback-stage.js';
import { stateLocation } from './stage-target.js';
import { readStageStatus } from './status.js';
import { operations, setup } from './test-support.js';
import { unlockStage } from './unlock.js';
import { stageVersions } from './versions-stage.js';

describe("a stage's status", () => {
  it("shows each environment's version, status, health and instances, in plan order", async () => {
    const { config, aws, deploy } = await setup();
    const { label } = await deploy();
    const status = await readStageStatus({ config, stage: 'prod', aws });
    expect(
      status.environments.map((environment) => [
        environment.name,
        environment.versionLabel,
        environment.status,
        environment.health,
      ]),
    ).toEqual([
      ['shop-worker', label, 'Ready', 'Green'],
      ['shop-web', label, 'Ready', 'Green'],
    ]);
    expect(status.environments[0]?.instances?.every((instance) => instance.versionLabel === label)).toBe(
      true,
    );
  });
});

describe('rolling a stage back', () => {
  it('returns every environment to the version it ran before the last deploy, web first', async () => {
    const { config, aws, deploy, simulation, clock, logger } = await setup();
    await deploy();
    const result = await rollbackStage({ config, stage: 'prod', aws, clock, logger, holder: 'ci@test' });
    expect(result.source).toBe('journal');
    expect(result.environments.map((environment) => [environment.name, environment.label])).toEqual([
      ['shop-web', 'shop-1.3.0-aaaaaaaa'],
      ['shop-worker', 'shop-1.3.0-aaaaaaaa'],
    ]);
    expect(simulation.environment('shop-web').VersionLabel).toBe('shop-1.3.0-aaaaaaaa');
    expect(simulation.environment('shop-worker').VersionLabel).toBe('shop-1.3.0-aaaaaaaa');
  });

  it('goes to the version named with to, refusing one the application does not have (exit 2)', async () => {
    const { config, aws, deploy, clock } = await setup();
    const { label } = await deploy();
    await expect(rollbackStage({ config, stage: 'prod', aws, clock, to: 'shop-nope' })).rejects.toMatchObject(
      {
        code: 'EB_VERSION_UNKNOWN',
        kind: 'usage',
      },
    );
    const result = await rollbackStage({
      config,
      stage: 'prod',
      aws,
      clock,
      to: label as string,
      holder: 'ci@test',
    });
    expect(result.environments.every((environment) => environment.skipped)).toBe(true);
  });

  it('describes the rollback and changes nothing in a dry run', async () => {
    const { config, aws, deploy, simulation, clock } = await setup();
    await deploy();
    const before = operations(simulation, 'UpdateEnvironment').length;
    const result = await rollbackStage({
      config,
      stage: 'prod',
      aws,
      clock,
      dryRun: true,
      to: 'shop-1.3.0-aaaaaaaa',
    });
    expect(result.report.steps.map((step) => step.description)).toEqual([
      'roll shop-web back to shop-1.3.0-aaaaaaaa',
      'roll shop-worker back to shop-1.3.0-aaaaaaaa',
    ]);
    expect(operations(simulation, 'UpdateEnvironment')).toHaveLength(before);
  });
});

describe("the stage's versions", () => {
  it('lists them newest first with the environments running each, and prunes the old unused ones', async () => {
    const { config, aws, deploy, simulation } = await setup();
    const { label } = await deploy();
    const listed = await stageVersions({ config, stage: 'prod', aws });
    expect(listed.versions[0]).toMatchObject({ label, runningOn: ['shop-web', 'shop-worker'] });
    // The version the environments ran before is unused now, and older than the newest one kept.
    const dry = await stageVersions({ config, stage: 'prod', aws, prune: true, keep: 1, dryRun: true });
    expect(dry.pruned).toEqual(['shop-1.3.0-aaaaaaaa']);
    expect(dry.report?.steps.map((step) => step.status)).toEqual(['planned']);
    expect(simulation.versionLabels()).toContain('shop-1.3.0-aaaaaaaa');
    await stageVersions({ config, stage: 'prod', aws, prune: true, keep: 1 });
    expect(simulation.versionLabels()).not.toContain('shop-1.3.0-aaaaaaaa');
  });
});

describe('aborting and unlocking', () => {
  it('aborts the environments with an update in progress, and says which were idle', async () => {
    const { config, aws, simulation } = await setup({
      simulate: (sim) => sim.scriptDeploy('shop-web', 'hang'),
    });
    const client = new ElasticBeanstalkClient({
      region: 'ap-northeast-1',
      credentials: { accessKeyId: 'A', secretAccessKey: 'B' },
    });
    await client.send(
      new UpdateEnvironmentCommand({ EnvironmentName: 'shop-web', VersionLabel: 'shop-1.3.0-aaaaaaaa' }),
    );
    const dry = await abortStage({ config, stage: 'prod', aws, dryRun: true });
    expect(dry.report.steps.map((step) => step.description)).toEqual([
      'abort the update of shop-web (Updating)',
    ]);
    expect(operations(simulation, 'AbortEnvironmentUpdate')).toEqual([]);
    const result = await abortStage({ config, stage: 'prod', aws });
    expect(result.aborted).toEqual(['shop-web']);
    expect(result.idle).toEqual([{ name: 'shop-worker', status: 'Ready' }]);
    expect(operations(simulation, 'AbortEnvironmentUpdate')).toEqual([{ EnvironmentName: 'shop-web' }]);
  });

  it('removes a lock a dead job left, saying who held it', async () => {
    const { config, aws, clock } = await setup();
    await acquireDeployLock({
      aws,
      region: 'ap-northeast-1',
      bucket: 'shop-deploys',
      key: deployLockKey({ prefix: stateLocation('shop'), stage: 'prod' }),
      stage: 'prod',
      holder: 'dead-job@ci',
      run: 'deploy/prod/v1.3.0',
      clock,
    });
    const dry = await unlockStage({ config, stage: 'prod', aws, dryRun: true });
    expect(dry.report.steps[0]?.description).toContain('held by dead-job@ci');
    const result = await unlockStage({ config, stage: 'prod', aws });
    expect(result.held?.holder).toBe('dead-job@ci');
    expect((await unlockStage({ config, stage: 'prod', aws })).held).toBeUndefined();
  });
});
