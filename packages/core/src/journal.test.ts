import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileJournalStore, openRunJournal } from './journal.js';
import { makeTempDir, type TempDir } from './testing.js';

let dir: TempDir;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await dir.cleanup();
});

describe('the file journal', () => {
  it('keeps one file per run under the directory, mode 0600, readable by the next run', async () => {
    const store = createFileJournalStore({ dir: path.join(dir.path, '.reletan', 'journal') });
    const journal = await openRunJournal(store, 'deploy/prod/v1.4.0', {
      now: () => new Date('2026-12-03T10:00:00Z'),
    });
    await journal.record('bundle', 'build the bundle', { hash: 'abc' });
    await journal.setMeta('rollbackLabels', { web: 'shop-v1.3.0' });

    const file = path.join(dir.path, '.reletan', 'journal', 'deploy%2Fprod%2Fv1.4.0.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await store.list()).toEqual(['deploy/prod/v1.4.0']);

    const reopened = await openRunJournal(store, 'deploy/prod/v1.4.0');
    expect(reopened.finished('bundle')).toEqual({
      stepId: 'bundle',
      description: 'build the bundle',
      finishedAt: '2026-12-03T10:00:00.000Z',
      output: { hash: 'abc' },
    });
    expect(reopened.finished('upload')).toBeUndefined();
    expect(reopened.meta()).toEqual({ rollbackLabels: { web: 'shop-v1.3.0' } });
  });

  it('starts a run with no record empty, and writes nothing until a step finishes', async () => {
    const store = createFileJournalStore({ dir: path.join(dir.path, 'journal') });
    const journal = await openRunJournal(store, 'r1');
    expect(journal.finished('a')).toBeUndefined();
    expect(await store.list()).toEqual([]);
  });

  it('forgets a run when discarded', async () => {
    const store = createFileJournalStore({ dir: dir.path });
    const journal = await openRunJournal(store, 'r1');
    await journal.record('a', 'do a');
    await journal.discard();
    expect(journal.finished('a')).toBeUndefined();
    expect(await store.read('r1')).toBeUndefined();
  });

  it('refuses a damaged record, naming the file, instead of starting the run over', async () => {
    const store = createFileJournalStore({ dir: dir.path });
    await writeFile(path.join(dir.path, 'r1.json'), '{"run": "r1", "steps": ');
    await expect(store.read('r1')).rejects.toMatchObject({
      code: 'JOURNAL_DAMAGED',
      input: { file: path.join(dir.path, 'r1.json') },
    });
    await writeFile(path.join(dir.path, 'r1.json'), '{"run": "other", "steps": {}}');
    await expect(store.read('r1')).rejects.toMatchObject({ code: 'JOURNAL_DAMAGED' });
  });

  it('keeps every step that steps running in parallel record at once', async () => {
    const store = createFileJournalStore({ dir: dir.path });
    const journal = await openRunJournal(store, 'r1');
    await Promise.all(Array.from({ length: 20 }, (_, i) => journal.record(`s${i}`, `step ${i}`)));
    const text = await readFile(path.join(dir.path, 'r1.json'), 'utf8');
    expect(Object.keys(JSON.parse(text).steps)).toHaveLength(20);
  });
});
