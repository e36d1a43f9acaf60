import { ReletanError } from './errors.js';
import type { RunJournal } from './journal.js';
import type { Logger } from './logger.js';
import { type Clock, systemClock } from './poll.js';
import type { StepEvent } from './progress.js';

/**
 * What every step gets when it runs, besides the services its plan was built for: a signal to stop
 * waiting on, a way to report progress, and the outputs of the steps before it.
 */
export interface StepRuntime {
  /** Aborted when the run is interrupted (Ctrl-C, SIGTERM): long waits stop and throw. */
  readonly signal: AbortSignal;
  /** Reports how the step is getting on ("42% of 10,000 documents"): a line under it, or a timestamped line in CI. */
  progress(message: string): void;
  /** The output of an earlier step of this run, or of one an earlier run recorded in the journal. */
  outputOf<T = unknown>(stepId: string): T | undefined;
  readonly clock: Clock;
}

/** The context `run` gets: the plan's services (a git runner, clients…) and the {@link StepRuntime}. */
export type StepContext<Services = object> = Services & StepRuntime;

/**
 * One unit of work of a plan. A step is a value: building one does nothing, and `describe()` says what
 * `run()` would do, in one line, the same text for `--dry-run`, `reletan plan` and progress.
 */
export interface Step<Services = object, Output = unknown> {
  /** Stable within its plan, e.g. `merge-main` or `deploy:web`: the journal records completion under it. */
  readonly id: string;
  describe(): string;
  /** Does the work; what it returns is the step's output (recorded in the journal, readable by later steps). */
  run(context: StepContext<Services>): Promise<Output> | Output;
  /**
   * The steps this one waits for. Steps whose dependencies are done run at the same time (e.g. two
   * environments deployed in parallel). @default the step before it in the plan (a plan runs in order)
   */
  readonly after?: readonly string[];
  /**
   * Start this long after every step in `after` has *started*, instead of when they finish: a staggered
   * start (workers first, web a minute later, both updating at once).
   */
  readonly startDelayMs?: number;
}

/**
 * What to do, computed from facts: the steps in order, and what is already done (by an earlier run, or
 * found so), in words. A plan is data; {@link runPlan} executes it.
 */
export interface Plan<Services = object> {
  readonly steps: readonly Step<Services>[];
  /** Already done, so not done again: "tag v1.2.0 already exists". */
  readonly done: readonly string[];
}

/** How one step of a run went. */
export interface StepReport {
  id: string;
  description: string;
  /**
   * `planned`: a dry run, not run. `succeeded`/`failed`: run by this run. `not-run`: after a failure.
   * `recorded`: done by an earlier run, as its journal says.
   */
  status: 'planned' | 'succeeded' | 'failed' | 'not-run' | 'recorded';
  /** Wall time of the step, in milliseconds (steps that ran). */
  durationMs?: number;
}

/** What a run of a plan did, as `--json` reports it. */
export interface PlanReport {
  dryRun: boolean;
  /** The plan's `done` list: what was already done before this run. */
  alreadyDone: string[];
  steps: StepReport[];
  /** Wall time of the whole run, in milliseconds (0 for a dry run). */
  durationMs: number;
}

export interface RunPlanOptions<Services> {
  /** What the steps act through (a git runner, an AWS client…): passed to every `run`. */
  services: Services;
  /** Describe every step, run none. @default false */
  dryRun?: boolean | undefined;
  /**
   * Records each finished step (and its output) as it finishes, and skips steps an earlier run of the
   * same journal recorded, so a rerun continues where a failure stopped.
   */
  journal?: RunJournal | undefined;
  /** Renders the progress events (see `Logger.step`). */
  logger?: Logger | undefined;
  /** Stops the run between steps, and long waits inside them. */
  signal?: AbortSignal | undefined;
  /** @default the system clock */
  clock?: Clock | undefined;
}

/**
 * Runs a plan's steps in order (steps with `after` as soon as what they wait for is done, several at once
 * when it allows), or only describes them (`dryRun`). Each step reports started, progress and finished
 * (or failed) events with durations to the logger. A failure starts nothing new, lets running steps
 * finish, and is rethrown with the report of what ran attached (see {@link planReportOf}); so does an
 * interruption (the signal), as `INTERRUPTED`. With a journal, every finished step is recorded before
 * anything waiting for it starts, and steps it already holds are not run again.
 */
