import { ReletanError, usageError } from '@reletan/core';

/** A file the caller adds to the bundle (the stage's `.env`, generated hooks); it replaces a tree file at the same path. */
export interface BundleExtraFile {
  /** Where it goes in the bundle: relative, with `/` separators, e.g. `.env` or `.platform/hooks/predeploy/90_x.sh`. */
  path: string;
  content: string | Buffer;
  /**
   * Its permission bits, e.g. `0o600` for a `.env`. Anything under `.platform/hooks/` or
   * `.platform/confighooks/` is stored as `0o755` whatever is given.
   * @default 0o644
   */
  mode?: number;
}

/** A file's bytes as a stream (node's, or the tar reader's): async-iterable and destroyable. */
export interface ByteStream extends AsyncIterable<unknown> {
  destroy(error?: Error): unknown;
}

/**
 * One entry of the bundle as a source hands it to the zip writer, in byte order of `path`. Its content is
 * in memory (`data`), read on demand (`load`, a working-tree file), or a stream that must be read to its
 * end before the source's next entry (`stream`, a large file of `git archive`'s tar).
 */
export interface BundleEntry {
  path: string;
  kind: 'file' | 'symlink';
  /** Permission bits as stored (already normalised). */
  mode: number;
  /** Uncompressed size in bytes (a symlink: its target's length). */
  size: number;
  data?: Buffer;
  load?: () => Promise<Buffer>;
  stream?: ByteStream;
  /** For a working-tree file too large to hold: opens it as a stream. */
  open?: () => ByteStream;
}

const HOOK_DIRECTORIES = ['.platform/hooks/', '.platform/confighooks/'];

/** Elastic Beanstalk runs every file under these directories, and fails the deploy on one it cannot execute. */
export function isPlatformHookPath(path: string): boolean {
  return HOOK_DIRECTORIES.some((directory) => path.startsWith(directory));
}

/**
 * The permission bits a tree file is stored with: 0755 when it is executable (git's 100755, or an
 * executable working-tree file), else 0644, and always 0755 for platform hooks. Nothing else of the
 * machine's modes (umask, group bits) reaches the bundle, so two checkouts give the same bytes.
 */
export function treeFileMode(path: string, executable: boolean): number {
  return executable || isPlatformHookPath(path) ? 0o755 : 0o644;
}

/** An extra file's bits: as given (a `.env` keeps 0600), hooks always 0755. */
export function extraFileMode(file: BundleExtraFile): number {
  if (isPlatformHookPath(file.path)) return 0o755;
  return (file.mode ?? 0o644) & 0o777;
}

/**
 * Byte order of the paths' UTF-8, which is also the order `git archive` writes a tree in (git sorts a
 * directory's entries by their bytes, a subdirectory as if its name ended in `/`). JavaScript's own string
 * order differs for characters outside the BMP, so it is not used.
 */
export function comparePaths(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Checks the extra files' paths and returns them in byte order, their modes settled. */
export function prepareExtraFiles(files: readonly BundleExtraFile[]): BundleEntry[] {
  const seen = new Set<string>();
  const entries: BundleEntry[] = [];
  for (const file of files) {
    const problem = pathProblem(file.path);
    if (problem) {
      throw usageError(
        'BUNDLE_EXTRA_FILE_INVALID',
        `the extra file "${file.path}" cannot go in the bundle: ${problem}`,
        {
          input: { file: file.path },
          hint: 'give a relative path inside the bundle, with "/" between its parts',
        },
      );
    }
    if (seen.has(file.path)) {
      throw usageError('BUNDLE_EXTRA_FILE_INVALID', `the extra file "${file.path}" is given twice`, {
        input: { file: file.path },
        hint: 'give each extra file once',
      });
    }
    seen.add(file.path);
    const data = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content;
    entries.push({ path: file.path, kind: 'file', mode: extraFileMode(file), size: data.length, data });
  }
  return entries.sort((a, b) => comparePaths(a.path, b.path));
}

function pathProblem(path: string): string | undefined {
  if (path === '') return 'the path is empty';
  if (path.includes('\\')) return 'it contains "\\"';
  if (path.includes('\0')) return 'it contains a NUL character';
  if (path.startsWith('/')) return 'it is absolute';
  if (path.endsWith('/')) return 'it names a directory';
  const parts = path.split('/');
  if (parts.some((part) => part === '' || part === '.' || part === '..')) {
    return 'it has an empty, "." or ".." part';
  }
  if (path === '.git' || path.startsWith('.git/')) return 'it is inside .git';
  return undefined;
}

/**
 * Merges the source's entries (byte order) with the extra files (byte order): an extra file replaces the
 * tree's file at its path. Refuses a file that would also be a directory (`config` and `config/app.php`),
 * which no unzip can extract.
 */
export async function* mergeEntries(
  tree: AsyncIterable<BundleEntry>,
  extras: readonly BundleEntry[],
): AsyncGenerator<BundleEntry> {
  let next = 0;
  let previous: string | undefined;
  const files = new Set<string>();
  const emit = (entry: BundleEntry) => {
    for (let slash = entry.path.indexOf('/'); slash !== -1; slash = entry.path.indexOf('/', slash + 1)) {
      const parent = entry.path.slice(0, slash);
      if (files.has(parent)) {
        throw usageError(
          'BUNDLE_PATH_CONFLICT',
          `"${parent}" is a file in the bundle, and "${entry.path}" would need it to be a directory`,
          {
            input: { file: parent },
            hint: 'give the extra file a path that is not also a directory of the project',
          },
        );
      }
    }
    files.add(entry.path);
    return entry;
  };
  for await (const entry of tree) {
    if (previous !== undefined && comparePaths(previous, entry.path) >= 0) {
      // Every source sorts; a tree out of order would make the bundle's bytes depend on how it was read.
      throw new ReletanError({
        code: 'BUNDLE_UNSORTED',
        message: `the project's files came out of order ("${previous}" before "${entry.path}")`,
      });
    }
    previous = entry.path;
    let replaced = false;
    for (; next < extras.length; next++) {
      const extra = extras[next] as BundleEntry;
      const order = comparePaths(extra.path, entry.path);
      if (order > 0) break;
      if (order === 0) replaced = true;
      yield emit(extra);
    }
    if (replaced) {
      // The stream of a replaced tree file is read to its end, so the tar moves on to the next entry.
      if (entry.stream) await drain(entry.stream);
      continue;
    }
    yield emit(entry);
  }
  for (; next < extras.length; next++) yield emit(extras[next] as BundleEntry);
}

/** Reads a stream to its end, dropping what it holds. */
export async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _chunk of stream) {
    // nothing to keep
  }
}
