import { openRunJournal } from '@reletan/core';
import { createTestRepo, type TestRepo } from '@reletan/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitConfigJournalStore, SLACK_POSTED } from './finish-journal.js';

let repo: TestRepo;
beforeEach(async () => {
  repo = await createTestRepo({ withOrigin: false });
});
afterEach(async () => {
  await repo.cleanup();
});

describe("the finish's journal in git config", () => {
  it('records a step as reletan.<run>.<step>, which a later run reads back', async () => {
    const store = createGitConfigJournalStore(repo.git);
    const journal = await openRunJournal(store, 'v1.2.0');
    expect(journal.finished(SLACK_POSTED)).toBeUndefined();
    await journal.record(SLACK_POSTED, 'post the notes');
    expect(await repo.git.output(['config', '--get', 'reletan.v1.2.0.slackPosted'])).toBe('true');

    const rerun = await openRunJournal(store, 'v1.2.0');
    expect(rerun.finished(SLACK_POSTED)).toMatchObject({ stepId: 'slackposted' });
    expect((await openRunJournal(store, 'v1.2.1')).finished(SLACK_POSTED)).toBeUndefined();
  });

  it('reads a record made by git config itself (a finish before this journal existed)', async () => {
    await repo.git.run(['config', 'reletan.v0.9.0.slackPosted', 'true']);
    const journal = await openRunJournal(createGitConfigJournalStore(repo.git), 'v0.9.0');
    expect(journal.finished(SLACK_POSTED)).toBeDefined();
  });

  it('lists runs and forgets one, without touching run ids that contain dots as regex wildcards', async () => {
    const store = createGitConfigJournalStore(repo.git);
    await (await openRunJournal(store, 'v1.2.0')).record(SLACK_POSTED, 'post');
    await (await openRunJournal(store, 'v1x2x0')).record(SLACK_POSTED, 'post');
    expect(await store.list()).toEqual(['v1.2.0', 'v1x2x0']);
    expect(await store.read('v1.2.0')).toBeDefined();
    await store.remove('v1.2.0');
    expect(await store.read('v1.2.0')).toBeUndefined();
    expect(await store.read('v1x2x0')).toBeDefined();
  });
});
