import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { crc32, createDeflateRaw } from 'node:zlib';
import { isReletanError, ReletanError } from '@reletan/core';
import { Zip, type ZipInputFile } from 'fflate';
import { DeflatePool } from './deflate-pool.js';
import type { BundleEntry, ByteStream } from './entries.js';
import {
  bundleTooLargeError,
  MAX_ZIP_ENTRIES,
  type SizedPath,
  throwIfAborted,
  tooManyEntriesError,
  unreadableFileError,
} from './errors.js';
import { isPrecompressed } from './stored-types.js';

/**
 * Every entry's time: 1980-01-01 00:00, the first a zip can hold. fflate writes the DOS date and time
 * from a Date's local fields, so a Date made from local fields, at the time of use (the time zone may
 * change while a process runs), gives the same bytes in every time zone; every zone has that local time.
 */
const fixedTime = () => new Date(1980, 0, 1, 0, 0, 0);
/** "Made by" Unix (APPNOTE 4.4.2.2), so unzip applies the modes in the external attributes. */
const MADE_BY_UNIX = 3;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const DEFLATE = 8;
const STORE = 0;
/** Sizes and offsets are 32-bit without ZIP64. */
const MAX_ENTRY_SIZE = 0xffffffff;

/** Files above this size are streamed through deflate instead of being read whole. */
export const STREAM_THRESHOLD = 8 * 1024 * 1024;
/**
 * Small files are read and deflated (on the pool's worker threads, so every core works) up to this many
 * bytes and entries ahead of the one being written; the zip is still written in order.
 */
const MAX_BYTES_AHEAD = 8 * 1024 * 1024;
const MAX_ENTRIES_AHEAD = 2048;
/** Working-tree files read at once: enough to keep the disk busy, far below the limit of open files. */
const MAX_READS = 32;
/** The size of the blocks written to disk. */
const OUTPUT_BLOCK = 1024 * 1024;

export interface WriteZipOptions {
  /** The file to create; it must not exist. It is created with mode 0600: a bundle holds secrets. */
  file: string;
  /** zlib's deflate level, 0 (store) to 9 (smallest). */
  level: number;
  /** Stop with `BUNDLE_TOO_LARGE` as soon as the zip passes this many bytes. */
  maxBytes: number;
  signal?: AbortSignal | undefined;
  /** Called after each entry is written, with the number written so far. */
  onEntry?: ((written: number) => void) | undefined;
}

export interface WrittenZip {
  sha256: string;
  bytes: number;
  entries: number;
  uncompressedBytes: number;
}

/** What the zip needs of an entry besides its bytes (not the entry itself, which may hold its content). */
type EntryMeta = Pick<BundleEntry, 'path' | 'kind' | 'mode'>;

interface PreparedEntry {
  entry: EntryMeta;
  /** What goes in the zip: deflated, or the content as it is. */
  data: Uint8Array;
  crc: number;
  /** The content's own size. */
  size: number;
  compression: number;
}

/**
 * Writes the entries (in the order given, which the sources make byte order of paths) as a zip: fixed
 * times, Unix modes, deflate where it pays. fflate lays out the container (headers, data descriptors,
 * central directory); the deflating is node's zlib, on worker threads for small files and as a stream for
 * large ones, handed to fflate with CRC-32s and sizes through its `ZipInputFile` interface.
 */
export async function writeZip(
  entries: AsyncIterable<BundleEntry>,
  options: WriteZipOptions,
): Promise<WrittenZip> {
  const writer = new ZipFileWriter(options);
  const pool = new DeflatePool(options.level);
  const reads = new Limiter(MAX_READS);
  try {
    const ahead: { prepared: Promise<PreparedEntry>; size: number }[] = [];
    let bytesAhead = 0;
    const writeNext = async () => {
      const next = ahead.shift() as (typeof ahead)[number];
      bytesAhead -= next.size;
      await writer.add(await next.prepared);
    };
    for await (const entry of entries) {
      throwIfAborted(options.signal);
      if (entry.stream || entry.open) {
        while (ahead.length > 0) await writeNext();
        await writer.addStreamed(entry);
        continue;
      }
      const prepared = prepare(entry, pool, reads);
      // Rejections are taken when the entry's turn comes; until then they must not count as unhandled.
      prepared.catch(() => {});
      ahead.push({ prepared, size: entry.size });
      bytesAhead += entry.size;
      while (ahead.length > MAX_ENTRIES_AHEAD || bytesAhead > MAX_BYTES_AHEAD) await writeNext();
    }
    while (ahead.length > 0) await writeNext();
    return await writer.finish();
  } catch (error) {
    writer.destroy();
    throw error;
  } finally {
    await pool.close();
  }
}

