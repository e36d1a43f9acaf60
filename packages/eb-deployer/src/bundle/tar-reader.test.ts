import { execFileSync } from 'node:child_process';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isReletanError } from '@reletan/core';
import { createTestRepo } from '@reletan/core/testing';
import fc from 'fast-check';
import { extract, pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { readTar, type TarEntry } from './tar-reader.js';

interface Spec {
  name: string;
  type: 'file' | 'symlink' | 'directory';
  mode: number;
  content: Buffer;
  linkname: string;
}

/** The tar tar-stream (the oracle) writes for the entries: ustar, with pax headers for what does not fit. */
async function packTar(specs: readonly Spec[]): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (chunk) => void chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve) => tar.on('end', () => resolve()));
  for (const spec of specs) {
    const header = { name: spec.name, mode: spec.mode, mtime: new Date(0) };
    if (spec.type === 'file') tar.entry({ ...header, type: 'file' }, spec.content);
    else if (spec.type === 'symlink') tar.entry({ ...header, type: 'symlink', linkname: spec.linkname });
    else tar.entry({ ...header, type: 'directory' });
  }
  tar.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/** The bytes in chunks of the given sizes, as a pipe delivers them; `consumed` says how far it was read. */
function chunked(bytes: Buffer, sizes: readonly number[]) {
  const state = { consumed: 0 };
  const source = (async function* () {
    let offset = 0;
    for (let index = 0; offset < bytes.length; index++) {
      const size = sizes[index % sizes.length] as number;
      const chunk = bytes.subarray(offset, offset + size);
      offset += chunk.length;
      state.consumed = offset;
      yield chunk;
    }
  })();
  return { source, state };
}

async function readAll(source: AsyncIterable<Buffer>, streamAbove: number) {
  const entries: (Omit<TarEntry, 'data' | 'stream'> & { content: Buffer; streamed: boolean })[] = [];
  for await (const entry of readTar(source, { streamAbove })) {
    let content = entry.data ?? Buffer.alloc(0);
    if (entry.stream) {
      const pieces: Buffer[] = [];
      for await (const piece of entry.stream) pieces.push(piece as Buffer);
      content = Buffer.concat(pieces);
    }
    const { data: _data, stream, ...rest } = entry;
    entries.push({ ...rest, content: Buffer.from(content), streamed: stream !== undefined });
  }
  return entries;
}

async function rejection(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the read to fail');
}

const part = fc
  .array(fc.constantFrom('a', 'B', '0', '-', '.', ' ', 'é', '日', '😀'), { minLength: 1, maxLength: 40 })
  .map((chars) => chars.join(''))
  .filter((name) => name !== '.' && name !== '..');
// Short paths (ustar name), long ones that split at a "/" (ustar prefix) and ones that need pax.
const name = fc.array(part, { minLength: 1, maxLength: 9 }).map((parts) => parts.join('/'));
const size = fc.oneof(fc.integer({ min: 0, max: 1100 }), fc.constantFrom(511, 512, 513, 1024, 4096, 10_240));
const spec: fc.Arbitrary<Spec> = fc.record({
  name,
  type: fc.constantFrom('file', 'file', 'file', 'symlink', 'directory'),
  mode: fc.constantFrom(0o644, 0o755, 0o600),
  content: size.chain((length) => fc.uint8Array({ minLength: length, maxLength: length })).map(Buffer.from),
  linkname: name,
});

