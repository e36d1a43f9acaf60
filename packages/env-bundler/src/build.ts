import path from 'node:path';
import { displayPath, type Plan, type PlanReport, runPlan, type Step, usageError } from '@reletan/core';
import { formatProblem } from './problems.js';
import { type EnvFormat, type RenderedEnv, renderEnv } from './render.js';
import { assertBuildable, type BuiltEnv, type ResolveEnvOptions, resolveEnv } from './resolve.js';
import { writeEnvFile } from './write.js';

export interface BuildStageEnvOptions extends ResolveEnvOptions {
  /** The file to write, relative to `cwd`. @default the stage's `env.out` (`.env`) */
  out?: string | undefined;
  /** @default "dotenv" */
  format?: EnvFormat | undefined;
  /** Check, render and describe the write; write nothing. @default false */
  dryRun?: boolean | undefined;
}

/** A built stage env: what was (or, in a dry run, would be) written, and the run's report. */
export interface StageEnvBuild {
  built: BuiltEnv;
  rendered: RenderedEnv;
  /** The file, absolute. */
  out: string;
  bytes: number;
  report: PlanReport;
}

/** The write of a built env as a plan of one step: `--dry-run` describes it, a real run does it. */
export function planEnvWrite(options: {
  out: string;
  /** How the file is named in the description (relative to the working directory). */
  shown: string;
  rendered: RenderedEnv;
  keys: number;
}): Plan {
  const bytes = Buffer.byteLength(options.rendered.content, 'utf8');
  const write: Step = {
    id: 'write-env',
    describe: () =>
      `write ${options.shown} (${options.rendered.format}, ${options.keys} keys, ${bytes} bytes, mode 0600)`,
    run: () => writeEnvFile(options.out, options.rendered.content),
  };
  return { steps: [write], done: [] };
}

/**
 * `env build` as a library call: merge and validate the stage's layers (a refused build writes
 * nothing), render the format, then write it atomically with mode 0600, or only describe the write in
 * a dry run. A format other than dotenv needs its own `out`: the stage's `env.out` is the app's `.env`.
 */
export async function buildStageEnv(options: BuildStageEnvOptions): Promise<StageEnvBuild> {
  const format = options.format ?? 'dotenv';
  if (format !== 'dotenv' && options.out === undefined) {
    throw usageError('ENV_OUT_REQUIRED', `the ${format} format needs a file to write to`, {
      hint: `reletan never prints secret values, so the ${format} output goes to a file: {out}`,
      actions: { out: { type: 'option', name: 'out', value: 'FILE', words: 'name the file' } },
    });
  }
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const resolution = await resolveEnv(options);
  for (const problem of resolution.problems) {
    if (problem.severity === 'warning') options.logger?.warn(formatProblem(problem));
  }
  const built = assertBuildable(resolution);
  const out = options.out === undefined ? built.out : path.resolve(cwd, options.out);
  const rendered = renderEnv(built.values, { format, stage: built.stage });
  for (const warning of rendered.warnings) options.logger?.warn(warning);
  const plan = planEnvWrite({
    out,
    shown: displayPath(cwd, out),
    rendered,
    keys: Object.keys(built.values).length,
  });
  // No step lines: the caller reports the one write (the summary names the file, keys and bytes).
  const report = await runPlan(plan, { services: {}, dryRun: options.dryRun });
  return { built, rendered, out, bytes: Buffer.byteLength(rendered.content, 'utf8'), report };
}
