import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitRunner } from './git.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'reletan-git-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the git runner', () => {
  it('runs git with argument arrays, so nothing is interpreted by a shell', async () => {
    const git = createGitRunner({ cwd: dir });
    await git.run(['init', '-q', '-b', 'main']);
    await git.run(['config', 'user.name', '$(touch pwned); `x`']);
    expect(await git.output(['config', 'user.name'])).toBe('$(touch pwned); `x`');
  });

  it('passes stdin through', async () => {
    const git = createGitRunner({ cwd: dir });
    const sha = await git.output(['hash-object', '--stdin'], { input: 'hello\n' });
    expect(sha).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
  });

  it('throws GIT_FAILED with the command and git message', async () => {
    const git = createGitRunner({ cwd: dir });
    await expect(git.run(['rev-parse', '--verify', 'nope'])).rejects.toMatchObject({
      code: 'GIT_FAILED',
      input: { command: 'git rev-parse --verify nope' },
    });
  });

  it('returns the exit code instead when failure is allowed', async () => {
    const git = createGitRunner({ cwd: dir });
    expect((await git.run(['rev-parse', '--verify', '-q', 'nope'], { allowFailure: true })).exitCode).toBe(1);
  });

  it('says git is missing when the binary cannot be found', async () => {
    const git = createGitRunner({ cwd: dir, binary: 'git-that-does-not-exist' });
    await expect(git.run(['status'])).rejects.toMatchObject({ code: 'GIT_NOT_FOUND' });
  });

  it('reports each command to onCommand before running it', async () => {
    const seen: string[][] = [];
    const git = createGitRunner({ cwd: dir, onCommand: (args) => seen.push([...args]) });
    await git.run(['status', '--short']);
    expect(seen).toEqual([['status', '--short']]);
  });
});
