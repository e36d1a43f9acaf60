import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeTempDir } from '@reletan/core/testing';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSourceBundle } from './build-source-bundle.js';
import type { BundleExtraFile } from './entries.js';
import { extractZip, requireUnzip } from './test-support.js';

beforeAll(() => requireUnzip());

// Path parts mixing what sorts around "/" ('-', '.', ' ') with upper case and characters beyond ASCII
// and beyond the BMP, where byte order and JavaScript's string order differ.
const part = fc
  .array(fc.constantFrom('a', 'b', 'Z', '0', '-', '.', '_', ' ', 'é', '日', '😀', 'ﬀ'), {
    minLength: 1,
    maxLength: 4,
  })
  .map((chars) => chars.join(''))
  .filter((name) => name !== '.' && name !== '..' && name !== '.git' && !name.startsWith('.reletan-bundle-'));
const filePath = fc.array(part, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
const content = fc.oneof(
  fc.uint8Array({ maxLength: 2000 }).map((bytes) => Buffer.from(bytes)),
  fc.string({ maxLength: 3000 }),
  fc.constantFrom('', 'x'.repeat(5000)),
);
const mode = fc.constantFrom(0o644, 0o600, 0o755, 0o640);

/** Sets of files no unzip would reject: no path is also another's directory. */
const files = fc
  .uniqueArray(fc.record({ path: filePath, content, mode }), {
    selector: (file) => file.path,
    minLength: 1,
    maxLength: 12,
  })
  .map((list) => list.filter((file) => !list.some((other) => other.path.startsWith(`${file.path}/`))));

describe('any set of files', () => {
  it('comes back out of the bundle as it went in, and gives the same bytes in any order', async () => {
    const root = await makeTempDir('reletan-bundle-prop-');
    // An empty working tree (an .ebignore, which is never bundled), so the bundle holds the files alone;
    // the zips and what they extract to are kept outside it.
    const project = path.join(root.path, 'project');
    await mkdir(project);
    await writeFile(path.join(project, '.ebignore'), '');
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(files, fc.infiniteStream(fc.nat()), async (list, randoms) => {
          run += 1;
          const shuffled = [...list]
            .map((file) => ({ file, key: randoms.next().value as number }))
            .sort((a, b) => a.key - b.key)
            .map(({ file }) => file);
          const build = (extraFiles: BundleExtraFile[], name: string) =>
            buildSourceBundle({
              cwd: project,
              out: path.join(root.path, 'out', `${run}-${name}.zip`),
              extraFiles,
            });
          const first = await build(list, 'given');
          const second = await build(shuffled, 'shuffled');
          expect(second.sha256).toBe(first.sha256);
          expect(first.entries).toBe(list.length);

          const extracted = await extractZip(first.file, path.join(root.path, 'x', String(run)));
          expect([...extracted.keys()].sort()).toEqual(list.map((file) => file.path).sort());
          for (const file of list) {
            const back = extracted.get(file.path);
            expect(back?.content).toEqual(Buffer.from(file.content));
            expect(back?.mode).toBe(file.mode);
          }
        }),
        { numRuns: 30 },
      );
    } finally {
      await root.cleanup();
    }
  });
});
