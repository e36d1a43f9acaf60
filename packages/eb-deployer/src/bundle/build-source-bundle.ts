import { createHash, randomUUID } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createGitRunner,
  formatDuration,
  type GitRunner,
  isReletanError,
  type Logger,
  ReletanError,
  usageError,
} from '@reletan/core';
import {
  BUNDLE_FORMAT_VERSION,
  bundleCacheKey,
  cachedZipPath,
  findCachedBundle,
  pruneBundleCache,
  recordCachedBundle,
} from './cache.js';
import { type BundleExtraFile, mergeEntries, prepareExtraFiles } from './entries.js';
import { formatBytes, SOURCE_BUNDLE_MAX_BYTES, throwIfAborted } from './errors.js';
import { openGitTree } from './git-tree.js';
import { EBIGNORE_FILE, openWorkingTree, TEMP_PREFIX } from './working-tree.js';
import { type WrittenZip, writeZip } from './zip-writer.js';

/**
 * zlib's level for the bundle. Measured on the benchmark's tree and on 114 MB of real JavaScript (see the
 * README): level 4 is within 5% of level 6's size at about 60% of its time; levels 1-3 are faster still
 * but 10-17% larger, which every upload and every instance's download pays again.
 */
export const DEFAULT_COMPRESSION_LEVEL = 4;

/** How many bundles a cache directory keeps by default. */
export const DEFAULT_CACHE_KEEP = 3;

export interface BuildSourceBundleOptions {
  /**
   * The project's root. In a repository it is usually the top level; a subdirectory bundles only that
   * directory, as `git archive` does when run there. An `.ebignore` file here switches to the working tree.
   */
  cwd: string;
  /**
   * Where the bundle is written (through a temporary file in the same directory and a rename).
   * @default the cache's copy when `cacheDir` is given, else `source-bundle.zip` in a new temporary directory
   */
  out?: string | undefined;
  /** Files added to the bundle (the stage's `.env`, generated hooks); each replaces a tree file at its path. @default [] */
  extraFiles?: readonly BundleExtraFile[] | undefined;
  /**
   * A directory of finished bundles by content (the CLI passes `<repo>/.reletan/bundles`): a rebuild of an
   * unchanged tree with the same extra files reuses the zip there instead of compressing again.
   * @default none: every build compresses
   */
  cacheDir?: string | undefined;
  /** How many bundles `cacheDir` keeps, the most recently used. @default 3 */
  cacheKeep?: number | undefined;
  /** Reads the repository. @default createGitRunner({ cwd }) */
  git?: GitRunner | undefined;
  /** Shows progress (files written of the total) and a summary at debug level; never any content. @default none */
  logger?: Logger | undefined;
  /** Stops the build (`INTERRUPTED`, exit 130), leaving nothing on disk. @default none */
  signal?: AbortSignal | undefined;
  /** zlib's deflate level, 0 to 9. @default 4 ({@link DEFAULT_COMPRESSION_LEVEL}) */
  compressionLevel?: number | undefined;
  /** The largest bundle accepted, in bytes. @default 500_000_000 ({@link SOURCE_BUNDLE_MAX_BYTES}, Elastic Beanstalk's limit) */
  maxBytes?: number | undefined;
}

export interface SourceBundle {
  /** The zip, mode 0600. */
  file: string;
  /** Its SHA-256, in hex. */
  sha256: string;
  /** Its size. */
  bytes: number;
  /** Files and symlinks in it. */
  entries: number;
  /** The sum of their own sizes. */
  uncompressedBytes: number;
  /** True when the zip came from `cacheDir` instead of being compressed now. */
  cached: boolean;
  /** `git`: HEAD's committed tree, as `git archive` gives it; `ebignore`: the working tree minus `.ebignore`'s patterns. */
  source: 'git' | 'ebignore';
  /** HEAD's commit, for a `git` bundle. */
  commit?: string;
}

/**
 * Builds an Elastic Beanstalk source bundle: the committed tree at HEAD (with `git archive`'s semantics),
 * or the working tree minus `.ebignore`'s patterns when the project has one, plus `extraFiles`. The zip is
 * deterministic (byte-ordered entries, fixed times, normalised modes: the same inputs give the same bytes
 * and SHA-256), streamed to disk with bounded memory, mode 0600 everywhere it is written, and refused with
 * `BUNDLE_TOO_LARGE` above Elastic Beanstalk's 500 MB limit, leaving nothing behind.
 */
