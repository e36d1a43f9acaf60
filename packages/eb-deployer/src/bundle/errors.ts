import { ReletanError } from '@reletan/core';

/**
 * Elastic Beanstalk's limit on a source bundle, "500 MB". Counted in decimal megabytes, the smaller
 * reading, so a bundle that passes here is never refused there.
 */
export const SOURCE_BUNDLE_MAX_BYTES = 500_000_000;

/** A zip without ZIP64 (which fflate's streaming writer does not write) holds at most this many entries. */
export const MAX_ZIP_ENTRIES = 0xffff;

/** `1234567` → `1.2 MB`: sizes as people read them, in the decimal units the limit is stated in. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** A file's contribution to the bundle, to name the largest ones when it is too large. */
export interface SizedPath {
  path: string;
  /** Bytes it takes in the zip. */
  stored: number;
  /** Its own size. */
  size: number;
}

export function bundleTooLargeError(options: {
  limit: number;
  /** The bundle's size so far (a lower bound when `finished` is false). */
  bytes: number;
  finished: boolean;
  largest: readonly SizedPath[];
}): ReletanError {
  const { limit, bytes, finished, largest } = options;
  const size = finished ? formatBytes(bytes) : `over ${formatBytes(bytes)}, stopped early`;
  return new ReletanError({
    code: 'BUNDLE_TOO_LARGE',
    message: `the source bundle is larger than Elastic Beanstalk's limit of ${formatBytes(limit)} (${size}); largest files: ${largest
      .slice(0, 3)
      .map((file) => file.path)
      .join(', ')}`,
    input: largest[0] ? { file: largest[0].path } : undefined,
    details: largest.map(
      (file) =>
        `${file.path}: ${formatBytes(file.stored)} in the zip (${formatBytes(file.size)} uncompressed)`,
    ),
    hint: 'leave large files out of the bundle: mark them export-ignore in .gitattributes (or list them in .ebignore), and keep build output and data out of the repository',
  });
}

export function tooManyEntriesError(count: number): ReletanError {
  return new ReletanError({
    code: 'BUNDLE_TOO_MANY_FILES',
    message: `the source bundle would hold more than ${MAX_ZIP_ENTRIES} files (at least ${count}), more than a zip without ZIP64 can list`,
    hint: 'leave files out of the bundle: mark directories export-ignore in .gitattributes (or list them in .ebignore), e.g. dependencies the instances install themselves',
  });
}

export function unreadableFileError(path: string, cause: unknown): ReletanError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return new ReletanError({
    code: 'BUNDLE_FILE_UNREADABLE',
    message: `could not read ${path} for the source bundle${code ? ` (${code})` : ''}`,
    input: { file: path },
    hint:
      code === 'EACCES' || code === 'EPERM'
        ? 'give the user running the deploy read access to it, or leave it out of the bundle in .ebignore'
        : 'check that the file exists and is readable, or leave it out of the bundle in .ebignore',
    cause,
  });
}

export { interruptedError, throwIfAborted } from '@reletan/core';
