import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunResult, runNodeScript } from '@reletan/core/testing';

const recorder = fileURLToPath(new URL('./record-imports.mjs', import.meta.url));

/**
 * Runs a built bin and returns, with its result, every module file it loaded (required or imported),
 * for the tests that hold `--help` and friends to loading no SDK and no command code.
 */
export async function runRecordingModules(
  bin: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<RunResult & { loaded: string[] }> {
  const log = path.join(options.cwd, `modules-${process.hrtime.bigint()}.log`);
  await writeFile(log, '');
  const result = await runNodeScript(bin, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, ...options.env, RELETAN_IMPORT_LOG: log },
    nodeArgs: ['--import', recorder],
  });
  const loaded = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
  // An empty log would make every "did not load" assertion pass: the bin itself is always there.
  if (!loaded.some((file) => file.endsWith('/dist/bin.cjs')))
    throw new Error(`no module was recorded for ${bin}`);
  return { ...result, loaded };
}
