import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { type ErrorInput, ReletanError } from './errors.js';
import { writeFileAtomic } from './fs.js';

/** One finished step, as the journal keeps it. */
export interface JournalEntry {
  stepId: string;
  description: string;
  /** ISO 8601. */
  finishedAt: string;
  /** What the step returned (JSON-serialisable): later steps, and reruns, read it. */
  output?: unknown;
}

/** Everything recorded about one run: which of its steps finished, and their outputs. */
export interface JournalRecord {
  /** The run's id, e.g. `deploy/prod/v1.4.0`: a rerun of the same operation opens the same record. */
  run: string;
  /** ISO 8601. */
  startedAt: string;
  /** ISO 8601. */
  updatedAt: string;
  steps: Record<string, JournalEntry>;
  /** Facts about the run that are not a step's output (e.g. the label each environment ran before). */
  meta?: Record<string, unknown>;
}

/**
 * Where journals are kept: a directory on this machine (`createFileJournalStore`), git config, or (for CI
 * jobs that resume on another machine) an S3 bucket. Writes replace the whole record atomically.
 */
export interface JournalStore {
  /** Where records are kept, for messages: `.reletan/journal`, `s3://bucket/prefix`. */
  readonly location: string;
  read(run: string): Promise<JournalRecord | undefined>;
  write(record: JournalRecord): Promise<void>;
  remove(run: string): Promise<void>;
  /** The ids of every run with a record. */
  list(): Promise<string[]>;
}

/** A run's journal, open: what {@link runPlan} records finished steps in, and reads to skip them. */
export interface RunJournal {
  readonly run: string;
  readonly store: JournalStore;
  /** The entry of a step this run (or an earlier run of it) finished; undefined when it has not. */
  finished(stepId: string): JournalEntry | undefined;
  /** Records a finished step; written through to the store before it returns. */
  record(stepId: string, description: string, output?: unknown): Promise<void>;
  /** Run facts that are not step outputs. */
  meta(): Readonly<Record<string, unknown>>;
  setMeta(key: string, value: unknown): Promise<void>;
  /** Forgets the run (e.g. once it completed and a fresh run must start from the beginning). */
  discard(): Promise<void>;
  /** The record as it is now. */
  snapshot(): JournalRecord;
}

export interface OpenRunJournalOptions {
  /** @default () => new Date() */
  now?: () => Date;
}

/**
 * Opens the journal of `run` in `store`: the record an earlier run left (a rerun continues from it), or a
 * new one, written on the first record.
 */
export async function openRunJournal(
  store: JournalStore,
  run: string,
  options: OpenRunJournalOptions = {},
): Promise<RunJournal> {
  const now = options.now ?? (() => new Date());
  const existing = await store.read(run);
  const started = now().toISOString();
  let record: JournalRecord = existing ?? { run, startedAt: started, updatedAt: started, steps: {} };
  // Steps running in parallel record at the same time: writes go out one at a time, in the order the
  // records were made, so the store never ends on an older record than the last one.
  let writing: Promise<void> = Promise.resolve();
  const save = (next: JournalRecord) => {
    record = { ...next, updatedAt: now().toISOString() };
    const snapshot = record;
    writing = writing.catch(() => {}).then(() => store.write(snapshot));
    return writing;
  };
  return {
    run,
    store,
    finished: (stepId) => record.steps[stepId],
    record: (stepId, description, output) =>
      save({
        ...record,
        steps: {
          ...record.steps,
          [stepId]: {
            stepId,
            description,
            finishedAt: now().toISOString(),
            ...(output === undefined ? {} : { output }),
          },
        },
      }),
    meta: () => record.meta ?? {},
    setMeta: (key, value) => save({ ...record, meta: { ...record.meta, [key]: value } }),
    discard: () => {
      record = { run, startedAt: now().toISOString(), updatedAt: now().toISOString(), steps: {} };
      writing = writing.catch(() => {}).then(() => store.remove(run));
      return writing;
    },
    snapshot: () => record,
  };
}

export interface FileJournalStoreOptions {
  /** The directory records are kept in, e.g. `<repository>/.reletan/journal`. Created on the first write. */
  dir: string;
  /** How `location` is shown (relative to the repository). @default dir */
  displayDir?: string;
}

/**
 * Journals as JSON files, one per run, written atomically (a crash mid-write leaves the previous record)
 * with mode 0600. Run ids are file-name encoded, so `deploy/prod/v1.4.0` is one file.
 */
export function createFileJournalStore(options: FileJournalStoreOptions): JournalStore {
  const file = (run: string) => path.join(options.dir, `${encodeURIComponent(run)}.json`);
  return {
    location: options.displayDir ?? options.dir,
    async read(run) {
      let text: string;
      try {
        text = await readFile(file(run), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      return parseRecord(text, file(run), run);
    },
    async write(record) {
      await mkdir(options.dir, { recursive: true });
      await writeFileAtomic(file(record.run), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
    },
    async remove(run) {
      await rm(file(run), { force: true });
    },
    async list() {
      const names = await readdir(options.dir).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [] as string[];
        throw error;
      });
      return names
        .filter((name) => name.endsWith('.json'))
        .map((name) => decodeURIComponent(name.slice(0, -'.json'.length)))
        .sort();
    },
  };
}

/** A journal store in memory: for tests, and for runs that must not leave anything behind. */
export function createMemoryJournalStore(location = 'memory'): JournalStore {
  const records = new Map<string, string>();
  return {
    location,
    read: async (run) => {
      const text = records.get(run);
      return text === undefined ? undefined : (JSON.parse(text) as JournalRecord);
    },
    // Serialised, as a file or an object would be: outputs that do not survive JSON fail here too.
    write: async (record) => void records.set(record.run, JSON.stringify(record)),
    remove: async (run) => void records.delete(run),
    list: async () => [...records.keys()].sort(),
  };
}

/**
 * Parses a stored record; a damaged one is an error naming where it is (a file, or an `s3://` URL as
 * `input`), never silently a fresh start. Every store reads its records through this.
 */
export function parseRecord(
  text: string,
  where: string,
  run: string,
  input: ErrorInput = { file: where },
): JournalRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw damaged(where, input, 'it is not JSON', error);
  }
  const record = parsed as Partial<JournalRecord> | null;
  if (
    record === null ||
    typeof record !== 'object' ||
    record.run !== run ||
    typeof record.steps !== 'object' ||
    record.steps === null
  ) {
    throw damaged(where, input, `it is not the journal of run ${run}`);
  }
  return record as JournalRecord;
}

function damaged(where: string, input: ErrorInput, why: string, cause?: unknown): ReletanError {
  return new ReletanError({
    code: 'JOURNAL_DAMAGED',
    message: `the run journal ${where} cannot be read: ${why}`,
    input,
    hint: 'look at it, then delete it to start the run from the beginning (steps already done are checked again where they can be)',
    cause,
  });
}
