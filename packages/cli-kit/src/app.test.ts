import { stat } from 'node:fs/promises';
import path from 'node:path';
import { openRunJournal } from '@reletan/core';
import { makeTempDir } from '@reletan/core/testing';
import { describe, expect, it } from 'vitest';
import { createAppContext, runAction } from './app.js';

const quiet = { write: () => true };

describe('the command context', () => {
  it('keeps run journals under .reletan/journal in the repository, mode 0600', async () => {
    const dir = await makeTempDir();
    try {
      const context = createAppContext({}, { cwd: dir.path, env: {}, stdout: quiet, stderr: quiet });
      const store = context.journalStore();
      expect(store.location).toBe(path.join('.reletan', 'journal'));
      await (await openRunJournal(store, 'deploy/dev/v1')).record('bundle', 'build the bundle');
      const file = path.join(dir.path, '.reletan', 'journal', 'deploy%2Fdev%2Fv1.json');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    } finally {
      await dir.cleanup();
    }
  });

  it('shows every git command under --verbose', async () => {
    const dir = await makeTempDir();
    const err: string[] = [];
    try {
      await runAction(
        { verbose: true },
        async (context) => {
          await context.git().run(['--version']);
          return 0;
        },
        {
          cwd: dir.path,
          env: { PATH: process.env.PATH },
          stdout: quiet,
          stderr: { write: (c: string) => err.push(c) },
        },
      );
      expect(err.join('')).toContain('git --version');
    } finally {
      await dir.cleanup();
    }
  });

  it('makes one GitHub access per run, with the token a secret from the start', async () => {
    const err: string[] = [];
    await runAction(
      {},
      (context) => {
        expect(context.github()).toBe(context.github());
        context.logger.info('token ghp_abcdefghijklmnop');
        return 0;
      },
      {
        env: { GITHUB_TOKEN: 'ghp_abcdefghijklmnop' },
        stdout: quiet,
        stderr: { write: (c: string) => err.push(c) },
      },
    );
    expect(err.join('')).toBe('token ***\n');
  });
});