async function prepare(entry: BundleEntry, pool: DeflatePool, reads: Limiter): Promise<PreparedEntry> {
  const meta: EntryMeta = { path: entry.path, kind: entry.kind, mode: entry.mode };
  let raw: Buffer;
  try {
    const { load } = entry;
    raw = entry.data ?? (load ? await reads.run(load) : Buffer.alloc(0));
  } catch (error) {
    throw unreadableFileError(entry.path, error);
  }
  // Only the zip keeps the content from here on: it is not held twice while the entry waits its turn.
  entry.data = undefined;
  const size = raw.length;
  if (entry.kind === 'symlink' || size === 0 || isPrecompressed(entry.path)) {
    // A small file read from the tar is a slice of a larger read: a copy of its own lets the read go
    // while the file waits its turn.
    const own = raw.byteLength * 2 < raw.buffer.byteLength ? Buffer.from(raw) : raw;
    return { entry: meta, data: own, crc: crc32(own), size, compression: STORE };
  }
  const result = await pool.deflate(raw);
  return {
    entry: meta,
    data: result.data,
    crc: result.crc,
    size,
    compression: result.deflated ? DEFLATE : STORE,
  };
}

function externalAttributes(entry: EntryMeta): number {
  const type = entry.kind === 'symlink' ? S_IFLNK : S_IFREG;
  return ((type | entry.mode) << 16) >>> 0;
}

class ZipFileWriter {
  private readonly output: WriteStream;
  private readonly hash = createHash('sha256');
  private readonly zip: Zip;
  private bytes = 0;
  private block = Buffer.allocUnsafe(OUTPUT_BLOCK);
  private blockLength = 0;
  private entries = 0;
  private uncompressedBytes = 0;
  private ended = false;
  private failure: unknown;
  private readonly largest: SizedPath[] = [];

  constructor(private readonly options: WriteZipOptions) {
    this.output = createWriteStream(options.file, { flags: 'wx', mode: 0o600, highWaterMark: 1 << 20 });
    this.output.on('error', (error) => {
      this.failure ??= error;
    });
    this.zip = new Zip((error, chunk, final) => {
      if (error) {
        this.failure ??= error;
        return;
      }
      this.buffer(chunk);
      this.bytes += chunk.length;
      if (final) this.ended = true;
    });
  }

  /**
   * Collects the zip's many small pieces (three per entry: header, data, descriptor) into blocks before
   * hashing and writing them: one write and one hash update per block instead of per piece.
   */
  private buffer(chunk: Uint8Array): void {
    if (chunk.length >= OUTPUT_BLOCK) {
      this.flushBlock();
      this.emit(chunk);
      return;
    }
    if (this.blockLength + chunk.length > OUTPUT_BLOCK) this.flushBlock();
    this.block.set(chunk, this.blockLength);
    this.blockLength += chunk.length;
  }

  private flushBlock(): void {
    if (this.blockLength === 0) return;
    this.emit(this.block.subarray(0, this.blockLength));
    this.block = Buffer.allocUnsafe(OUTPUT_BLOCK);
    this.blockLength = 0;
  }

  private emit(chunk: Uint8Array): void {
    this.output.write(chunk);
    this.hash.update(chunk);
  }

  async add(prepared: PreparedEntry): Promise<void> {
    if (prepared.size > MAX_ENTRY_SIZE) throw entryTooLargeError(prepared.entry.path);
    const file = this.start(prepared.entry, prepared.compression);
    file.crc = prepared.crc;
    file.size = prepared.size;
    const before = this.bytes;
    (file.ondata as NonNullable<ZipInputFile['ondata']>)(
      null,
      prepared.data as Uint8Array<ArrayBuffer>,
      true,
    );
    await this.finishEntry(prepared.entry.path, this.bytes - before, prepared.size);
  }

