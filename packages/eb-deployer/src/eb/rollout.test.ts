import { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import { captureLogger, createFakeClock, type FakeClock } from '@reletan/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { installEbSimulation } from './install-simulation.js';
import { EnvironmentPoller } from './poller.js';
import { rollOutEnvironment } from './rollout.js';
import { EbSimulation, type SimulatedEnvironmentOptions } from './simulation.js';

const client = new ElasticBeanstalkClient({
  region: 'ap-northeast-1',
  credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' },
});
let restore: (() => void) | undefined;
afterEach(() => restore?.());

function setup(environments: SimulatedEnvironmentOptions[] = [{ name: 'shop-web', label: 'shop-v1' }]) {
  const clock = createFakeClock();
  const simulation = new EbSimulation({
    clock,
    application: 'shop',
    environments,
    versions: [{ label: 'shop-v2' }],
  });
  const mock = installEbSimulation(simulation);
  restore = () => mock.restore();
  const { logger, output } = captureLogger({ clock });
  const target = { client, application: 'shop', region: 'ap-northeast-1' };
  const poller = new EnvironmentPoller({ target, clock, logger, random: () => 0.5 });
  const services = { target, poller, clock, logger };
  return { clock, simulation, services, output };
}

const deadlineIn = (clock: FakeClock, minutes: number) => clock.now() + minutes * 60_000;

describe('rolling out one environment', () => {
  it('deploys, and is done once the environment and every instance run the version, Ready and Green', async () => {
    const { clock, simulation, services, output } = setup();
    const started = clock.now();
    const result = await rollOutEnvironment(services, {
      environment: 'shop-web',
      label: 'shop-v2',
      healthy: ['Green'],
      deadline: deadlineIn(clock, 30),
    });
    expect(result).toMatchObject({
      environment: 'shop-web',
      label: 'shop-v2',
      from: 'shop-v1',
      skipped: false,
    });
    expect(simulation.environment('shop-web')).toMatchObject({
      VersionLabel: 'shop-v2',
      Status: 'Ready',
      Health: 'Green',
    });
    // Noticed within one poll interval (at most 30 s) of the deploy's end (120 s in the simulation), then
    // the instances checked on the next, short one.
    expect(clock.now() - started).toBeLessThanOrEqual(120_000 + 30_000 + 5_000);
    expect(output()).toContain('shop-web: INFO Environment update completed successfully.');
    // Every instance was checked before done.
    expect(simulation.calls.some((call) => call.operation === 'DescribeInstancesHealth')).toBe(true);
  });

  it('skips an environment that already runs the version, changing nothing', async () => {
    const { clock, simulation, services } = setup([{ name: 'shop-web', label: 'shop-v2' }]);
    const result = await rollOutEnvironment(services, {
      environment: 'shop-web',
      label: 'shop-v2',
      healthy: ['Green'],
      deadline: deadlineIn(clock, 30),
    });
    expect(result.skipped).toBe(true);
    expect(simulation.calls.map((call) => call.operation)).not.toContain('UpdateEnvironment');
  });

  it('waits for a busy environment to be Ready before updating it, saying why', async () => {
    const { clock, simulation, services, output } = setup();
    simulation.makeBusy('shop-web', 90_000);
    const start = clock.now();
    await rollOutEnvironment(services, {
      environment: 'shop-web',
      label: 'shop-v2',
      healthy: ['Green'],
      deadline: deadlineIn(clock, 30),
    });
    const update = simulation.calls.find((call) => call.operation === 'UpdateEnvironment');
    expect(update?.at).toBeGreaterThanOrEqual(start + 90_000);
    expect(output()).toContain('shop-web is Updating: waiting for it to be Ready');
  });

  it.each([
    ['fail', /Elastic Beanstalk reported the deploy failed/],
    ['red', /its health is Red/],
    ['revert', /Elastic Beanstalk reported the deploy failed|reverted the update/],
  ] as const)('fails (exit 1) when the deploy ends %s, naming the failing events', async (outcome, why) => {
    const { clock, simulation, services } = setup();
    simulation.scriptDeploy('shop-web', outcome);
    const error = await rollOutEnvironment(services, {
      environment: 'shop-web',
      label: 'shop-v2',
      healthy: ['Green'],
      deadline: deadlineIn(clock, 30),
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'EB_DEPLOY_FAILED', kind: 'failure' });
    expect((error as Error).message).toMatch(why);
    if (outcome !== 'red') {
      expect((error as { details: string[] }).details.join('\n')).toContain('Failed to deploy application.');
    }
  });

  it('aborts an update still running at the deadline, and fails naming it', async () => {
    const { clock, simulation, services } = setup();
    simulation.scriptDeploy('shop-web', 'hang');
    const error = await rollOutEnvironment(services, {
      environment: 'shop-web',
      label: 'shop-v2',
      healthy: ['Green'],
      deadline: deadlineIn(clock, 10),
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'EB_DEPLOY_TIMEOUT' });
    expect((error as Error).message).toContain('its update was aborted');
    expect(simulation.calls.map((call) => call.operation)).toContain('AbortEnvironmentUpdate');
  });

  it('backs off when throttled, and still finishes', async () => {
    const { clock, simulation, services } = setup();
    simulation.throttle(3);
    await rollOutEnvironment(services, {
      environment: 'shop-web',
      label: 'shop-v2',
      healthy: ['Green'],
      deadline: deadlineIn(clock, 30),
    }).catch(() => undefined);
    // The first call is the one throttled here (before the update), so the rollout is retried by the poller.
    expect(services.poller.stats.throttled).toBeGreaterThan(0);
    expect(simulation.environment('shop-web').VersionLabel).toBe('shop-v2');
  });

  it('stays under one Describe call per second over a whole deploy', async () => {
    const { clock, simulation, services } = setup();
    const started = clock.now();
    await rollOutEnvironment(services, {
      environment: 'shop-web',
      label: 'shop-v2',
      healthy: ['Green'],
      deadline: deadlineIn(clock, 30),
    });
    const seconds = (clock.now() - started) / 1000;
    expect(simulation.describeCalls() / seconds).toBeLessThan(1);
  });
});

describe('one poller for several environments', () => {
  it('watches environments rolled out at once with one DescribeEnvironments per tick for all of them', async () => {
    const { clock, simulation, services } = setup([
      { name: 'shop-web', label: 'shop-v1', deployMs: 120_000 },
      { name: 'shop-worker', label: 'shop-v1', deployMs: 180_000 },
    ]);
    const deadline = deadlineIn(clock, 30);
    const started = clock.now();
    await Promise.all(
      ['shop-web', 'shop-worker'].map((environment) =>
        rollOutEnvironment(services, { environment, label: 'shop-v2', healthy: ['Green'], deadline }),
      ),
    );
    expect(simulation.environment('shop-web').VersionLabel).toBe('shop-v2');
    expect(simulation.environment('shop-worker').VersionLabel).toBe('shop-v2');
    const describes = simulation.calls.filter((call) => call.operation === 'DescribeEnvironments');
    // Each asks for every watched environment at once: never one call per environment per tick.
    expect(
      describes.some((call) => (call.input as { EnvironmentNames: string[] }).EnvironmentNames.length === 2),
    ).toBe(true);
    expect(services.poller.stats.describeEnvironments).toBeLessThan((clock.now() - started) / 1000 / 5 + 2);
  });
});
