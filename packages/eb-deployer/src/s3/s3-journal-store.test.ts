import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { AwsAccess } from '@reletan/aws';
import { openRunJournal } from '@reletan/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createS3JournalStore } from './s3-journal-store.js';
import { type RunningS3rver, startS3rver } from './testing.js';

const BUCKET = 'shop-deploys';

let server: RunningS3rver;
let aws: AwsAccess;
// Each test writes under its own prefix: the server (and its bucket) lives for the whole file.
let prefix: string;
let tests = 0;

beforeAll(async () => {
  server = await startS3rver({ buckets: [BUCKET] });
});
afterAll(async () => {
  await server?.stop();
});
beforeEach(() => {
  // The SDK's notice about Node versions it will drop, as the bins silence it.
  vi.stubEnv('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');
  aws = server.access();
  tests += 1;
  prefix = `shop-${tests}`;
});
afterEach(() => {
  vi.unstubAllEnvs();
});

async function objectText(key: string): Promise<string> {
  const output = await aws.client(S3Client).send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await output.Body?.transformToString('utf8')) ?? '';
}

async function putText(key: string, text: string): Promise<void> {
  await aws.client(S3Client).send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: text }));
}

describe('the S3 journal (the behaviours of the file journal)', () => {
  it('keeps one object per run under the prefix, readable by the next run (on another machine)', async () => {
    const store = createS3JournalStore({ aws, bucket: BUCKET, prefix });
    const journal = await openRunJournal(store, 'deploy/prod/v1.4.0', {
      now: () => new Date('2026-12-03T10:00:00Z'),
    });
    await journal.record('bundle', 'build the bundle', { hash: 'abc' });
    await journal.setMeta('rollbackLabels', { web: 'shop-v1.3.0' });

    const key = `${prefix}/journal/deploy%2Fprod%2Fv1.4.0.json`;
    expect(JSON.parse(await objectText(key))).toMatchObject({ run: 'deploy/prod/v1.4.0' });
    expect(await store.list()).toEqual(['deploy/prod/v1.4.0']);

    // Another job: another access, another store, the same bucket and prefix.
    const elsewhere = createS3JournalStore({ aws: server.access(), bucket: BUCKET, prefix });
    const reopened = await openRunJournal(elsewhere, 'deploy/prod/v1.4.0');
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
    const store = createS3JournalStore({ aws, bucket: BUCKET, prefix });
    const journal = await openRunJournal(store, 'r1');
    expect(journal.finished('a')).toBeUndefined();
    expect(await store.list()).toEqual([]);
  });

  it('forgets a run when discarded', async () => {
    const store = createS3JournalStore({ aws, bucket: BUCKET, prefix });
    const journal = await openRunJournal(store, 'r1');
    await journal.record('a', 'do a');
    await journal.discard();
    expect(journal.finished('a')).toBeUndefined();
    expect(await store.read('r1')).toBeUndefined();
    expect(await store.list()).toEqual([]);
  });

  it('refuses a damaged record, naming its s3:// address, instead of starting the run over', async () => {
    const store = createS3JournalStore({ aws, bucket: BUCKET, prefix });
    const key = `${prefix}/journal/r1.json`;
    await putText(key, '{"run": "r1", "steps": ');
    await expect(store.read('r1')).rejects.toMatchObject({
      code: 'JOURNAL_DAMAGED',
      input: { url: `s3://${BUCKET}/${key}` },
      message: expect.stringContaining(`s3://${BUCKET}/${key}`),
    });
    await putText(key, '{"run": "other", "steps": {}}');
    await expect(store.read('r1')).rejects.toMatchObject({ code: 'JOURNAL_DAMAGED' });
  });

  it('keeps every step that steps running in parallel record at once', async () => {
    const store = createS3JournalStore({ aws, bucket: BUCKET, prefix });
    const journal = await openRunJournal(store, 'r1');
    await Promise.all(Array.from({ length: 20 }, (_, i) => journal.record(`s${i}`, `step ${i}`)));
    const text = await objectText(`${prefix}/journal/r1.json`);
    expect(Object.keys(JSON.parse(text).steps)).toHaveLength(20);
  });
});

describe('the S3 journal in the deploy bucket', () => {
  it('says where it keeps records', () => {
    expect(createS3JournalStore({ aws, bucket: BUCKET, prefix: 'shop/' }).location).toBe(
      's3://shop-deploys/shop/journal',
    );
    expect(createS3JournalStore({ aws, bucket: BUCKET }).location).toBe('s3://shop-deploys/journal');
  });

  it('writes each record whole, encrypted at rest', async () => {
    const sent: Record<string, string>[] = [];
    aws.client(S3Client).middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { method: string; headers: Record<string, string> };
        if (request.method === 'PUT') sent.push({ ...request.headers });
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordHeaders' },
    );
    const store = createS3JournalStore({ aws, bucket: BUCKET, prefix });
    const journal = await openRunJournal(store, 'r1');
    await journal.record('a', 'do a');

    expect(sent).toHaveLength(1);
    expect(sent[0]?.['x-amz-server-side-encryption']).toBe('AES256');
    expect(sent[0]?.['content-type']).toBe('application/json');
  });

  it('lists only its own records, in order', async () => {
    const store = createS3JournalStore({ aws, bucket: BUCKET, prefix });
    const runs = ['deploy/prod/v1.10.0', 'deploy/dev/v1.9.0', 'hotfix 1.9.1'];
    for (const run of runs) await store.write({ run, startedAt: '', updatedAt: '', steps: {} });
    await putText(`${prefix}/journal/notes.txt`, 'not a record');
    await putText(`${prefix}/journal/old/r9.json`, '{}');
    await putText(`${prefix}/journals-elsewhere.json`, '{}');

    expect(await store.list()).toEqual([...runs].sort());
  });

  it('lists across pages', async () => {
    // s3rver cannot page (its continuation tokens need DES, which Node's OpenSSL 3 no longer has): S3's
    // pages are played back to the real client instead.
    const mock = mockClient(S3Client);
    try {
      mock
        .on(ListObjectsV2Command)
        .resolvesOnce({
          IsTruncated: true,
          NextContinuationToken: 'page-2',
          Contents: [{ Key: 'shop/journal/b.json' }],
        })
        .resolvesOnce({ IsTruncated: false, Contents: [{ Key: 'shop/journal/a.json' }] });
      const store = createS3JournalStore({ aws, bucket: BUCKET, prefix: 'shop' });

      expect(await store.list()).toEqual(['a', 'b']);
      expect(mock.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input)).toEqual([
        { Bucket: BUCKET, Prefix: 'shop/journal/' },
        { Bucket: BUCKET, Prefix: 'shop/journal/', ContinuationToken: 'page-2' },
      ]);
    } finally {
      mock.restore();
    }
  });

  it('names the bucket when it does not exist', async () => {
    const store = createS3JournalStore({ aws, bucket: 'no-such-bucket', prefix });
    await expect(store.write({ run: 'r1', startedAt: '', updatedAt: '', steps: {} })).rejects.toMatchObject({
      code: 'JOURNAL_S3_FAILED',
      hint: expect.stringContaining('the deploy bucket no-such-bucket does not exist'),
    });
  });
});
