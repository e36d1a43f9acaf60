// Reads bundles back for the tests with Info-ZIP's unzip: a reader that shares no code with the writer,
// and the one Elastic Beanstalk's instances use to extract a source bundle.
import { spawnSync } from 'node:child_process';
import { lstat, mkdir, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';

const UNZIP_ENV = { PATH: process.env.PATH, LC_ALL: 'C.UTF-8' };

/** Fails (never skips) when unzip is missing, saying how to install it. */
export function requireUnzip(): void {
  const probe = spawnSync('unzip', ['-v'], { stdio: 'ignore' });
  if (probe.status !== 0) {
    throw new Error(
      'the bundle tests read zips with Info-ZIP unzip, which is not installed: install it (Debian: apt-get install unzip; macOS has it)',
    );
  }
}

function unzip(args: string[]): string {
  const result = spawnSync('unzip', args, { env: UNZIP_ENV, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (result.status !== 0)
    throw new Error(`unzip ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

export interface ZipListing {
  path: string;
  /** As `ls -l` shows it, e.g. `-rwxr-xr-x` or `lrwxrwxrwx`. */
  permissions: string;
  /** The system the entry says it was made on: `unx` for Unix. */
  madeOn: string;
  /** `defN` (deflated) or `stor` (stored). */
  method: string;
  /** `yyyymmdd.hhmmss`. */
  time: string;
  size: number;
}

/** The entries as `unzip -Z -T` (zipinfo) lists them, in the zip's order. */
export function listZip(file: string): ZipListing[] {
  const entries: ZipListing[] = [];
  for (const line of unzip(['-Z', '-T', file]).split('\n')) {
    const match = /^(\S{10})\s+\S+\s+(\S+)\s+(\d+)\s+\S+\s+(\S+)\s+(\d{8}\.\d{6})\s(.+)$/.exec(line);
    if (!match) continue;
    const [, permissions, madeOn, size, method, time, name] = match as unknown as string[];
    entries.push({
      path: name as string,
      permissions: permissions as string,
      madeOn: madeOn as string,
      method: method as string,
      time: time as string,
      size: Number(size),
    });
  }
  return entries;
}

export interface ExtractedFile {
  /** Permission bits as extracted. */
  mode: number;
  /** The content, or a symlink's target. */
  content: Buffer;
  symlink: boolean;
}

/** Extracts the zip with unzip (which applies the entries' modes) and reads back every file. */
export async function extractZip(file: string, into: string): Promise<Map<string, ExtractedFile>> {
  await mkdir(into, { recursive: true });
  unzip(['-q', file, '-d', into]);
  const files = new Map<string, ExtractedFile>();
  const walk = async (directory: string, prefix: string) => {
    for (const dirent of await readdir(directory, { withFileTypes: true })) {
      const absolute = path.join(directory, dirent.name);
      const relative = `${prefix}${dirent.name}`;
      if (dirent.isDirectory()) await walk(absolute, `${relative}/`);
      else if (dirent.isSymbolicLink()) {
        files.set(relative, {
          mode: (await lstat(absolute)).mode & 0o7777,
          content: Buffer.from(await readlink(absolute)),
          symlink: true,
        });
      } else {
        files.set(relative, {
          mode: (await lstat(absolute)).mode & 0o7777,
          content: await readFile(absolute),
          symlink: false,
        });
      }
    }
  };
  await walk(into, '');
  return files;
}
