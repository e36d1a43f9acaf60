import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { operations, s3, setup, updatesMade } from './test-support.js';

describe('deploying a stage to Elastic Beanstalk', () => {
  it('ships the bundle as a version and deploys the worker, then the web', async () => {
    const { simulation, deploy } = await setup();
    const result = await deploy();
    expect(result.label).toMatch(/^shop-1\.4\.0-[0-9a-f]{8}$/);
    expect(result.environments).toEqual([
      { name: 'shop-worker', role: 'worker', from: 'shop-1.3.0-aaaaaaaa', to: result.label, skipped: false },
      { name: 'shop-web', role: 'web', from: 'shop-1.3.0-aaaaaaaa', to: result.label, skipped: false },
    ]);
    expect(operations(simulation, 'UpdateEnvironment')).toEqual([
      { EnvironmentName: 'shop-worker', VersionLabel: result.label },
      { EnvironmentName: 'shop-web', VersionLabel: result.label },
    ]);
    expect(simulation.environment('shop-web').VersionLabel).toBe(result.label);
    // The bundle is in the bucket under <app>/<label>.zip.
    const object = await readFile(
      path.join(s3.directory, 'shop-deploys', 'shop', `${result.label}.zip._S3rver_object`),
    ).catch(() => undefined);
    expect(object === undefined || object.length > 0).toBe(true);
    expect(result.steps.map((step) => [step.id, step.status])).toEqual([
      ['bundle', 'succeeded'],
      ['upload', 'succeeded'],
      ['version', 'succeeded'],
      ['rollback-targets', 'succeeded'],
      ['deploy:shop-worker', 'succeeded'],
      ['deploy:shop-web', 'succeeded'],
    ]);
  });

  it('does nothing to environments already on the version when run again', async () => {
    const { simulation, deploy } = await setup();
    const first = await deploy();
    const updates = operations(simulation, 'UpdateEnvironment').length;
    const again = await deploy();
    expect(again.label).toBe(first.label);
    expect(again.environments.every((environment) => environment.skipped)).toBe(true);
    expect(operations(simulation, 'UpdateEnvironment')).toHaveLength(updates);
    expect(operations(simulation, 'CreateApplicationVersion')).toHaveLength(1);
  });

  it('rolls back what it changed when the web fails, web first, and says so (exit 1)', async () => {
    // The web deploys, then turns Red: both environments run the new version and must go back.
    const { simulation, deploy } = await setup({ simulate: (sim) => sim.scriptDeploy('shop-web', 'red') });
    const error = await deploy().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'DEPLOY_FAILED', kind: 'failure' });
    expect((error as Error).message).toContain(
      'every environment it changed runs its previous version again',
    );
    expect((error as Error).message).toContain('its health is Red');
    const details = (error as { details: string[] }).details.join('\n');
    expect(details).toContain('failed: deploy the version to shop-web');
    expect(details).toContain('rolled back: shop-web runs shop-1.3.0-aaaaaaaa again');
    expect(details).toContain('rolled back: shop-worker runs shop-1.3.0-aaaaaaaa again');
    expect(updatesMade(simulation)).toEqual([
      'shop-worker shop-1.4.',
      'shop-web shop-1.4.',
      'shop-web shop-1.3.',
      'shop-worker shop-1.3.',
    ]);
    expect(simulation.environment('shop-worker').VersionLabel).toBe('shop-1.3.0-aaaaaaaa');
  });

  it('needs no update to roll back an environment Elastic Beanstalk kept on its version', async () => {
    const { simulation, deploy } = await setup({ simulate: (sim) => sim.scriptDeploy('shop-web', 'fail') });
    const error = await deploy().catch((caught: unknown) => caught);
    const details = (error as { details: string[] }).details.join('\n');
    expect(details).toContain('Failed to deploy application.');
    expect(details).toContain('rolled back: shop-web runs shop-1.3.0-aaaaaaaa again');
    expect(updatesMade(simulation)).toEqual([
      'shop-worker shop-1.4.',
      'shop-web shop-1.4.',
      'shop-worker shop-1.3.',
    ]);
  });

  it('leaves the environments as they are with rollback off, naming them', async () => {
    const { simulation, deploy } = await setup({ simulate: (sim) => sim.scriptDeploy('shop-web', 'fail') });
    const error = await deploy({ rollback: false }).catch((caught: unknown) => caught);
    expect((error as { details: string[] }).details.join('\n')).toContain(
      'left as it is (no rollback): shop-worker',
    );
    expect(simulation.environment('shop-worker').VersionLabel).toMatch(/^shop-1\.4\.0/);
  });

  it('stops when interrupted, naming what is mid-update, and resumes from the journal', async () => {
    const { simulation, deploy, clock } = await setup();
    const controller = new AbortController();
    // Interrupt once the web's update has started.
    const watch = setInterval(() => {
      if (operations(simulation, 'UpdateEnvironment').length === 2) controller.abort(new Error('Ctrl-C'));
    }, 1);
    const error = await deploy({ signal: controller.signal }).catch((caught: unknown) => caught);
    clearInterval(watch);
    expect(error).toMatchObject({ code: 'INTERRUPTED', kind: 'interrupted' });
    expect((error as Error).message).toContain('still updating: shop-web');
    clock.advance(1_000);
    const resumed = await deploy({ resume: true });
    expect(resumed.steps.map((step) => step.status)).toEqual([
      'recorded',
      'recorded',
      'recorded',
      'recorded',
      'recorded',
      'succeeded',
    ]);
    expect(simulation.environment('shop-web').VersionLabel).toBe(resumed.label);
  });

  it('describes the plan without AWS in a dry run', async () => {
    const { simulation, deploy } = await setup();
    const result = await deploy({ dryRun: true });
    expect(result.steps.map((step) => step.status)).toEqual(Array(6).fill('planned'));
    expect(simulation.calls).toEqual([]);
  });
});