  /** A large file: read in chunks, deflated as a stream, never whole in memory. */
  async addStreamed(entry: BundleEntry): Promise<void> {
    let source: ByteStream;
    try {
      source = entry.stream ?? (entry.open as () => ByteStream)();
    } catch (error) {
      throw unreadableFileError(entry.path, error);
    }
    const compression = isPrecompressed(entry.path) ? STORE : DEFLATE;
    const file = this.start(entry, compression);
    const handler = file.ondata as NonNullable<ZipInputFile['ondata']>;
    const ondata = (chunk: Uint8Array, final: boolean) =>
      handler(null, chunk as Uint8Array<ArrayBuffer>, final);
    const before = this.bytes;
    let crc = 0;
    let size = 0;
    const count = (chunk: Buffer) => {
      crc = crc32(chunk, crc);
      size += chunk.length;
      if (size > MAX_ENTRY_SIZE) throw entryTooLargeError(entry.path);
    };
    const read = async function* () {
      try {
        for await (const chunk of source) yield chunk as Buffer;
      } catch (error) {
        throw isReletanError(error) ? error : unreadableFileError(entry.path, error);
      }
    };
    if (compression === STORE) {
      try {
        for await (const chunk of read()) {
          count(chunk);
          ondata(chunk, false);
          await this.afterChunk();
        }
      } catch (error) {
        source.destroy();
        throw error;
      }
    } else {
      const deflate = createDeflateRaw({ level: this.options.level });
      let feedError: unknown;
      const feeding = (async () => {
        for await (const chunk of read()) {
          throwIfAborted(this.options.signal);
          count(chunk);
          if (!deflate.write(chunk)) await once(deflate, 'drain');
        }
        deflate.end();
      })().catch((error: unknown) => {
        feedError = error;
        deflate.destroy(error instanceof Error ? error : new Error(String(error)));
      });
      try {
        for await (const chunk of deflate) {
          ondata(chunk as Buffer, false);
          await this.afterChunk();
        }
        await feeding;
      } catch (error) {
        // Stop reading the file: the bundle is not going to be written.
        deflate.destroy();
        source.destroy();
        throw feedError ?? error;
      }
      if (feedError) throw feedError;
    }
    file.crc = crc;
    file.size = size;
    ondata(new Uint8Array(0), true);
    await this.finishEntry(entry.path, this.bytes - before, size);
  }

  async finish(): Promise<WrittenZip> {
    this.zip.end();
    this.throwFailure();
    if (!this.ended) throw new ReletanError({ code: 'BUNDLE_ZIP_FAILED', message: 'the zip did not end' });
    this.flushBlock();
    const closed = once(this.output, 'close');
    this.output.end();
    await closed;
    this.throwFailure();
    if (this.bytes > this.options.maxBytes) {
      throw bundleTooLargeError({
        limit: this.options.maxBytes,
        bytes: this.bytes,
        finished: true,
        largest: this.largest,
      });
    }
    return {
      sha256: this.hash.digest('hex'),
      bytes: this.bytes,
      entries: this.entries,
      uncompressedBytes: this.uncompressedBytes,
    };
  }

  destroy(): void {
    this.zip.terminate();
    this.output.destroy();
  }

  private start(entry: EntryMeta, compression: number): ZipInputFile {
    this.throwFailure();
    if (this.entries + 1 > MAX_ZIP_ENTRIES) throw tooManyEntriesError(this.entries + 1);
    const file: ZipInputFile = {
      filename: entry.path,
      size: 0,
      crc: 0,
      compression,
      os: MADE_BY_UNIX,
      attrs: externalAttributes(entry),
      mtime: fixedTime(),
    };
    this.zip.add(file);
    return file;
  }

  private async finishEntry(path: string, stored: number, size: number): Promise<void> {
    this.entries += 1;
    this.uncompressedBytes += size;
    this.remember({ path, stored, size });
    this.options.onEntry?.(this.entries);
    await this.afterChunk();
  }

  /** Checks the limit and the signal, and waits while the disk is behind. */
  private async afterChunk(): Promise<void> {
    this.throwFailure();
    if (this.bytes > this.options.maxBytes) {
      throw bundleTooLargeError({
        limit: this.options.maxBytes,
        bytes: this.bytes,
        finished: false,
        largest: this.largest,
      });
    }
    throwIfAborted(this.options.signal);
    if (this.output.writableNeedDrain) await once(this.output, 'drain');
  }

  private remember(file: SizedPath): void {
    const largest = this.largest;
    if (largest.length === 5 && (largest[4] as SizedPath).stored >= file.stored) return;
    largest.push(file);
    largest.sort((a, b) => b.stored - a.stored);
    if (largest.length > 5) largest.pop();
  }

  private throwFailure(): void {
    if (this.failure === undefined) return;
    const failure = this.failure;
    throw isReletanError(failure)
      ? failure
      : new ReletanError({
          code: 'BUNDLE_WRITE_FAILED',
          message: `could not write the source bundle ${this.options.file}: ${failure instanceof Error ? failure.message : String(failure)}`,
          input: { file: this.options.file },
          hint: 'check that the directory is writable and the disk has room',
          cause: failure,
        });
  }
}

function entryTooLargeError(path: string): ReletanError {
  return new ReletanError({
    code: 'BUNDLE_TOO_LARGE',
    message: `${path} is 4 GiB or more, more than a zip without ZIP64 can hold`,
    input: { file: path },
    hint: 'leave the file out of the bundle: mark it export-ignore in .gitattributes (or list it in .ebignore)',
  });
}

/** Runs at most `size` tasks at a time, the others in the order they came. */
class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}
