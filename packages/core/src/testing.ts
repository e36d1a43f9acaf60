/**
 * Helpers for reletan's own tests (and for services testing their use of reletan): temporary
 * directories, real git repositories with a bare `origin`, and running a built bin as a user would.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { cp, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isReletanError, type ReletanError } from './errors.js';
import { createGitRunner, type GitRunner } from './git.js';
import { createLogger, type Logger, type LoggerOptions } from './logger.js';
import { type Clock, interruptedError } from './poll.js';

export interface TempDir {
  path: string;
  cleanup(): Promise<void>;
}

/** A fresh directory under the OS temp dir (symlinks resolved, so paths compare equal to `process.cwd()`). */
export async function makeTempDir(prefix = 'reletan-'): Promise<TempDir> {
  const dir = await realpath(await mkdtemp(path.join(tmpdir(), prefix)));
  return { path: dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface TestRepo extends TempDir {
  /** The working clone. */
  dir: string;
  /** The bare repository the clone's `origin` points at. */
  origin: string;
  git: GitRunner;
}

export interface CreateTestRepoOptions {
  /** The first branch. @default "main" */
  branch?: string;
  /** Create a bare `origin` and push the first branch to it. @default true */
  withOrigin?: boolean;
}

/** A real git repository with one commit, an identity, and (by default) a bare `origin` tracking it. */
export async function createTestRepo(options: CreateTestRepoOptions = {}): Promise<TestRepo> {
  const branch = options.branch ?? 'main';
  const withOrigin = options.withOrigin ?? true;
  return copyOfTemplateRepo(`createTestRepo:${branch}:${withOrigin}`, async () => {
    const root = await makeTempDir('reletan-repo-');
    const dir = path.join(root.path, 'work');
    const origin = path.join(root.path, 'origin.git');
    const env = testGitEnv();
    await createGitRunner({ cwd: root.path, env }).run(['init', '-q', '-b', branch, dir]);
    const git = createGitRunner({ cwd: dir, env });
    await git.run(['commit', '-q', '--allow-empty', '-m', 'Initial commit']);
    if (withOrigin) {
      await git.run(['init', '-q', '--bare', '-b', branch, origin]);
      await git.run(['remote', 'add', 'origin', origin]);
      await git.run(['push', '-q', '-u', 'origin', branch]);
    }
    return { ...root, dir, origin, git };
  });
}

const templates = new Map<string, Promise<string>>();

/**
 * A fresh copy of a repository that `build` makes once per process under `key`: the working clone in
 * `work/` of a temp dir, its bare `origin` (if any) in `origin.git/` beside it, as {@link createTestRepo}
 * lays them out. Copying files costs no process; building costs a git process per step (several for a
 * push), which on a small CI machine is most of a git test's time. The copy's `origin` remote points at
 * its own `origin.git`. The template is removed when the process exits.
 */
export async function copyOfTemplateRepo(
  key: string,
  build: () => Promise<TestRepo>,
  env: NodeJS.ProcessEnv = testGitEnv(),
): Promise<TestRepo> {
  let template = templates.get(key);
  if (!template) {
    template = build().then((repo) => {
      process.once('exit', () => rmSync(repo.path, { recursive: true, force: true }));
      return repo.path;
    });
    templates.set(key, template);
    template.catch(() => templates.delete(key));
  }
  const source = await template;
  const root = await makeTempDir('reletan-repo-');
  await cp(source, root.path, { recursive: true, verbatimSymlinks: true });
  const dir = path.join(root.path, 'work');
  const origin = path.join(root.path, 'origin.git');
  const configFile = path.join(dir, '.git', 'config');
  const config = await readFile(configFile, 'utf8');
  await writeFile(configFile, config.split(path.join(source, 'origin.git')).join(origin));
  return { ...root, dir, origin, git: createGitRunner({ cwd: dir, env }) };
}

/** An environment that makes git deterministic and independent of the machine's own config. */
export function testGitEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Rel Tester',
    GIT_AUTHOR_EMAIL: 'rel@example.com',
    GIT_COMMITTER_NAME: 'Rel Tester',
    GIT_COMMITTER_EMAIL: 'rel@example.com',
    ...extra,
  };
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunScriptOptions {
  cwd?: string;
  /** The whole environment of the child (nothing is inherited but what you pass). @default PATH and HOME */
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Extra node flags, e.g. `--import`. */
  nodeArgs?: string[];
}

/** Runs a Node script (a built bin) in a child process with a controlled environment. */
export function runNodeScript(
  script: string,
  args: readonly string[],
  options: RunScriptOptions = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: options.env ?? { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        exitCode: code ?? (signal === 'SIGINT' ? 130 : 1),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/** A {@link Clock} whose sleeps return at once and move time forward, recording every wait. */
export interface FakeClock extends Clock {
  /** Every `sleep` asked for, in order. */
  readonly sleeps: number[];
  /** Moves time forward without a sleep (e.g. the time a simulated request takes). */
  advance(ms: number): void;
}

/**
 * A fake clock starting at `start` (ms since the epoch): hours of polling run in milliseconds. Time is
 * virtual: a sleep wakes when every task is waiting (no promise work is left) and its wake time is the
 * earliest, so concurrent sleeps overlap as real timers would (two environments polled at once take the
 * longer of the two, not the sum). Sleeps that wake at the same time wake in the order they were asked.
 */
export function createFakeClock(start = Date.UTC(2026, 0, 1)): FakeClock {
  let now = start;
  const sleeps: number[] = [];
  const timers: { wakeAt: number; order: number; wake: () => void }[] = [];
  let order = 0;
  let scheduled = false;
  const advanceWhenIdle = () => {
    if (scheduled) return;
    scheduled = true;
    // After every pending promise callback has run: then the tasks that will sleep have asked to.
    setImmediate(() => {
      scheduled = false;
      if (timers.length === 0) return;
      timers.sort((a, b) => a.wakeAt - b.wakeAt || a.order - b.order);
      const next = timers[0] as (typeof timers)[number];
      now = Math.max(now, next.wakeAt);
      const due = timers.filter((timer) => timer.wakeAt <= now);
      timers.splice(0, due.length);
      for (const timer of due) timer.wake();
      if (timers.length > 0) advanceWhenIdle();
    });
  };
  return {
    sleeps,
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    sleep: (ms, signal) => {
      if (signal?.aborted) return Promise.reject(interruptedError(signal));
      sleeps.push(ms);
      return new Promise<void>((resolve, reject) => {
        const timer = {
          wakeAt: now + Math.max(0, ms),
          order: order++,
          wake: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          const at = timers.indexOf(timer);
          if (at !== -1) timers.splice(at, 1);
          reject(interruptedError(signal));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        timers.push(timer);
        advanceWhenIdle();
      });
    },
  };
}

/** A logger whose stdout and stderr are kept in memory, for tests that read what a user would see. */
export interface CapturedLogger {
  logger: Logger;
  /** Everything written so far, stdout and stderr interleaved as written. */
  output(): string;
}

/**
 * A logger writing to memory: plain lines (no TTY, no colour), debug level unless `level` says otherwise,
 * timestamps from `clock` when one is given (CI-style timestamped lines, as on a build machine).
 */
export function captureLogger(
  options: Omit<LoggerOptions, 'stdout' | 'stderr' | 'now'> & { clock?: Clock } = {},
): CapturedLogger {
  const { clock, ...rest } = options;
  const chunks: string[] = [];
  const sink = { write: (chunk: string) => chunks.push(chunk) };
  const logger = createLogger({
    env: clock ? { CI: 'true' } : {},
    level: 'debug',
    ...rest,
    stdout: sink,
    stderr: sink,
    ...(clock ? { now: () => new Date(clock.now()) } : {}),
  });
  return { logger, output: () => chunks.join('') };
}

/** The {@link ReletanError} `promise` rejects with; throws when it resolves or rejects with anything else. */
export async function reletanRejection(promise: Promise<unknown>): Promise<ReletanError> {
  const outcome = await promise.then(
    () => ({ resolved: true as const }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  if (outcome.resolved) throw new Error('expected a rejection, but the promise resolved');
  if (!isReletanError(outcome.error))
    throw new Error(`expected a ReletanError, got ${String(outcome.error)}`);
  return outcome.error;
}