describe('reading a tar', () => {
  it('gives every entry as tar-stream wrote it, whatever the chunk sizes, small files whole and large ones as streams', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(spec, { selector: (entry) => entry.name, maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 1500 }),
        async (specs, sizes, streamAbove) => {
          const tar = await packTar(specs);
          const { source, state } = chunked(tar, sizes);
          const entries = await readAll(source, streamAbove);
          expect(entries).toEqual(
            specs.map((entry) => {
              const length = entry.type === 'file' ? entry.content.length : 0;
              return {
                path: entry.name,
                type: entry.type,
                mode: entry.mode,
                size: length,
                linkname: entry.type === 'symlink' ? entry.linkname : '',
                content: entry.type === 'file' ? entry.content : Buffer.alloc(0),
                streamed: length > streamAbove,
              };
            }),
          );
          // Read to the end, padding and all: a child process's 'close' waits for that.
          expect(state.consumed).toBe(tar.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("reads git archive's own tar as tar-stream does: paths in the ustar prefix and in pax headers, links, modes", async () => {
    const repo = await createTestRepo();
    try {
      const deep = `${'directory-'.repeat(12)}/${'nested-'.repeat(8)}/file.txt`; // prefix + name
      const long = `${'x'.repeat(120)}/${'y'.repeat(150)}.txt`; // neither fits: a pax path
      for (const file of [deep, long, 'bin/run.sh', 'plain.txt']) {
        await mkdir(path.dirname(path.join(repo.dir, file)), { recursive: true });
        await writeFile(path.join(repo.dir, file), `${file}\n`.repeat(300));
      }
      await chmod(path.join(repo.dir, 'bin/run.sh'), 0o755);
      await symlink(long, path.join(repo.dir, 'link'));
      await repo.git.run(['add', '-A']);
      await repo.git.run(['commit', '-q', '-m', 'Files']);
      const tar = execFileSync('git', ['archive', '--format=tar', 'HEAD'], { cwd: repo.dir });

      const oracle: unknown[] = [];
      const extractor = extract();
      extractor.on('entry', (header, stream, next) => {
        const pieces: Buffer[] = [];
        stream.on('data', (piece) => void pieces.push(piece as Buffer));
        stream.on('end', () => {
          const type = header.type === 'directory' || header.type === 'symlink' ? header.type : 'file';
          oracle.push({
            path: header.name,
            type,
            mode: header.mode,
            linkname: header.linkname ?? '',
            content: Buffer.concat(pieces).toString(),
          });
          next();
        });
      });
      const done = new Promise<void>((resolve, reject) =>
        extractor.on('finish', () => resolve()).on('error', (error) => reject(error)),
      );
      extractor.end(tar);
      await done;

      const ours = (await readAll(chunked(tar, [4096]).source, 1000)).map((entry) => ({
        path: entry.path,
        type: entry.type,
        mode: entry.mode,
        linkname: entry.linkname,
        content: entry.content.toString(),
      }));
      expect(ours).toEqual(oracle);
      expect(ours.map((entry) => entry.path)).toEqual(expect.arrayContaining([deep, long, 'link']));
      expect(tar.toString('latin1')).toContain(`${'directory-'.repeat(12)}\0`); // the prefix field was used
    } finally {
      await repo.cleanup();
    }
  });

  it('skips what the reader of a large file left unread', async () => {
    const big = Buffer.alloc(5000, 7);
    const tar = await packTar([
      { name: 'big.sql', type: 'file', mode: 0o644, content: big, linkname: '' },
      { name: 'next.txt', type: 'file', mode: 0o644, content: Buffer.from('next'), linkname: '' },
    ]);
    const seen: string[] = [];
    for await (const entry of readTar(chunked(tar, [700]).source, { streamAbove: 1000 })) {
      seen.push(`${entry.path} ${entry.data?.toString() ?? 'stream'}`);
      if (entry.stream) {
        for await (const _piece of entry.stream) break;
      }
    }
    expect(seen).toEqual(['big.sql stream', 'next.txt next']);
  });

  it('refuses a tar cut short anywhere, naming where it ended', async () => {
    const tar = await packTar([
      { name: 'a.txt', type: 'file', mode: 0o644, content: Buffer.alloc(3000, 1), linkname: '' },
      {
        name: `${'long/'.repeat(40)}b.txt`,
        type: 'file',
        mode: 0o644,
        content: Buffer.from('b'),
        linkname: '',
      },
    ]);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: tar.length - 1025 }), async (cut) => {
        const error = await rejection(readAll(chunked(tar.subarray(0, cut), [999]).source, 10_000));
        expect(isReletanError(error) && error.code).toBe('BUNDLE_TAR_UNREADABLE');
        expect((error as Error).message).toMatch(/^the archive of the tree ended (before|inside)/);
      }),
      { numRuns: 40 },
    );
  });

  it('refuses a header whose checksum does not match', async () => {
    const tar = await packTar([
      { name: 'a.txt', type: 'file', mode: 0o644, content: Buffer.from('a'), linkname: '' },
    ]);
    const corrupt = Buffer.from(tar);
    corrupt[0] = 'b'.charCodeAt(0);
    const error = await rejection(readAll(chunked(corrupt, [512]).source, 10_000));
    expect(error).toMatchObject({
      code: 'BUNDLE_TAR_UNREADABLE',
      message: 'the archive of the tree has a header whose checksum does not match',
    });
  });
});
