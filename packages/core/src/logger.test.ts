import { describe, expect, it } from 'vitest';
import { createLogger, type OutputStream, shouldUseColor } from './logger.js';

function buffer(isTTY = false): OutputStream & { text: () => string } {
  const chunks: string[] = [];
  return { isTTY, write: (chunk: string) => chunks.push(chunk), text: () => chunks.join('') };
}

function setup(options: Parameters<typeof createLogger>[0] = {}) {
  const stdout = buffer();
  const stderr = buffer();
  const logger = createLogger({ stdout, stderr, env: {}, color: false, ...options });
  return { logger, stdout, stderr };
}

describe('levels', () => {
  it('prints info and above by default, and debug only when verbose', () => {
    const { logger, stderr } = setup();
    logger.debug('hidden');
    logger.info('shown');
    expect(stderr.text()).toBe('shown\n');
    const verbose = setup({ level: 'debug' });
    verbose.logger.debug('detail');
    expect(verbose.stderr.text()).toBe('detail\n');
  });

  it('keeps errors and results when quiet', () => {
    const { logger, stdout, stderr } = setup({ level: 'error' });
    logger.info('chatter');
    logger.warn('careful');
    logger.error('broken');
    logger.result({ ok: true }, 'done');
    expect(stderr.text()).toBe('error broken\n');
    expect(stdout.text()).toBe('done\n');
  });
});

describe('results', () => {
  it('prints one JSON document on stdout in JSON mode, and no human text', () => {
    const { logger, stdout } = setup({ json: true });
    logger.print('a table');
    logger.result({ merged: true }, 'merged');
    expect(JSON.parse(stdout.text())).toEqual({ merged: true });
  });

  it('prints the human text on stdout and diagnostics on stderr otherwise', () => {
    const { logger, stdout, stderr } = setup();
    logger.warn('heads up');
    logger.result({ merged: true }, 'merged #12');
    expect(stdout.text()).toBe('merged #12\n');
    expect(stderr.text()).toBe('warning heads up\n');
  });
});

describe('secrets', () => {
  it('redacts registered secrets from every kind of output', () => {
    const { logger, stdout, stderr } = setup();
    logger.secret('tok_123456');
    logger.info('using tok_123456');
    logger.error('failed with tok_123456');
    logger.progress('waiting for tok_123456');
    logger.print('tok_123456');
    logger.result({}, 'tok_123456');
    expect(stdout.text() + stderr.text()).not.toContain('tok_123456');
  });

  it('redacts secrets inside JSON results, including escaped forms', () => {
    const { logger, stdout } = setup({ json: true });
    logger.secret('line1\n"line2"');
    logger.result({ value: 'line1\n"line2"', nested: ['line1\n"line2"'] });
    expect(stdout.text()).not.toContain('line2');
  });
});

describe('progress', () => {
  it('prints timestamped lines in CI and drops immediate repeats', () => {
    const stderr = buffer(true);
    const logger = createLogger({
      stderr,
      stdout: buffer(),
      env: { CI: 'true' },
      now: () => new Date('2026-01-02T03:04:05Z'),
    });
    logger.progress('deploying shop-web: 1/2 instances');
    logger.progress('deploying shop-web: 1/2 instances');
    logger.progress('deploying shop-web: 2/2 instances');
    expect(stderr.text()).toBe(
      '2026-01-02T03:04:05.000Z deploying shop-web: 1/2 instances\n2026-01-02T03:04:05.000Z deploying shop-web: 2/2 instances\n',
    );
  });

  it('redraws one line at an interactive terminal and clears it before other output', () => {
    const stderr = buffer(true);
    const logger = createLogger({ stderr, stdout: buffer(), env: {}, color: false });
    logger.progress('step 1');
    logger.progress('step 2');
    logger.info('done');
    expect(stderr.text()).toBe('\r\x1b[2K… step 1\r\x1b[2K… step 2\r\x1b[2Kdone\n');
  });
});

