import path from 'node:path';
import writeFileAtomicLib from 'write-file-atomic';

export interface WriteFileAtomicOptions {
  /** File mode; files holding secrets use 0o600. @default 0o666 minus the umask */
  mode?: number;
}

/**
 * Writes a file so a reader never sees it half-written: the content goes to a temporary file in the
 * same directory, is flushed, then renamed over the target. A failure leaves the old file as it was.
 */
export async function writeFileAtomic(
  file: string,
  content: string,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  await writeFileAtomicLib(file, content, {
    encoding: 'utf8',
    ...(options.mode === undefined ? {} : { mode: options.mode }),
  });
}

/** A path as the user should see it: relative to the cwd when inside it. */
export function displayPath(cwd: string, file: string): string {
  const relative = path.relative(cwd, file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}
