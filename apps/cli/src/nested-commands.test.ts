import { spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNodeScript } from '@reletan/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A throwaway app inside this package (so it resolves commander and the cli-kit from here), built with the
// bins' own build (scripts/tsup-app.ts): its command modules live in nested folders, as a deploy group's will.
const app = fileURLToPath(new URL(`../test/.nested-app-${process.pid}/`, import.meta.url));
const tsup = fileURLToPath(new URL('../node_modules/.bin/tsup', import.meta.url));

const files: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'nested-app', version: '1.2.3', type: 'module' }),
  'tsup.config.ts': `import { defineConfig } from 'tsup';
import { appBuild } from '${fileURLToPath(new URL('../../../scripts/tsup-app.ts', import.meta.url))}';
export default defineConfig(appBuild({ packageDir: new URL('./', import.meta.url) }));
`,
  'src/bin.ts': `import path from 'node:path';
import { runBin } from '@reletan/cli-kit/bin';
declare const __RELETAN_VERSION__: string;
void runBin({
  version: __RELETAN_VERSION__,
  rootHelpFile: path.join(__dirname, 'help.txt'),
  loadProgram: (argv) => import('./program.js').then((m) => m.createProgram(argv)),
});
`,
  'src/program.ts': `import { createProgram as create, lazyAction } from '@reletan/cli-kit/bin';
import * as commander from 'commander';
export function createProgram(argv: readonly string[]) {
  return create(commander, {
    name: 'nested', description: 'a nested app', version: '1.2.3', argv,
    groups: [{
      name: 'deploy', description: 'deploy things',
      define: (group) => {
        group.command('web').action(lazyAction(async (context) => (await import('./commands/deploy/web.js')).deployWeb(context)));
        group.command('plan').action(lazyAction(async (context) => (await import('./commands/deploy/plan/index.js')).plan(context)));
      },
    }],
  });
}
`,
  'src/commands/deploy/web.ts': `export function deployWeb(context: { logger: { result(d: unknown, h: string): void } }) {
  context.logger.result({}, 'deployed web from a nested module');
  return 0;
}
`,
  'src/commands/deploy/plan/index.ts': `export function plan(context: { logger: { result(d: unknown, h: string): void } }) {
  context.logger.result({}, 'planned from a folder two levels down');
  return 0;
}
`,
};

beforeAll(async () => {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(app, name)), { recursive: true });
    await writeFile(path.join(app, name), content);
  }
  const build = spawnSync(tsup, [], { cwd: app, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`the nested app did not build:\n${build.stdout}\n${build.stderr}`);
}, 60_000);

afterAll(async () => {
  await rm(app, { recursive: true, force: true });
});

describe('command modules in nested folders', () => {
  it('are built beside the bin and imported when their command runs', async () => {
    const bin = path.join(app, 'dist', 'bin.cjs');
    expect((await runNodeScript(bin, ['deploy', 'web'], { cwd: app })).stdout).toBe(
      'deployed web from a nested module\n',
    );
    expect((await runNodeScript(bin, ['deploy', 'plan'], { cwd: app })).stdout).toBe(
      'planned from a folder two levels down\n',
    );
    expect((await runNodeScript(bin, ['--help'], { cwd: app })).stdout).toMatch(/deploy\s+deploy things/);
  });
});