export async function runPlan<Services>(
  plan: Plan<Services>,
  options: RunPlanOptions<Services>,
): Promise<PlanReport> {
  const clock = options.clock ?? systemClock;
  const signal = options.signal ?? new AbortController().signal;
  const emit = (event: StepEvent) => options.logger?.step(event);
  const report: PlanReport = {
    dryRun: options.dryRun === true,
    alreadyDone: [...plan.done],
    steps: [],
    durationMs: 0,
  };
  assertUniqueIds(plan.steps);
  if (options.dryRun) {
    report.steps = plan.steps.map((step) => ({
      id: step.id,
      description: step.describe(),
      status: options.journal?.finished(step.id) ? 'recorded' : 'planned',
    }));
    return report;
  }

  const outputs = new Map<string, unknown>();
  const runStarted = clock.now();
  const reports = new Map<string, StepReport>();
  const started = new Map<string, Deferred<boolean>>();
  const finished = new Map<string, Deferred<boolean>>();
  for (const step of plan.steps) {
    started.set(step.id, deferred());
    finished.set(step.id, deferred());
  }
  let firstError: { error: unknown } | undefined;
  const stopped = () => firstError !== undefined || signal.aborted;

  const notRun = (step: Step<Services>, description: string) => {
    reports.set(step.id, { id: step.id, description, status: 'not-run' });
    started.get(step.id)?.resolve(false);
    finished.get(step.id)?.resolve(false);
  };

  const runStep = async (step: Step<Services>, index: number): Promise<void> => {
    const description = step.describe();
    const recorded = options.journal?.finished(step.id);
    const dependencies = dependenciesOf(plan.steps, index);
    if (recorded) {
      outputs.set(step.id, recorded.output);
      reports.set(step.id, { id: step.id, description, status: 'recorded' });
      emit({ type: 'skipped', stepId: step.id, description, reason: 'done by an earlier run' });
      started.get(step.id)?.resolve(true);
      finished.get(step.id)?.resolve(true);
      return;
    }
    // A staggered step waits for its dependencies to start, then for its delay; any other step for them to
    // finish. A dependency that failed or never ran means this step does not run either.
    const ready =
      step.startDelayMs === undefined
        ? await Promise.all(dependencies.map((id) => finished.get(id)?.promise))
        : await Promise.all(dependencies.map((id) => started.get(id)?.promise));
    if (!ready.every(Boolean) || stopped()) return notRun(step, description);
    if (step.startDelayMs !== undefined && step.startDelayMs > 0) {
      try {
        await clock.sleep(step.startDelayMs, signal);
      } catch {
        return notRun(step, description);
      }
      if (stopped()) return notRun(step, description);
    }
    const stepStarted = clock.now();
    emit({ type: 'started', stepId: step.id, description, at: stepStarted });
    started.get(step.id)?.resolve(true);
    const context = {
      ...options.services,
      signal,
      clock,
      progress: (message: string) =>
        emit({ type: 'progress', stepId: step.id, description, message, at: clock.now() }),
      outputOf: <T>(stepId: string) =>
        (outputs.has(stepId) ? outputs.get(stepId) : options.journal?.finished(stepId)?.output) as
          | T
          | undefined,
    } as StepContext<Services>;
    try {
      const output = await step.run(context);
      outputs.set(step.id, output);
      // Recorded before anything after it starts: a crash after this point never redoes this step.
      await options.journal?.record(step.id, description, output);
    } catch (error) {
      const durationMs = clock.now() - stepStarted;
      firstError ??= { error };
      reports.set(step.id, { id: step.id, description, status: 'failed', durationMs });
      emit({ type: 'failed', stepId: step.id, description, durationMs, error });
      finished.get(step.id)?.resolve(false);
      return;
    }
    const durationMs = clock.now() - stepStarted;
    reports.set(step.id, { id: step.id, description, status: 'succeeded', durationMs });
    emit({ type: 'finished', stepId: step.id, description, durationMs });
    finished.get(step.id)?.resolve(true);
  };

  await Promise.all(plan.steps.map((step, index) => runStep(step, index)));
  // In plan order, whatever order the steps ran in.
  report.steps = plan.steps.map((step) => reports.get(step.id) as StepReport);
  report.durationMs = clock.now() - runStarted;
  if (firstError) throw attachReport(firstError.error, report);
  const skipped = report.steps.find((step) => step.status === 'not-run');
  if (skipped) throw attachReport(interrupted(skipped.description), report);
  return report;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** The ids a step waits for: its `after`, else the step before it (a plan without `after` runs in order). */
function dependenciesOf(steps: readonly Step<never>[], index: number): readonly string[] {
  const step = steps[index] as Step<never>;
  if (step.after !== undefined) return step.after;
  const previous = steps[index - 1];
  return previous ? [previous.id] : [];
}

/** The report of the run a failed {@link runPlan} threw from: which steps ran, failed and did not run. */
export function planReportOf(error: unknown): PlanReport | undefined {
  return (error as { [REPORT]?: PlanReport } | undefined)?.[REPORT];
}

/** The lines `--dry-run` prints: every step's description, in order. */
export function describePlan(plan: Pick<Plan<never>, 'steps'>): string[] {
  return plan.steps.map((step) => step.describe());
}

const REPORT = Symbol.for('reletan.planReport');

function attachReport(error: unknown, report: PlanReport): unknown {
  if (error !== null && typeof error === 'object' && Object.isExtensible(error)) {
    Object.defineProperty(error, REPORT, { value: report, enumerable: false, configurable: true });
  }
  return error;
}

function interrupted(description: string): ReletanError {
  return new ReletanError({
    code: 'INTERRUPTED',
    kind: 'interrupted',
    message: `interrupted before: ${description}`,
    hint: 'the steps before it are done; run the same operation again to continue',
  });
}

function assertUniqueIds(steps: readonly Step<never>[]): void {
  const seen = new Set<string>();
  for (const step of steps) {
    if (seen.has(step.id)) {
      // A plan builder's bug, not the user's input: two steps would share one journal entry.
      throw new Error(`two steps of one plan have the id "${step.id}"`);
    }
    // Only on steps before it: a plan's order is one its dependencies allow (so no cycle can exist).
    for (const id of step.after ?? []) {
      if (!seen.has(id))
        throw new Error(`step "${step.id}" waits for "${id}", which is not before it in the plan`);
    }
    seen.add(step.id);
  }
}
