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
 * Runs a plan's steps in order, or only describes them (`dryRun`). Each step reports started, progress
 * and finished (or failed) events with durations to the logger; a failure stops the run and is rethrown
 * with the report of what ran attached (see {@link planReportOf}). With a journal, every finished step is
 * recorded before the next one starts, and steps it already holds are not run again.
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
  for (const [index, step] of plan.steps.entries()) {
    const description = step.describe();
    const recorded = options.journal?.finished(step.id);
    if (recorded) {
      outputs.set(step.id, recorded.output);
      report.steps.push({ id: step.id, description, status: 'recorded' });
      emit({ type: 'skipped', stepId: step.id, description, reason: 'done by an earlier run' });
      continue;
    }
    if (signal.aborted) {
      markNotRun(report, plan.steps.slice(index));
      throw attachReport(interrupted(description), report);
    }
    const started = clock.now();
    emit({ type: 'started', stepId: step.id, description, at: started });
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
    let output: unknown;
    try {
      output = await step.run(context);
    } catch (error) {
      const durationMs = clock.now() - started;
      report.steps.push({ id: step.id, description, status: 'failed', durationMs });
      markNotRun(report, plan.steps.slice(index + 1));
      report.durationMs = clock.now() - runStarted;
      emit({ type: 'failed', stepId: step.id, description, durationMs, error });
      throw attachReport(error, report);
    }
    const durationMs = clock.now() - started;
    outputs.set(step.id, output);
    // Recorded before the next step starts: a crash after this point never redoes this step.
    await options.journal?.record(step.id, description, output);
    report.steps.push({ id: step.id, description, status: 'succeeded', durationMs });
    emit({ type: 'finished', stepId: step.id, description, durationMs });
  }
  report.durationMs = clock.now() - runStarted;
  return report;
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

function markNotRun(report: PlanReport, steps: readonly Step<never>[]): void {
  for (const step of steps)
    report.steps.push({ id: step.id, description: step.describe(), status: 'not-run' });
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
    seen.add(step.id);
  }
}
