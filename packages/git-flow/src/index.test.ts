import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

describe('the public API', () => {
  it('is exactly the functions the README documents', async () => {
    const exported = Object.keys(api).sort();
    expect(exported).toEqual(['finishFlow', 'formatMarkdown', 'formatSlack', 'releaseNotes', 'startFlow']);
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('## API'), readme.indexOf('## Runtime dependencies'));
    const documented = [...table.matchAll(/^\| `(\w+)\(|, `(\w+)\(/gm)].map((match) => match[1] ?? match[2]);
    expect(documented.sort()).toEqual(exported);
  });
});
