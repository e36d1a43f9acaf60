import { type ElasticBeanstalkDeployConfig, validateConfig } from '@reletan/config';
import { describePlan, runPlan } from '@reletan/core';
import { createFakeClock } from '@reletan/core/testing';
import { describe, expect, it } from 'vitest';
import { type DeployServices, orderEnvironments, planElasticBeanstalkDeploy, planRollback } from './plan.js';

function deployConfig(environments: unknown[], extra: object = {}): ElasticBeanstalkDeployConfig {
  const config = validateConfig({
    stages: { prod: { deploy: { region: 'ap-northeast-1', application: 'shop', environments, ...extra } } },
  });
  const deploy = config.stages.prod?.deploy;
  if (deploy?.target !== 'elastic-beanstalk') throw new Error('not an EB deploy');
  return deploy;
}

const facts = (deploy: ElasticBeanstalkDeployConfig) => ({
  stage: 'prod',
  deploy,
  release: 'v1.4.0',
  bucket: 'deploys',
});

/** Services that take `ms` per environment on the fake clock and log starts and ends. */
function fakeServices(clock: ReturnType<typeof createFakeClock>, durations: Record<string, number>) {
  const log: string[] = [];
  const start = clock.now();
  const services: DeployServices = {
    buildBundle: async () => ({
      file: '/tmp/b.zip',
      sha256: 'f'.repeat(64),
      bytes: 1,
      label: 'shop-1.4.0-ffffffff',
      cached: false,
    }),
    uploadBundle: async () => ({ uploaded: true, bucket: 'deploys', key: 'shop/shop-1.4.0-ffffffff.zip' }),
    ensureVersion: async (bundle) => ({ label: bundle.label, created: true, pruned: [] }),
    readLabels: async (names) => Object.fromEntries(names.map((name) => [name, 'shop-1.3.0-aaaaaaaa'])),
    rollOut: async (environment, label) => {
      log.push(`${(clock.now() - start) / 1000} start ${environment} ${label}`);
      await clock.sleep((durations[environment] ?? 60) * 1000);
      log.push(`${(clock.now() - start) / 1000} end ${environment}`);
      return { skipped: false, from: 'shop-1.3.0-aaaaaaaa' };
    },
  };
  return { services, log };
}

describe('the deploy plan', () => {
  it('deploys workers before the web they come before, and describes every step in order', async () => {
    const deploy = deployConfig([
      { name: 'shop-web', role: 'web', after: 'shop-worker' },
      { name: 'shop-worker', role: 'worker' },
    ]);
    const plan = planElasticBeanstalkDeploy(facts(deploy));
    expect(describePlan(plan)).toEqual([
      'build the source bundle of v1.4.0 with the .env of stage prod (label shop-<version>-<bundle hash>)',
      'upload the bundle to s3://deploys/shop/<label>.zip (encrypted; skipped when it is there)',
      'create the application version in shop, making room under the quota (keeping the newest 50)',
      'record the versions shop-web, shop-worker run now (the rollback targets)',
      'deploy the version to shop-worker (worker)',
      'deploy the version to shop-web (web, after shop-worker)',
    ]);
    const clock = createFakeClock();
    const { services, log } = fakeServices(clock, { 'shop-worker': 120, 'shop-web': 90 });
    await runPlan(plan, { services, clock });
    expect(log).toEqual([
      '0 start shop-worker shop-1.4.0-ffffffff',
      '120 end shop-worker',
      '120 start shop-web shop-1.4.0-ffffffff',
      '210 end shop-web',
    ]);
  });

  it('starts a staggered environment its delay after the one it follows starts', async () => {
    const deploy = deployConfig([
      { name: 'shop-worker', role: 'worker' },
      { name: 'shop-web', role: 'web', after: 'shop-worker', startDelaySeconds: 30 },
    ]);
    const plan = planElasticBeanstalkDeploy(facts(deploy));
    expect(describePlan(plan).at(-1)).toBe(
      'deploy the version to shop-web (web, 30 s after shop-worker starts)',
    );
    const clock = createFakeClock();
    const { services, log } = fakeServices(clock, { 'shop-worker': 120, 'shop-web': 60 });
    await runPlan(plan, { services, clock });
    expect(log).toEqual([
      '0 start shop-worker shop-1.4.0-ffffffff',
      '30 start shop-web shop-1.4.0-ffffffff',
      '90 end shop-web',
      '120 end shop-worker',
    ]);
  });

  it('deploys environments that do not depend on each other at once', async () => {
    const deploy = deployConfig([
      { name: 'shop-worker', role: 'worker' },
      { name: 'shop-api', role: 'web' },
      { name: 'shop-web', role: 'web', after: ['shop-worker', 'shop-api'] },
    ]);
    const clock = createFakeClock();
    const { services, log } = fakeServices(clock, { 'shop-worker': 100, 'shop-api': 40, 'shop-web': 10 });
    const report = await runPlan(planElasticBeanstalkDeploy(facts(deploy)), { services, clock });
    expect(log).toEqual([
      '0 start shop-worker shop-1.4.0-ffffffff',
      '0 start shop-api shop-1.4.0-ffffffff',
      '40 end shop-api',
      '100 end shop-worker',
      '100 start shop-web shop-1.4.0-ffffffff',
      '110 end shop-web',
    ]);
    // The critical path: 100 s for the worker, then 10 s for the web.
    expect(report.durationMs).toBe(110_000);
  });
});

describe('ordering and rollback', () => {
  it('orders each environment after the ones it names, and keeps the configured order otherwise', () => {
    expect(
      orderEnvironments([
        { name: 'web', after: ['api', 'worker'] },
        { name: 'api' },
        { name: 'worker', after: 'api' },
      ]).map((environment) => environment.name),
    ).toEqual(['api', 'worker', 'web']);
  });

  it('rolls back only what the run changed, in reverse order, to the versions they ran', () => {
    expect(
      planRollback({
        order: ['shop-worker', 'shop-api', 'shop-web'],
        changed: ['shop-worker', 'shop-web'],
        targets: { 'shop-worker': 'v1-worker', 'shop-api': 'v1-api', 'shop-web': 'v1-web' },
      }),
    ).toEqual([
      { environment: 'shop-web', label: 'v1-web' },
      { environment: 'shop-worker', label: 'v1-worker' },
    ]);
  });
});
