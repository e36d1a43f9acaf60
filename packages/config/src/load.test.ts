import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isReletanError, type ReletanError } from '@reletan/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configJsonSchema } from './json-schema.js';
import { loadConfig } from './load.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'reletan-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(relative: string, text: string) {
  const file = path.join(dir, relative);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

async function loadError(options: Parameters<typeof loadConfig>[0]): Promise<ReletanError> {
  try {
    await loadConfig(options);
  } catch (error) {
    if (isReletanError(error)) return error;
    throw error;
  }
  throw new Error('expected loadConfig to fail');
}

describe('finding the config', () => {
  it('finds reletan.config.json in a parent directory and resolves paths from there', async () => {
    const file = await write('reletan.config.json', '{ "git": { "mainBranch": "master" } }');
    await mkdir(path.join(dir, 'app/src'), { recursive: true });
    const loaded = await loadConfig({ cwd: path.join(dir, 'app/src') });
    expect(loaded.file).toBe(file);
    expect(loaded.root).toBe(dir);
    expect(loaded.config.git.mainBranch).toBe('master');
  });

  it('uses git-flow defaults when there is no config file', async () => {
    const loaded = await loadConfig({ cwd: dir });
    expect(loaded.file).toBeUndefined();
    expect(loaded.root).toBe(dir);
    expect(loaded.config.git.developBranch).toBe('develop');
  });

  it('fails with a hint to run init when a config is required and none exists', async () => {
    const error = await loadError({ cwd: dir, required: true });
    expect(error.code).toBe('CONFIG_NOT_FOUND');
    expect(error.kind).toBe('usage');
    // The init as an action the app spells ("run "reletan init""), never CLI syntax in the library.
    expect(error.hint).toBe('run the init to create one, or name the config file to use');
    expect(error.actions.init).toMatchObject({ type: 'run', command: ['init'] });
  });

  it('loads the file given with --config, relative to the cwd, without searching', async () => {
    await write('reletan.config.json', '{ "git": { "mainBranch": "ignored" } }');
    await write('ci/other.json', '{ "git": { "mainBranch": "trunk" } }');
    const loaded = await loadConfig({ cwd: dir, configFile: 'ci/other.json' });
    expect(loaded.config.git.mainBranch).toBe('trunk');
    expect(loaded.root).toBe(path.join(dir, 'ci'));
  });

  it('names a --config path that does not exist', async () => {
    const error = await loadError({ cwd: dir, configFile: 'nope.json' });
    expect(error.code).toBe('CONFIG_NOT_FOUND');
    expect(error.message).toContain('nope.json');
  });

  it('refuses to choose between two config files in one directory', async () => {
    await write('reletan.config.json', '{}');
    await write('reletan.config.ts', 'export default {};');
    const error = await loadError({ cwd: dir });
    expect(error.code).toBe('CONFIG_AMBIGUOUS');
    expect(error.message).toContain('reletan.config.ts, reletan.config.json');
  });
});

describe('reading JSON configs', () => {
  it('names file, line and column of broken JSON', async () => {
    await write(
      'reletan.config.json',
      '{\n  "git": {\n    "mainBranch": "main"\n    "remote": "origin"\n  }\n}\n',
    );
    const error = await loadError({ cwd: dir });
    expect(error.code).toBe('CONFIG_PARSE');
    expect(error.kind).toBe('usage');
    expect(error.input).toEqual({ file: 'reletan.config.json', line: 4, column: 5 });
    expect(error.message).toBe('invalid JSON: expected ","');
  });

  it('rejects a trailing comma, which JSON does not allow', async () => {
    await write('reletan.config.json', '{ "git": { "remote": "origin", } }');
    expect((await loadError({ cwd: dir })).code).toBe('CONFIG_PARSE');
  });

  it('accepts comments, as tsconfig.json does', async () => {
    await write('reletan.config.json', '{\n  // the trunk\n  "git": { "mainBranch": "trunk" } /* done */\n}');
    expect((await loadConfig({ cwd: dir })).config.git.mainBranch).toBe('trunk');
  });

  it('rejects a top level that is not an object', async () => {
    await write('reletan.config.json', '[]');
    expect((await loadError({ cwd: dir })).message).toBe('the config must be a JSON object');
  });

  it('names the file and line of an invalid value', async () => {
    await write('reletan.config.json', '{\n  "automerge": {\n    "method": "yolo"\n  }\n}');
    const error = await loadError({ cwd: dir });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.input).toMatchObject({
      file: 'reletan.config.json',
      line: 3,
      column: 15,
      path: 'automerge.method',
    });
  });
});

describe('reading module configs', () => {
  it('loads reletan.config.ts exporting defineConfig from "reletan" without reletan installed locally', async () => {
    await write(
      'reletan.config.ts',
      `import { defineConfig } from 'reletan';
const remote: string = 'upstream';
export default defineConfig({ git: { remote } });
`,
    );
    expect((await loadConfig({ cwd: dir })).config.git.remote).toBe('upstream');
  });

  it('loads reletan.config.mjs importing from "@reletan/core"', async () => {
    await write(
      'reletan.config.mjs',
      `import { defineConfig } from '@reletan/core';
export default defineConfig({ stages: { dev: { branch: 'develop' } } });
`,
    );
    expect((await loadConfig({ cwd: dir })).config.stages.dev?.branch).toBe('develop');
  });

  it('validates a module config like a JSON one', async () => {
    await write('reletan.config.ts', `export default { git: { mainBrach: 'main' } };`);
    const error = await loadError({ cwd: dir });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.input).toMatchObject({ file: 'reletan.config.ts', path: 'git.mainBrach' });
  });

  it('reports a module that throws as a config problem, not a crash', async () => {
    await write('reletan.config.ts', `throw new Error('boom');\nexport default {};`);
    const error = await loadError({ cwd: dir });
    expect(error.code).toBe('CONFIG_LOAD');
    expect(error.kind).toBe('usage');
    expect(error.message).toContain('boom');
    expect(error.input?.file).toBe('reletan.config.ts');
  });

  it('requires a default export', async () => {
    await write('reletan.config.mjs', `export const config = {};`);
    expect((await loadError({ cwd: dir })).message).toContain('export default defineConfig');
  });
});

describe('the shipped JSON Schema', () => {
  it('is the one generated from the zod schema (rebuild the package if this fails)', async () => {
    const shipped = JSON.parse(
      await readFile(new URL('../reletan.config.schema.json', import.meta.url), 'utf8'),
    );
    expect(shipped).toEqual(configJsonSchema());
  });

  it('forbids unknown keys so editors flag typos', () => {
    const schema = configJsonSchema() as {
      additionalProperties?: boolean;
      properties: Record<string, { additionalProperties?: boolean }>;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.git?.additionalProperties).toBe(false);
  });
});
