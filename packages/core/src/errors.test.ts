import { describe, expect, it } from 'vitest';
import {
  ExitCode,
  errorToJson,
  exitCodeFor,
  formatError,
  type HintAction,
  isReletanError,
  ReletanError,
  renderHint,
  usageError,
  withAppHints,
} from './errors.js';

describe('exit codes', () => {
  it('maps usage errors to 2, failures to 1, interruptions to 130', () => {
    expect(exitCodeFor(usageError('X', 'bad'))).toBe(ExitCode.usage);
    expect(exitCodeFor(new ReletanError({ code: 'X', message: 'failed' }))).toBe(ExitCode.failure);
    expect(exitCodeFor(new ReletanError({ code: 'X', message: 'stop', kind: 'interrupted' }))).toBe(130);
  });

  it('treats anything else as a failure', () => {
    expect(exitCodeFor(new TypeError('oops'))).toBe(1);
    expect(exitCodeFor('string')).toBe(1);
  });

  it('recognises a ReletanError from another copy of the package', () => {
    const foreign = Object.assign(new Error('from elsewhere'), {
      name: 'ReletanError',
      code: 'X',
      kind: 'usage',
    });
    expect(isReletanError(foreign)).toBe(true);
    expect(exitCodeFor(foreign)).toBe(2);
  });
});

describe('formatting', () => {
  it('leads with file:line:column and ends with the next step', () => {
    const error = usageError('CONFIG_PARSE', 'invalid JSON: expected ","', {
      input: { file: 'reletan.config.json', line: 4, column: 5 },
      hint: 'fix the file',
    });
    expect(formatError(error)).toBe(
      'reletan.config.json:4:5: invalid JSON: expected ","\nhint: fix the file',
    );
  });

  it('lists details under the headline', () => {
    const error = usageError('X', 'two problems', { details: ['a', 'b'] });
    expect(formatError(error)).toBe('two problems\n  - a\n  - b');
  });

  it('shows no stack trace unless verbose', () => {
    const error = new ReletanError({ code: 'X', message: 'failed', cause: new Error('root cause') });
    expect(formatError(error)).not.toContain(' at ');
    const verbose = formatError(error, { verbose: true });
    expect(verbose).toContain('code: X');
    expect(verbose).toContain('caused by: Error: root cause');
    expect(verbose).toMatch(/\n\s+at /);
  });

  it('calls an unexpected error a bug and says how to report it', () => {
    expect(formatError(new TypeError('x is undefined'))).toBe(
      'internal error: x is undefined\nhint: this is a bug in reletan; rerun with --verbose and report the output',
    );
  });

  it('renders errors as JSON with code, kind and input', () => {
    expect(errorToJson(usageError('PR_URL_INVALID', 'not a PR', { input: { url: 'x' } }))).toEqual({
      error: { code: 'PR_URL_INVALID', kind: 'usage', message: 'not a PR', input: { url: 'x' } },
    });
    expect(errorToJson(new Error('boom')).error.code).toBe('INTERNAL');
  });
});

describe("an app's hints", () => {
  const library = new ReletanError({
    code: 'CACHE_FLUSH_REFUSED',
    message: 'a rollout is in progress',
    input: { path: 'stages.dev.cache' },
    hint: 'wait for the rollout to finish, or force the flush',
  });

  it('replace the hint of an error of that code, keeping the rest', () => {
    const rehinted = withAppHints(library, {
      CACHE_FLUSH_REFUSED: 'wait for the rollout to finish, or pass --force',
    });
    expect(rehinted).toMatchObject({
      code: 'CACHE_FLUSH_REFUSED',
      message: 'a rollout is in progress',
      input: { path: 'stages.dev.cache' },
      hint: 'wait for the rollout to finish, or pass --force',
    });
  });

  it('may be computed from the error, and keep it as it is', () => {
    expect(
      withAppHints(library, { CACHE_FLUSH_REFUSED: (error) => `${error.input?.path}: pass --force` }),
    ).toMatchObject({
      hint: 'stages.dev.cache: pass --force',
    });
    expect(withAppHints(library, { CACHE_FLUSH_REFUSED: () => undefined })).toBe(library);
    expect(withAppHints(library, { OTHER: 'x' })).toBe(library);
    const plain = new Error('bug');
    expect(withAppHints(plain, { CACHE_FLUSH_REFUSED: 'x' })).toBe(plain);
  });
});

describe('hints that refer to operations and options', () => {
  const error = new ReletanError({
    code: 'MERGE_CONFLICT',
    message: 'git merge stopped on conflicts',
    hint: 'resolve them, then {rerun} again, or {noPush}',
    actions: {
      rerun: { type: 'run', command: ['release', 'finish', '1.2.0'], words: 'finish release 1.2.0' },
      noPush: { type: 'option', name: 'push', use: 'omit', words: 'do not push' },
    },
  });
  const cli = (action: HintAction) =>
    action.type === 'run' ? `run "reletan ${action.command.join(' ')}"` : `leave out --${action.name}`;

  it('read as words for a library caller', () => {
    expect(error.hint).toBe('resolve them, then finish release 1.2.0 again, or do not push');
    expect(formatError(error)).toContain(
      'hint: resolve them, then finish release 1.2.0 again, or do not push',
    );
  });

  it("are spelled in the app's syntax when the app renders them, in text and in JSON", () => {
    const expected = 'resolve them, then run "reletan release finish 1.2.0" again, or leave out --push';
    expect(renderHint(error, cli)).toBe(expected);
    expect(formatError(error, { renderAction: cli })).toContain(`hint: ${expected}`);
    expect(errorToJson(error, { renderAction: cli }).error.hint).toBe(expected);
  });

  it('keep the words where the app declines to spell one', () => {
    expect(renderHint(error, (action) => (action.type === 'run' ? cli(action) : undefined))).toBe(
      'resolve them, then run "reletan release finish 1.2.0" again, or do not push',
    );
  });

  it('leave braces that name no action alone', () => {
    const json = new ReletanError({
      code: 'X',
      message: 'x',
      hint: 'add {stage} or "cache": { "servers": [] }',
    });
    expect(json.hint).toBe('add {stage} or "cache": { "servers": [] }');
  });
});
