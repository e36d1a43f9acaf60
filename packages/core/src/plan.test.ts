import { describe, expect, it } from 'vitest';
import { ReletanError } from './errors.js';
import { createMemoryJournalStore, openRunJournal } from './journal.js';
import { createLogger, type OutputStream } from './logger.js';
import { describePlan, type Plan, planReportOf, runPlan, type Step } from './plan.js';
import type { StepEvent } from './progress.js';
import { createFakeClock } from './testing.js';

interface Services {
  log: string[];
}

/** A step that appends its name to the services' log, taking `ms` on the clock. */
function step(id: string, options: { ms?: number; fail?: boolean; output?: unknown } = {}): Step<Services> {
  return {
    id,
    describe: () => `do ${id}`,
    run: async (context) => {
      await context.clock.sleep(options.ms ?? 0);
      if (options.fail) throw new ReletanError({ code: 'STEP_FAILED', message: `${id} failed` });
      context.log.push(id);
      return options.output;
    },
  };
}

function recordingLogger() {
  const events: StepEvent[] = [];
  const sink: OutputStream = { write: () => true };
  const logger = {
    ...createLogger({ stdout: sink, stderr: sink, env: {} }),
    step: (event: StepEvent) => events.push(event),
  };
  return { logger, events };
}

describe('a dry run', () => {
  it('describes every step in order and runs none', async () => {
    const services = { log: [] as string[] };
    const plan: Plan<Services> = { steps: [step('a'), step('b')], done: ['c is done'] };
    const report = await runPlan(plan, { services, dryRun: true });
    expect(services.log).toEqual([]);
    expect(report).toEqual({
      dryRun: true,
      alreadyDone: ['c is done'],
      steps: [
        { id: 'a', description: 'do a', status: 'planned' },
        { id: 'b', description: 'do b', status: 'planned' },
      ],
      durationMs: 0,
    });
    expect(describePlan(plan)).toEqual(['do a', 'do b']);
  });
});

describe('running a plan', () => {
  it('runs the steps in order and reports each with its duration', async () => {
    const services = { log: [] as string[] };
    const clock = createFakeClock();
    const { logger, events } = recordingLogger();
    const report = await runPlan(
      { steps: [step('a', { ms: 1_500 }), step('b', { ms: 20 })], done: [] },
      { services, clock, logger },
    );
    expect(services.log).toEqual(['a', 'b']);
    expect(report.steps).toEqual([
      { id: 'a', description: 'do a', status: 'succeeded', durationMs: 1_500 },
      { id: 'b', description: 'do b', status: 'succeeded', durationMs: 20 },
    ]);
    expect(report.durationMs).toBe(1_520);
    expect(events.map((event) => `${event.type} ${event.stepId}`)).toEqual([
      'started a',
      'finished a',
      'started b',
      'finished b',
    ]);
  });

  it('stops at a failed step, reports what did not run, and rethrows the step error with the report', async () => {
    const services = { log: [] as string[] };
    const { logger, events } = recordingLogger();
    const error = await runPlan(
      { steps: [step('a'), step('b', { fail: true }), step('c')], done: [] },
      { services, logger, clock: createFakeClock() },
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'STEP_FAILED' });
    expect(services.log).toEqual(['a']);
    expect(planReportOf(error)?.steps.map((s) => [s.id, s.status])).toEqual([
      ['a', 'succeeded'],
      ['b', 'failed'],
      ['c', 'not-run'],
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'failed', stepId: 'b' });
  });

  it('lets a step read the outputs of the steps before it', async () => {
    const seen: unknown[] = [];
    const reader: Step<Services> = {
      id: 'reader',
      describe: () => 'read',
      run: (context) => void seen.push(context.outputOf('writer')),
    };
    await runPlan(
      { steps: [step('writer', { output: { label: 'shop-v1' } }), reader], done: [] },
      { services: { log: [] } },
    );
    expect(seen).toEqual([{ label: 'shop-v1' }]);
  });

  it('refuses a plan whose steps share an id (they would share a journal entry)', async () => {
    await expect(
      runPlan({ steps: [step('a'), step('a')], done: [] }, { services: { log: [] } }),
    ).rejects.toThrow('two steps of one plan have the id "a"');
  });

  it('stops between steps when interrupted, saying which step did not start (exit 130)', async () => {
    const controller = new AbortController();
    const stopper: Step<Services> = { id: 'stop', describe: () => 'stop', run: () => controller.abort() };
    const services = { log: [] as string[] };
    const error = await runPlan(
      { steps: [stopper, step('next')], done: [] },
      { services, signal: controller.signal },
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'INTERRUPTED',
      kind: 'interrupted',
      message: 'interrupted before: do next',
    });
    expect(services.log).toEqual([]);
  });
});

