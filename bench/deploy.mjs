// The deploy of a web and a worker environment against the Elastic Beanstalk simulation (the same one the
// tests use, on a virtual clock), through the real plan, rollout and shared poller: how long it takes
// against its critical path (each environment's deploy time along the `after` chain), and how many
// Describe calls it makes per environment-minute. Targets (issue 10): no longer than the critical path
// plus one poll interval (30 s at most), and under one Describe call per second for the whole run.
import { printTable } from './lib.mjs';

const eb = await import(new URL('../packages/eb-deployer/dist/index.js', import.meta.url));
const testing = await import(new URL('../packages/eb-deployer/dist/testing.js', import.meta.url));
const { createFakeClock } = await import(new URL('../packages/core/dist/testing.js', import.meta.url));
const { createAwsAccess } = await import(new URL('../packages/aws/dist/index.js', import.meta.url));
const { runPlan, validateConfig } = {
  ...(await import(new URL('../packages/core/dist/index.js', import.meta.url))),
  ...(await import(new URL('../packages/config/dist/index.js', import.meta.url))),
};

const MAX_INTERVAL_MS = 30_000;
const scenarios = [
  {
    name: 'worker, then web',
    environments: [
      { name: 'shop-worker', role: 'worker' },
      { name: 'shop-web', role: 'web', after: 'shop-worker' },
    ],
    criticalPathMs: 180_000 + 120_000,
  },
  {
    name: 'web 60 s after the worker starts',
    environments: [
      { name: 'shop-worker', role: 'worker' },
      { name: 'shop-web', role: 'web', after: 'shop-worker', startDelaySeconds: 60 },
    ],
    criticalPathMs: Math.max(180_000, 60_000 + 120_000),
  },
  {
    name: 'both at once',
    environments: [
      { name: 'shop-worker', role: 'worker' },
      { name: 'shop-web', role: 'web' },
    ],
    criticalPathMs: 180_000,
  },
];

const rows = [];
for (const scenario of scenarios) {
  const clock = createFakeClock();
  const simulation = new testing.EbSimulation({
    clock,
    application: 'shop',
    environments: [
      { name: 'shop-worker', label: 'shop-1', deployMs: 180_000, tier: 'Worker' },
      { name: 'shop-web', label: 'shop-1', deployMs: 120_000 },
    ],
    versions: [{ label: 'shop-2' }],
  });
  const mock = testing.installEbSimulation(simulation);
  const config = validateConfig({
    stages: {
      prod: {
        deploy: { region: 'ap-northeast-1', application: 'shop', environments: scenario.environments },
      },
    },
  });
  // The client the deployer makes (the mocked one): the same SDK module instance as the simulation's.
  const aws = createAwsAccess({ clientConfig: { credentials: { accessKeyId: 'A', secretAccessKey: 'B' } } });
  const { target } = await eb.stageTarget(config, 'prod', aws);
  const poller = new eb.EnvironmentPoller({ target, clock });
  const plan = eb.planElasticBeanstalkDeploy({
    stage: 'prod',
    deploy: config.stages.prod.deploy,
    release: 'v2',
    bucket: 'b',
  });
  const services = {
    buildBundle: async () => ({ file: 'x', sha256: '0'.repeat(64), bytes: 1, label: 'shop-2', cached: true }),
    uploadBundle: async () => ({ uploaded: false, bucket: 'b', key: 'k' }),
    ensureVersion: async () => ({ label: 'shop-2', created: false, pruned: [] }),
    readLabels: async (names) => Object.fromEntries(names.map((name) => [name, 'shop-1'])),
    rollOut: async (environment, label, progress) => {
      const result = await eb.rollOutEnvironment(
        { target, poller, clock },
        { environment, label, healthy: ['Green'], deadline: clock.now() + 30 * 60_000, progress },
      );
      return { skipped: result.skipped, from: result.from };
    },
  };
  const started = clock.now();
  await runPlan(plan, { services, clock });
  const wallMs = clock.now() - started;
  mock.restore();
  const describes = simulation.describeCalls();
  const environmentMinutes = (scenario.environments.length * wallMs) / 60_000;
  rows.push([
    scenario.name,
    (scenario.criticalPathMs / 1000).toFixed(0),
    (wallMs / 1000).toFixed(0),
    `+${((wallMs - scenario.criticalPathMs) / 1000).toFixed(0)} s`,
    wallMs <= scenario.criticalPathMs + MAX_INTERVAL_MS + 5_000 ? 'ok' : 'OVER',
    String(describes),
    (describes / environmentMinutes).toFixed(2),
    (describes / (wallMs / 1000)).toFixed(3),
  ]);
}

console.log(
  '\ndeploy: web + worker against the Elastic Beanstalk simulation (virtual time), through the real plan, rollout and poller\n',
);
printTable(
  [
    'scenario',
    'critical path s',
    'took s',
    'over',
    'target',
    'Describe calls',
    'per env-minute',
    'per second',
  ],
  rows,
);
if (rows.some((row) => row[4] === 'OVER') && process.env.BENCH_STRICT) process.exitCode = 1;
