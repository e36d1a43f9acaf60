import { spawn } from 'node:child_process';
import { ReletanError } from './errors.js';

export interface GitResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface GitRunOptions {
  /** Text written to git's stdin. */
  input?: string;
  /** Resolve with a non-zero exit code instead of throwing. @default false */
  allowFailure?: boolean;
  /** Extra environment for this call (e.g. `GIT_EDITOR`). */
  env?: NodeJS.ProcessEnv;
}

/** Runs git with an argument array (never a shell string) in one repository. */
export interface GitRunner {
  readonly cwd: string;
  /** Runs `git ...args`; throws a `GIT_FAILED` error naming the command and git's message on failure. */
  run(args: readonly string[], options?: GitRunOptions): Promise<GitResult>;
  /** Runs `git ...args` and returns trimmed stdout. */
  output(args: readonly string[], options?: GitRunOptions): Promise<string>;
}

export interface CreateGitRunnerOptions {
  /** The repository (or a directory inside it). @default process.cwd() */
  cwd?: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default "git" */
  binary?: string;
  /** Called with every command before it runs, e.g. to log it under --verbose. */
  onCommand?: (args: readonly string[]) => void;
}

export function createGitRunner(options: CreateGitRunnerOptions = {}): GitRunner {
  const cwd = options.cwd ?? process.cwd();
  const binary = options.binary ?? 'git';
  // Messages must be parseable and the same on every machine, whatever the user's locale and pager.
  const baseEnv = {
    ...(options.env ?? process.env),
    LC_ALL: 'C',
    LANG: 'C',
    GIT_PAGER: 'cat',
    GIT_TERMINAL_PROMPT: '0',
  };

  const run = (args: readonly string[], runOptions: GitRunOptions = {}) =>
    new Promise<GitResult>((resolve, reject) => {
      options.onCommand?.(args);
      const child = spawn(binary, args, {
        cwd,
        env: runOptions.env ? { ...baseEnv, ...runOptions.env } : baseEnv,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.on('error', (error: NodeJS.ErrnoException) => {
        reject(
          new ReletanError({
            code: error.code === 'ENOENT' ? 'GIT_NOT_FOUND' : 'GIT_FAILED',
            message:
              error.code === 'ENOENT'
                ? `git is not installed (could not run "${binary}")`
                : `could not run git: ${error.message}`,
            hint: error.code === 'ENOENT' ? 'install git and make sure it is on PATH' : undefined,
            cause: error,
          }),
        );
      });
      child.on('close', (code) => {
        const result = {
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
          exitCode: code ?? 1,
        };
        if (result.exitCode !== 0 && !runOptions.allowFailure) {
          const message = result.stderr.trim() || result.stdout.trim() || `exit code ${result.exitCode}`;
          reject(
            new ReletanError({
              code: 'GIT_FAILED',
              message: `git ${args.join(' ')} failed: ${message}`,
              input: { command: `git ${args.join(' ')}` },
            }),
          );
          return;
        }
        resolve(result);
      });
      // git may exit (or never start) before reading stdin; its exit code is what reports that.
      child.stdin.on('error', () => {});
      child.stdin.end(runOptions.input ?? '');
    });

  return {
    cwd,
    run,
    output: async (args, runOptions) => (await run(args, runOptions)).stdout.trim(),
  };
}
