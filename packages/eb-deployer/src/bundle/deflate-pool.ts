import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ReletanError } from '@reletan/core';

/** A file as it goes in the zip: deflated, or as it is when deflate did not make it smaller. */
export interface Deflated {
  data: Buffer;
  /** False when `data` is the content itself (stored). */
  deflated: boolean;
  /** The CRC-32 of the content. */
  crc: number;
}

/**
 * The workers' code. It is given as source (`eval`) rather than as a module file so that the same code
 * runs from the built package and from the TypeScript sources under vitest, without a build entry of its
 * own. Each batch arrives as one transferred buffer with offsets, and goes back the same way.
 */
const WORKER_SOURCE = `
(async () => {
  // import() rather than require: the worker inherits the process's flags, and under --input-type=module
  // its source is a module, where require does not exist.
  const { parentPort } = await import('node:worker_threads');
  const { crc32, deflateRawSync } = await import('node:zlib');
  parentPort.on('message', ({ id, buffer, ends, level }) => {
    try {
      const input = Buffer.from(buffer);
      const outputs = [];
      const crcs = [];
      const deflated = [];
      let start = 0;
      let total = 0;
      for (const end of ends) {
        const data = input.subarray(start, end);
        start = end;
        crcs.push(crc32(data));
        // A window larger than the file finds no more matches, it only costs setting up; the choice
        // depends on the size alone, so the bytes stay deterministic.
        const windowBits = Math.min(15, Math.max(9, Math.ceil(Math.log2(data.length + 1))));
        const out = deflateRawSync(data, { level, windowBits });
        // Deflate is deterministic, so this choice is too.
        const smaller = out.length < data.length;
        deflated.push(smaller);
        outputs.push(smaller ? out : data);
        total += smaller ? out.length : data.length;
      }
      const joined = Buffer.allocUnsafeSlow(total);
      const outEnds = [];
      let offset = 0;
      for (const out of outputs) {
        joined.set(out, offset);
        offset += out.length;
        outEnds.push(offset);
      }
      parentPort.postMessage({ id, buffer: joined.buffer, ends: outEnds, crcs, deflated }, [joined.buffer]);
    } catch (error) {
      parentPort.postMessage({ id, error: String((error && error.stack) || error) });
    }
  });
})();
`;

interface Batch {
  items: Buffer[];
  bytes: number;
  results: { resolve: (value: Deflated) => void; reject: (error: unknown) => void }[];
}

interface WorkerReply {
  id: number;
  buffer?: ArrayBuffer;
  ends?: number[];
  crcs?: number[];
  deflated?: boolean[];
  error?: string;
}

/** Batches are sent when they reach this size or count: one message per file would cost more than small files' deflate. */
const BATCH_BYTES = 256 * 1024;
const BATCH_FILES = 64;

/**
 * Deflates small files on worker threads, several files per message, one zlib call per file. Measured
 * on 20,000 source files: zlib's asynchronous `deflateRaw` spends more on the main thread per call (a
 * stream, its buffers and a round trip per file) than deflating a 3 kB file takes, so it did not use the
 * second core; synchronous deflate in workers does.
 */
export class DeflatePool {
  private readonly workers: Worker[] = [];
  private readonly inFlight: number[] = [];
  private readonly waiting = new Map<number, { worker: number; batch: Batch }>();
  private batch: Batch = emptyBatch();
  private nextId = 0;
  private failure: unknown;
  private flushScheduled = false;
  private closing = false;

  /**
   * One worker per core but one, at most 4: the main thread (reading the tar, writing the zip) and git
   * take the remaining core. Measured on 2 cores, a second worker only added an isolate's compiling and
   * garbage collection (0.2 s more CPU, 0.1 s more time).
   */
  constructor(
    private readonly level: number,
    private readonly size = Math.max(1, Math.min(availableParallelism() - 1, 4)),
  ) {}