export async function buildSourceBundle(options: BuildSourceBundleOptions): Promise<SourceBundle> {
  const started = Date.now();
  const { logger, signal } = options;
  const cwd = path.resolve(options.cwd);
  const level = checkedInteger(
    options.compressionLevel ?? DEFAULT_COMPRESSION_LEVEL,
    'compressionLevel',
    0,
    9,
  );
  const maxBytes = checkedInteger(
    options.maxBytes ?? SOURCE_BUNDLE_MAX_BYTES,
    'maxBytes',
    1,
    Number.MAX_SAFE_INTEGER,
  );
  const keep = checkedInteger(options.cacheKeep ?? DEFAULT_CACHE_KEEP, 'cacheKeep', 1, 1000);
  const cacheDir = options.cacheDir === undefined ? undefined : path.resolve(cwd, options.cacheDir);
  const out = options.out === undefined ? undefined : path.resolve(cwd, options.out);
  const extras = prepareExtraFiles(options.extraFiles ?? []);
  throwIfAborted(signal);

  const useEbignore = await isFile(path.join(cwd, EBIGNORE_FILE));
  const tree = useEbignore
    ? await openWorkingTree(cwd, { exclude: [cacheDir, out].filter((item) => item !== undefined), signal })
    : await openGitTree(options.git ?? createGitRunner({ cwd }), cwd);
  const source: SourceBundle['source'] = useEbignore ? 'ebignore' : 'git';
  const commit = 'commit' in tree ? tree.commit : undefined;
  const describe = (facts: {
    sha256: string;
    bytes: number;
    entries: number;
    uncompressedBytes: number;
  }) => ({
    ...facts,
    source,
    ...(commit === undefined ? {} : { commit }),
  });

  let key: string | undefined;
  if (cacheDir) {
    await mkdir(cacheDir, { recursive: true, mode: 0o700 });
    key = bundleCacheKey({
      format: BUNDLE_FORMAT_VERSION,
      // Another zlib may deflate to other bytes.
      zlib: process.versions.zlib,
      level,
      source,
      tree: await tree.fingerprint(signal),
      extraFiles: extras.map((file) => ({
        path: file.path,
        mode: file.mode,
        sha256: createHash('sha256')
          .update(file.data ?? Buffer.alloc(0))
          .digest('hex'),
      })),
    });
    const hit = await findCachedBundle(cacheDir, key);
    if (hit) {
      const cached = cachedZipPath(cacheDir, key);
      const file = out ? await copyAtomically(cached, out) : cached;
      await pruneBundleCache(cacheDir, keep);
      logger?.debug(`source bundle reused from the cache: ${hit.entries} files, ${formatBytes(hit.bytes)}`);
      return { file, cached: true, ...describe(hit) };
    }
  }

  const temporaryDirectory =
    cacheDir === undefined && out === undefined
      ? await mkdtemp(path.join(tmpdir(), 'reletan-bundle-'))
      : undefined;
  const directory = cacheDir ?? (out ? path.dirname(out) : (temporaryDirectory as string));
  await mkdir(directory, { recursive: true });
  const temporary = path.join(directory, `${TEMP_PREFIX}${randomUUID()}.tmp`);
  let reported = 0;
  let written: WrittenZip;
  let target: string;
  try {
    written = await writeZip(mergeEntries(tree.entries(signal), extras), {
      file: temporary,
      level,
      maxBytes,
      signal,
      onEntry: (count) => {
        const now = Date.now();
        if (logger && now - reported >= 250) {
          reported = now;
          // The total is counted alongside the archive; until it is known, the count alone is shown.
          const total = tree.total === 0 ? count : Math.max(count, tree.total + extras.length);
          logger.progress(`bundling: ${count}${total === count ? '' : ` of ${total}`} files`);
        }
      },
    });
    if (written.entries === 0) {
      throw usageError('BUNDLE_EMPTY', `there is nothing to bundle in ${cwd}`, {
        input: { file: cwd },
        hint:
          source === 'git'
            ? "commit the application's files (none is at HEAD, or export-ignore leaves none)"
            : 'check the patterns of .ebignore: they leave no file',
      });
    }
    // The umask may have taken bits from 0600; it may not have added any, but a bundle holds secrets.
    await chmod(temporary, 0o600);
    target = cacheDir
      ? cachedZipPath(cacheDir, key as string)
      : (out ?? path.join(directory, 'source-bundle.zip'));
    await rename(temporary, target).catch((error: unknown) => {
      throw writeFailedError(target, error);
    });
  } catch (error) {
    await rm(temporary, { force: true });
    if (temporaryDirectory) await rm(temporaryDirectory, { recursive: true, force: true });
    throw error;
  }
  let file = target;
  if (cacheDir) {
    await recordCachedBundle(cacheDir, key as string, written);
    if (out) file = await copyAtomically(target, out);
    await pruneBundleCache(cacheDir, keep);
  }
  logger?.debug(
    `source bundle: ${written.entries} files, ${formatBytes(written.bytes)} (${formatBytes(written.uncompressedBytes)} uncompressed) in ${formatDuration(Date.now() - started)}`,
  );
  return { file, cached: false, ...describe(written) };
}

/** Copies a finished bundle to `out` through a temporary file and a rename, mode 0600. */
async function copyAtomically(from: string, out: string): Promise<string> {
  await mkdir(path.dirname(out), { recursive: true });
  const temporary = path.join(path.dirname(out), `${TEMP_PREFIX}${randomUUID()}.tmp`);
  try {
    // A reflink where the file system has them, a plain copy elsewhere.
    await copyFile(from, temporary, fsConstants.COPYFILE_FICLONE);
    await chmod(temporary, 0o600);
    await rename(temporary, out);
  } catch (error) {
    await rm(temporary, { force: true });
    throw writeFailedError(out, error);
  }
  return out;
}

function writeFailedError(file: string, cause: unknown): ReletanError {
  if (isReletanError(cause)) return cause;
  const code = (cause as NodeJS.ErrnoException).code;
  return new ReletanError({
    code: 'BUNDLE_WRITE_FAILED',
    message: `could not write the source bundle to ${file}${code ? ` (${code})` : ''}`,
    input: { file },
    hint:
      code === 'EISDIR'
        ? 'give the path of a file, not of a directory, for the bundle'
        : 'check that the directory is writable and the disk has room',
    cause,
  });
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await lstat(file)).isFile();
  } catch {
    return false;
  }
}

function checkedInteger(value: number, name: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw usageError(
      'BUNDLE_OPTION_INVALID',
      `${name} must be a whole number from ${min} to ${max} (got ${value})`,
      {
        hint: `give ${name} a whole number from ${min} to ${max}`,
      },
    );
  }
  return value;
}
