/**
 * Test support for reletan's commands, shared by both bins' tests (and by services testing how they run
 * reletan): a command run in this process through the apps' own runtime, so exit codes, JSON and hints
 * are exactly what the bins produce.
 */
import { type GlobalOptions, runAction } from '@reletan/cli-kit';
import type { OutputStream } from '@reletan/core';
import { createFakeClock } from '@reletan/core/testing';
import { type AutomergeOptions, automerge } from './commands/automerge.js';

export interface RunAutomergeInProcessOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** @default { json: true } */
  globals?: GlobalOptions;
}

/**
 * Runs the bins' `automerge` command in this process, through the apps' own runtime (so exit codes are
 * mapped exactly as the bins map them), with the client's waits shrunk and every sleep recorded. Point
 * GitHub at nock or {@link startFakeGitHub}.
 */
export async function runAutomergeInProcess(
  command: AutomergeOptions,
  options: RunAutomergeInProcessOptions,
) {
  const out: string[] = [];
  const err: string[] = [];
  const stream = (into: string[]): OutputStream => ({ write: (chunk: string) => into.push(chunk) });
  const clock = createFakeClock();
  const exitCode = await runAction(
    options.globals ?? { json: true },
    (context) => automerge(context, command),
    {
      stdout: stream(out),
      stderr: stream(err),
      env: options.env,
      cwd: options.cwd,
      github: { retry: { retryAfterBaseValue: 1 }, throttle: { enabled: false } },
      clock,
    },
  );
  const sleeps = clock.sleeps;
  const stdout = out.join('');
  return { exitCode, stdout, stderr: err.join(''), sleeps, json: () => JSON.parse(stdout) };
}
