import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packages = fileURLToPath(new URL('../../../packages/', import.meta.url));

/** The library sources (not tests or test support, and not the bins' own kit, which is app code). */
async function librarySources(): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.name.endsWith('.ts') && !/\.test\.ts$|testing\.ts$|\.d\.ts$/.test(entry.name))
        files.push(full);
    }
  };
  for (const name of await readdir(packages)) {
    if (name === 'cli-kit') continue;
    await walk(path.join(packages, name, 'src'));
  }
  return files;
}

/** The text of every `hint:` in a file, up to the next property, without the git commands it quotes. */
function hints(source: string): string[] {
  const found: string[] = [];
  // A `hint` property (at the start of a line, or after `{` or `,`), not the word in rendered text.
  for (const match of source.matchAll(/(?:^\s*|[{,]\s*)hint:/gm)) {
    const start = (match.index ?? 0) + match[0].length;
    const rest = source.slice(start, start + 600);
    const end = rest.search(/\n\s*(actions|details|input|cause|code|message|kind):|\n\s*\}\)?[,;)]/);
    found.push((end === -1 ? rest : rest.slice(0, end)).replace(/"git [^"]*"/g, '"git …"'));
  }
  return found;
}

const CLI_SYNTAX =
  /["(]reletan [a-z]+|\breletan (?:release|hotfix|env|cache|config|init|automerge|deploy|es|eb) |(?:^|[\s(])--[a-z][a-z-]*/m;

describe('hints in the libraries', () => {
  it('name operations and options as actions, never a reletan command line or flag (the app spells them)', async () => {
    const offending: string[] = [];
    for (const file of await librarySources()) {
      for (const hint of hints(await readFile(file, 'utf8'))) {
        if (CLI_SYNTAX.test(hint))
          offending.push(`${path.relative(packages, file)}: ${hint.trim().slice(0, 160)}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('would notice one that did', () => {
    expect(
      hints(`throw x({ hint: 'pass --force to flush anyway', })`).some((hint) => CLI_SYNTAX.test(hint)),
    ).toBe(true);
    expect(
      hints(`throw x({ hint: 'then run "reletan release finish 1.0.0"' })`).some((h) => CLI_SYNTAX.test(h)),
    ).toBe(true);
    expect(
      hints(`throw x({ hint: 'update it ("git pull --ff-only origin main")' })`).some((h) =>
        CLI_SYNTAX.test(h),
      ),
    ).toBe(false);
  });
});
