import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeTempDir, type TempDir } from '@reletan/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildStageEnv } from './build.js';

let dir: TempDir;
beforeEach(async () => {
  dir = await makeTempDir('reletan-env-build-');
});
afterEach(async () => {
  await dir.cleanup();
});

async function project(stages: Record<string, unknown>, extra: Record<string, string> = {}) {
  const entries = {
    'reletan.config.json': JSON.stringify({ github: { repository: 'acme/shop' }, stages }),
    '.env.visible': 'APP_NAME=shop\n',
    '.env.secret': 'DB_PASSWORD=s3cr3t-value\n',
    ...extra,
  };
  for (const [name, content] of Object.entries(entries)) await writeFile(path.join(dir.path, name), content);
}

describe("building a stage's env", () => {
  it("writes the stage's .env with mode 0600 and reports the write as a step", async () => {
    await project({ dev: {} });
    const result = await buildStageEnv({ stage: 'dev', cwd: dir.path });
    const out = path.join(dir.path, '.env');
    expect(result.out).toBe(out);
    expect(await readFile(out, 'utf8')).toContain('DB_PASSWORD=s3cr3t-value');
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    expect(result.report.steps).toEqual([
      {
        id: 'write-env',
        description: `write .env (dotenv, 2 keys, ${result.bytes} bytes, mode 0600)`,
        status: 'succeeded',
        durationMs: expect.any(Number),
      },
    ]);
  });

  it('describes the write and writes nothing in a dry run', async () => {
    await project({ dev: {} });
    const result = await buildStageEnv({ stage: 'dev', cwd: dir.path, dryRun: true });
    expect(result.report).toMatchObject({ dryRun: true, steps: [{ id: 'write-env', status: 'planned' }] });
    await expect(stat(path.join(dir.path, '.env'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a format other than dotenv without a file of its own (exit 2), writing nothing', async () => {
    await project({ dev: {} });
    const error = await buildStageEnv({ stage: 'dev', cwd: dir.path, format: 'json' }).catch(
      (caught) => caught,
    );
    expect(error).toMatchObject({ code: 'ENV_OUT_REQUIRED', kind: 'usage' });
    expect(error.hint).toBe(
      'reletan never prints secret values, so the json output goes to a file: name the file',
    );
    await expect(stat(path.join(dir.path, '.env'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it("adds the stage's cache prefix for the release, as a computed layer", async () => {
    await project({ dev: { cache: { servers: ['127.0.0.1:11211'] } } });
    const result = await buildStageEnv({ stage: 'dev', cwd: dir.path, release: 'v1.4.0', dryRun: true });
    expect(result.built.values.CACHE_PREFIX).toMatch(/^shop.*v1\.4\.0/);
    expect(result.built.provenance.CACHE_PREFIX?.source).toMatchObject({ kind: 'computed' });
  });
});