describe('resuming from the journal', () => {
  it('records each finished step, and a rerun continues after the last one, with its outputs', async () => {
    const store = createMemoryJournalStore();
    const services = { log: [] as string[] };
    const steps = (failB: boolean) => [
      step('a', { output: 'label-1' }),
      step('b', { fail: failB }),
      {
        id: 'c',
        describe: () => 'do c',
        run: (context: Parameters<Step<Services>['run']>[0]) =>
          void context.log.push(`c saw ${context.outputOf('a')}`),
      },
    ];
    const first = await openRunJournal(store, 'deploy/dev/v1');
    await expect(
      runPlan({ steps: steps(true), done: [] }, { services, journal: first }),
    ).rejects.toMatchObject({
      code: 'STEP_FAILED',
    });
    expect(Object.keys((await store.read('deploy/dev/v1'))?.steps ?? {})).toEqual(['a']);

    const { logger, events } = recordingLogger();
    const rerun = await openRunJournal(store, 'deploy/dev/v1');
    const report = await runPlan({ steps: steps(false), done: [] }, { services, journal: rerun, logger });
    expect(services.log).toEqual(['a', 'b', 'c saw label-1']);
    expect(report.steps.map((s) => [s.id, s.status])).toEqual([
      ['a', 'recorded'],
      ['b', 'succeeded'],
      ['c', 'succeeded'],
    ]);
    expect(events[0]).toMatchObject({ type: 'skipped', stepId: 'a', reason: 'done by an earlier run' });
  });

  it('marks recorded steps in a dry run', async () => {
    const store = createMemoryJournalStore();
    const journal = await openRunJournal(store, 'r');
    await journal.record('a', 'do a');
    const report = await runPlan(
      { steps: [step('a'), step('b')], done: [] },
      { services: { log: [] }, journal, dryRun: true },
    );
    expect(report.steps.map((s) => s.status)).toEqual(['recorded', 'planned']);
  });
});

describe('steps that wait for others', () => {
  /** A step taking `ms` on the clock, logging when it starts and ends. */
  function timed(
    id: string,
    ms: number,
    extra: Partial<Pick<Step<Services>, 'after' | 'startDelayMs'>> & { fail?: boolean } = {},
  ): Step<Services> {
    return {
      id,
      describe: () => `deploy ${id}`,
      ...(extra.after ? { after: extra.after } : {}),
      ...(extra.startDelayMs === undefined ? {} : { startDelayMs: extra.startDelayMs }),
      run: async (context) => {
        context.log.push(`${context.clock.now() - start} start ${id}`);
        await context.clock.sleep(ms);
        if (extra.fail) throw new ReletanError({ code: 'DEPLOY_FAILED', message: `${id} failed` });
        context.log.push(`${context.clock.now() - start} end ${id}`);
      },
    };
  }
  const start = Date.UTC(2026, 0, 1);

  it('run at the same time when nothing orders them, and a step after both starts when both are done', async () => {
    const services = { log: [] as string[] };
    const clock = createFakeClock(start);
    const report = await runPlan(
      {
        steps: [
          timed('version', 10),
          timed('worker', 100, { after: ['version'] }),
          timed('api', 50, { after: ['version'] }),
          timed('web', 30, { after: ['worker', 'api'] }),
        ],
        done: [],
      },
      { services, clock },
    );
    expect(services.log).toEqual([
      '0 start version',
      '10 end version',
      '10 start worker',
      '10 start api',
      '60 end api',
      '110 end worker',
      '110 start web',
      '140 end web',
    ]);
    expect(report.durationMs).toBe(140);
    expect(report.steps.map((step) => step.id)).toEqual(['version', 'worker', 'api', 'web']);
  });

  it('start a delay after what they wait for starts (a staggered start), not after it finishes', async () => {
    const services = { log: [] as string[] };
    await runPlan(
      {
        steps: [
          timed('worker', 100, { after: [] }),
          timed('web', 30, { after: ['worker'], startDelayMs: 60 }),
        ],
        done: [],
      },
      { services, clock: createFakeClock(start) },
    );
    expect(services.log).toEqual(['0 start worker', '60 start web', '90 end web', '100 end worker']);
  });

  it('start nothing new after a failure, let running steps finish, and report each', async () => {
    const services = { log: [] as string[] };
    const error = await runPlan(
      {
        steps: [
          timed('worker', 20, { after: [], fail: true }),
          timed('api', 50, { after: [] }),
          timed('web', 30, { after: ['worker', 'api'] }),
          timed('late', 10, { after: ['api'] }),
        ],
        done: [],
      },
      { services, clock: createFakeClock(start) },
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'DEPLOY_FAILED', message: 'worker failed' });
    expect(services.log).toEqual(['0 start worker', '0 start api', '50 end api']);
    expect(planReportOf(error)?.steps.map((step) => [step.id, step.status])).toEqual([
      ['worker', 'failed'],
      ['api', 'succeeded'],
      ['web', 'not-run'],
      ['late', 'not-run'],
    ]);
  });

  it('refuse a plan whose step waits for one that is not before it', async () => {
    await expect(
      runPlan(
        { steps: [timed('web', 1, { after: ['worker'] }), timed('worker', 1)], done: [] },
        { services: { log: [] } },
      ),
    ).rejects.toThrow('step "web" waits for "worker", which is not before it in the plan');
  });

  it('count recorded steps as done when resuming, and start what waits for them', async () => {
    const store = createMemoryJournalStore();
    const journal = await openRunJournal(store, 'deploy/prod/v2');
    await journal.record('worker', 'deploy worker', { rollbackTo: 'v1' });
    const services = { log: [] as string[] };
    const report = await runPlan(
      {
        steps: [
          timed('worker', 100, { after: [] }),
          timed('web', 30, { after: ['worker'], startDelayMs: 60 }),
        ],
        done: [],
      },
      { services, clock: createFakeClock(start), journal },
    );
    expect(services.log).toEqual(['60 start web', '90 end web']);
    expect(report.steps.map((step) => step.status)).toEqual(['recorded', 'succeeded']);
  });
});
