import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { exitCodeForCommander } from './bin-kit.js';

const cliKit = new URL('../dist/bin.js', import.meta.url).href;

describe("commander's outcomes as exit codes", () => {
  it.each([
    ['commander.helpDisplayed', 0, 0],
    ['commander.version', 0, 0],
    ['commander.help', 0, 0],
    ['commander.help', 1, 2],
    ['commander.unknownCommand', 1, 2],
    ['commander.unknownOption', 1, 2],
    ['commander.missingArgument', 1, 2],
    ['commander.conflictingOption', 1, 2],
  ])('%s (commander exit %i) exits %i', (code, exitCode, expected) => {
    expect(exitCodeForCommander({ code, exitCode })).toBe(expected);
  });
});

/** Runs a bin built on runBin whose one command waits until interrupted. */
function runWaitingBin(args: string[]) {
  const script = `
    import { runBin } from ${JSON.stringify(cliKit)};
    await runBin({
      version: '9.9.9',
      argv: [process.argv[0], 'bin', ...${JSON.stringify(args)}],
      loadProgram: async () => {
        process.stdout.write('program loaded\\n');
        return { parseAsync: () => new Promise(() => setInterval(() => {}, 1000)) };
      },
    });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe('runBin', () => {
  it('exits 130 and says so when interrupted with Ctrl-C', async () => {
    const run = runWaitingBin(['wait']);
    await expect.poll(() => run.output().stdout, { timeout: 10_000 }).toContain('program loaded');
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(run.output().stderr).toContain('interrupted');
  });

  it('answers --version without loading the program', async () => {
    const run = runWaitingBin(['--version']);
    expect(await run.exited).toBe(0);
    expect(run.output().stdout).toBe('9.9.9\n');
  });
});
