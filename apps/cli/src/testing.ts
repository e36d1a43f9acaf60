/**
 * Test support for reletan's commands, shared by both bins' tests (and by services testing how they run
 * reletan): a command run in this process through the apps' own runtime, so exit codes, JSON and hints
 * are exactly what the bins produce.
 */
import { type AppIo, type GlobalOptions, runAction } from '@reletan/cli-kit';
import { exitCodeForCommander, IN_PROCESS_IO } from '@reletan/cli-kit/bin';
import type { OutputStream } from '@reletan/core';
import { createFakeClock } from '@reletan/core/testing';
import type { Command } from 'commander';
import { type AutomergeOptions, automerge } from './commands/automerge.js';
import { createProgram } from './program.js';

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

export interface RunReletanInProcessOptions
  extends Pick<AppIo, 'env' | 'cwd' | 'aws' | 'github' | 'clock' | 'signal'> {}

/**
 * Runs `reletan ARGS` in this process, through the real program: commander's parsing, the lazily built
 * group, the command, the hint rendering and the exit code, with output captured. For commands whose
 * services a test replaces in-process (AWS through `aws-sdk-client-mock`, a fake clock); tests of the bin
 * as a user runs it use the built `dist/bin.cjs` instead.
 */
export async function runReletanInProcess(args: readonly string[], options: RunReletanInProcessOptions) {
  const out: string[] = [];
  const err: string[] = [];
  const holder = globalThis as { [IN_PROCESS_IO]?: AppIo };
  holder[IN_PROCESS_IO] = { ...options, stdout: stream(out), stderr: stream(err) };
  const previous = process.exitCode;
  process.exitCode = undefined;
  let exitCode: number;
  try {
    const argv = ['node', 'reletan', ...args];
    const program = createProgram(argv);
    for (const command of [program, ...descendants(program)]) {
      command.configureOutput({
        writeOut: (text) => void out.push(text),
        writeErr: (text) => void err.push(text),
      });
    }
    await program.parseAsync(argv);
    exitCode = Number(process.exitCode ?? 0);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('commander.')) throw error;
    exitCode = exitCodeForCommander(error as { code: string; exitCode: number });
  } finally {
    delete holder[IN_PROCESS_IO];
    process.exitCode = previous;
  }
  const stdout = out.join('');
  return { exitCode, stdout, stderr: err.join(''), json: () => JSON.parse(stdout) };
}

function stream(into: string[]): OutputStream {
  return { write: (chunk: string) => into.push(chunk) };
}

function descendants(command: Command): Command[] {
  return command.commands.flatMap((child) => [child, ...descendants(child)]);
}