describe('colour', () => {
  const tty = { isTTY: true, write: () => true };
  it('colours a terminal', () => expect(shouldUseColor(tty, {})).toBe(true));
  it('does not colour a pipe', () => expect(shouldUseColor({ write: () => true }, {})).toBe(false));
  it('honours NO_COLOR', () => expect(shouldUseColor(tty, { NO_COLOR: '1' })).toBe(false));
  it('stays plain in CI logs', () => expect(shouldUseColor(tty, { CI: 'true' })).toBe(false));
  it('lets FORCE_COLOR win', () =>
    expect(shouldUseColor({ write: () => true }, { FORCE_COLOR: '1', CI: 'true' })).toBe(true));
  it('adds colour codes only when enabled', () => {
    const on = setup({ color: true });
    on.logger.error('x');
    expect(on.stderr.text()).toContain('\x1b[');
    const off = setup({ color: false });
    off.logger.error('x');
    expect(off.stderr.text()).not.toContain('\x1b[');
  });
});

describe('JSON results with short secrets', () => {
  it('stay valid JSON when a secret is a word or a number that appears in the result', () => {
    const { logger, stdout } = setup({ json: true });
    logger.secret('false');
    logger.secret('5');
    logger.result({ dryRun: false, bytes: 5, lines: 15, value: 'false', note: 'x=5' });
    expect(JSON.parse(stdout.text())).toEqual({
      dryRun: '***',
      bytes: '***',
      lines: 15,
      value: '***',
      note: 'x=***',
    });
  });
});

describe('step events', () => {
  const events = [
    { type: 'started', stepId: 'a', description: 'git merge --no-ff release/1.2.0', at: 0 },
    {
      type: 'progress',
      stepId: 'a',
      description: 'git merge --no-ff release/1.2.0',
      message: 'half way',
      at: 500,
    },
    { type: 'finished', stepId: 'a', description: 'git merge --no-ff release/1.2.0', durationMs: 1_200 },
    { type: 'started', stepId: 'b', description: 'git push origin', at: 1_200 },
    { type: 'failed', stepId: 'b', description: 'git push origin', durationMs: 300, error: new Error('x') },
  ] as const;

  it('are plain timestamped lines in CI, with durations', () => {
    const stderr = buffer(true);
    const logger = createLogger({
      stderr,
      stdout: buffer(),
      env: { CI: 'true' },
      now: () => new Date('2026-01-02T03:04:05Z'),
    });
    for (const event of events) logger.step(event);
    expect(stderr.text().split('\n')).toEqual([
      '2026-01-02T03:04:05.000Z git merge --no-ff release/1.2.0',
      '2026-01-02T03:04:05.000Z git merge --no-ff release/1.2.0: half way',
      '2026-01-02T03:04:05.000Z ✓ git merge --no-ff release/1.2.0 (1.2s)',
      '2026-01-02T03:04:05.000Z git push origin',
      '2026-01-02T03:04:05.000Z ✗ git push origin failed after 300ms',
      '',
    ]);
  });

  it('are plain lines at a terminal under NO_COLOR too', () => {
    const stderr = buffer(true);
    const logger = createLogger({ stderr, stdout: buffer(), env: { NO_COLOR: '1' } });
    logger.step(events[0]);
    expect(stderr.text()).toMatch(/^\S+Z git merge --no-ff release\/1\.2\.0\n$/);
  });

  it('print nothing under --quiet', () => {
    const { logger, stderr } = setup({ level: 'error' });
    for (const event of events) logger.step(event);
    expect(stderr.text()).toBe('');
  });

  it('are a live task list at a terminal: running steps redrawn with elapsed time, finished ones kept', () => {
    const stderr = buffer(true);
    let clock = 0;
    const logger = createLogger({
      stderr,
      stdout: buffer(),
      env: {},
      color: false,
      now: () => new Date(clock),
    });
    logger.step(events[0]);
    clock = 500;
    logger.step(events[1]);
    logger.step(events[2]);
    const screen = stderr.text();
    expect(screen).toContain('… git merge --no-ff release/1.2.0 0ms');
    expect(screen).toContain('… git merge --no-ff release/1.2.0 500ms · half way');
    expect(screen.endsWith('✓ git merge --no-ff release/1.2.0 1.2s\n')).toBe(true);
  });

  it('redact secrets in step descriptions and messages', () => {
    const stderr = buffer(false);
    const logger = createLogger({ stderr, stdout: buffer(), env: {} });
    logger.secret('hunter2hunter2');
    logger.step({ type: 'started', stepId: 'x', description: 'POST to https://hooks/hunter2hunter2', at: 0 });
    expect(stderr.text()).not.toContain('hunter2hunter2');
  });
});