  /** Deflates `data`, in a batch with the files given just before or after it. */
  deflate(data: Buffer): Promise<Deflated> {
    return new Promise<Deflated>((resolve, reject) => {
      if (this.failure) {
        reject(this.failure);
        return;
      }
      this.batch.items.push(data);
      this.batch.bytes += data.length;
      this.batch.results.push({ resolve, reject });
      if (this.batch.bytes >= BATCH_BYTES || this.batch.items.length >= BATCH_FILES) this.flush();
      // A batch that does not fill up is sent once the files at hand are all in: whoever waits for one
      // of its files is never left waiting for files that may not come.
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    const batch = this.batch;
    if (batch.items.length === 0) return;
    this.batch = emptyBatch();
    const index = this.pickWorker();
    const worker = this.workers[index] as Worker;
    // Not zero-filled (every byte is written below), and not from Buffer's shared pool, so it can be transferred.
    const view = Buffer.allocUnsafeSlow(batch.bytes);
    const buffer = view.buffer as ArrayBuffer;
    const ends: number[] = [];
    let offset = 0;
    for (const item of batch.items) {
      view.set(item, offset);
      offset += item.length;
      ends.push(offset);
    }
    const id = this.nextId++;
    this.waiting.set(id, { worker: index, batch });
    this.inFlight[index] = (this.inFlight[index] ?? 0) + 1;
    worker.postMessage({ id, buffer, ends, level: this.level }, [buffer]);
  }

  async close(): Promise<void> {
    this.closing = true;
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((worker) => worker.terminate()));
    this.fail(new ReletanError({ code: 'BUNDLE_ZIP_FAILED', message: 'the deflate workers were stopped' }));
  }

  private pickWorker(): number {
    if (this.workers.length < this.size && this.inFlight.every((count) => count > 0)) {
      const index = this.workers.length;
      // The workers allocate little on their JS heap (the files are buffers outside it): a small young
      // generation keeps each worker's memory down by tens of megabytes, measured.
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 64 },
      });
      worker.on('message', (reply: WorkerReply) => this.receive(reply));
      worker.on('error', (error) => this.fail(error));
      // A worker that ends while files wait on it (killed, out of memory) must not leave them waiting.
      worker.on('exit', (code) => {
        if (!this.closing) {
          this.fail(
            new ReletanError({
              code: 'BUNDLE_ZIP_FAILED',
              message: `a deflate worker exited (code ${code})`,
            }),
          );
        }
      });
      this.workers.push(worker);
      this.inFlight.push(0);
      return index;
    }
    let best = 0;
    this.inFlight.forEach((count, index) => {
      if (count < (this.inFlight[best] as number)) best = index;
    });
    return best;
  }

  private receive(reply: WorkerReply): void {
    const waiting = this.waiting.get(reply.id);
    if (!waiting) return;
    this.waiting.delete(reply.id);
    this.inFlight[waiting.worker] = (this.inFlight[waiting.worker] as number) - 1;
    if (reply.error !== undefined || !reply.buffer || !reply.ends || !reply.crcs) {
      const error = new ReletanError({
        code: 'BUNDLE_ZIP_FAILED',
        message: `deflate failed: ${reply.error}`,
      });
      for (const result of waiting.batch.results) result.reject(error);
      return;
    }
    const output = Buffer.from(reply.buffer);
    let start = 0;
    waiting.batch.results.forEach((result, index) => {
      const end = reply.ends?.[index] as number;
      result.resolve({
        data: output.subarray(start, end),
        deflated: reply.deflated?.[index] === true,
        crc: reply.crcs?.[index] as number,
      });
      start = end;
    });
  }

  private fail(error: unknown): void {
    this.failure ??= error;
    for (const { batch } of this.waiting.values()) for (const result of batch.results) result.reject(error);
    this.waiting.clear();
    for (const result of this.batch.results) result.reject(error);
    this.batch = emptyBatch();
  }
}

function emptyBatch(): Batch {
  return { items: [], bytes: 0, results: [] };
}
