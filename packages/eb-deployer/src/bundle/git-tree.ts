import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { type GitRunner, isReletanError, ReletanError, usageError } from '@reletan/core';
import { type BundleEntry, treeFileMode } from './entries.js';
import { interruptedError } from './errors.js';
import { readTar } from './tar-reader.js';
import { STREAM_THRESHOLD } from './zip-writer.js';

/** HEAD's committed tree, read as `git archive` writes it. */
export interface GitTree {
  commit: string;
  /**
   * How many files and symlinks the tree holds (before `export-ignore`): the progress total. Counted
   * alongside the archive once `entries()` starts it, so nothing waits for it: 0 until then.
   */
  readonly total: number;
  /** Everything the archive's bytes depend on besides the tree's own files, for the cache key. */
  fingerprint(signal?: AbortSignal): Promise<Record<string, string | undefined>>;
  /** The archive's files and symlinks, in byte order of their paths. */
  entries(signal?: AbortSignal): AsyncGenerator<BundleEntry>;
}

/** Finds HEAD's commit in the repository at `cwd`; refuses a directory outside git, or a repository with no commit. */
export async function openGitTree(git: GitRunner, cwd: string): Promise<GitTree> {
  const head = await git.run(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { allowFailure: true });
  if (head.exitCode !== 0) {
    const inside = await git.run(['rev-parse', '--git-dir'], { allowFailure: true });
    if (inside.exitCode !== 0) {
      throw usageError('BUNDLE_NOT_A_REPOSITORY', `${cwd} is not in a git repository`, {
        input: { file: cwd },
        hint: "bundle from the project's repository, or add an .ebignore file at the project's root to bundle its working tree instead",
      });
    }
    throw usageError('BUNDLE_NO_COMMIT', `the repository at ${cwd} has no commit to bundle`, {
      input: { file: cwd },
      hint: 'commit the application first: the bundle holds the committed tree at HEAD',
    });
  }
  const commit = head.stdout.trim();
  let total = 0;
  return {
    commit,
    get total() {
      return total;
    },
    fingerprint: () => gitFingerprint(git, commit),
    entries: (signal) => {
      // Only progress needs the count: a failure here leaves it at 0, and the archive says what is wrong.
      git.run(['ls-tree', '-r', '-z', commit], { allowFailure: true }).then(
        (listing) => {
          let count = 0;
          for (const line of listing.stdout.split('\0')) if (/^\d+ blob /.test(line)) count += 1;
          total = count;
        },
        () => {},
      );
      return archiveEntries(cwd, commit, signal);
    },
  };
}

/**
 * The tree (not the commit: a merge or a tag commit with the same tree reuses the bundle), the directory
 * bundled, and what else changes `git archive`'s output: attributes kept outside the tree, the config of
 * line-ending conversion and filters, git's version. With `export-subst` anywhere the commit itself is
 * part of the key, since its placeholders expand to the commit's hash, date and so on.
 */
async function gitFingerprint(git: GitRunner, commit: string): Promise<Record<string, string | undefined>> {
  const [tree, prefix, version, config, infoPath, attributesFile, substInTree] = await Promise.all([
    git.output(['rev-parse', `${commit}^{tree}`]),
    git.output(['rev-parse', '--show-prefix']),
    git.output(['--version']),
    git
      .run(['config', '--get-regexp', '^(core\\.(autocrlf|eol|attributesfile)|tar\\.umask|filter\\..*)$'], {
        allowFailure: true,
      })
      .then((result) => result.stdout),
    git.output(['rev-parse', '--path-format=absolute', '--git-path', 'info/attributes']),
    git
      .run(['config', '--path', '--get', 'core.attributesFile'], { allowFailure: true })
      .then((result) => result.stdout.trim() || defaultAttributesFile()),
    git
      .run(['grep', '-l', '-F', '-e', 'export-subst', commit, '--', ':(top,glob)**/.gitattributes'], {
        allowFailure: true,
      })
      .then((result) => result.exitCode === 0),
  ]);
  const infoAttributes = await readOptional(infoPath);
  const globalAttributes = await readOptional(attributesFile);
  const exportSubst =
    substInTree ||
    [infoAttributes, globalAttributes].some((content) => content?.includes('export-subst') ?? false);
  return {
    tree,
    prefix,
    git: version,
    config,
    infoAttributes,
    globalAttributes,
    commit: exportSubst ? commit : undefined,
  };
}

function defaultAttributesFile(): string {
  const base = process.env.XDG_CONFIG_HOME || path.join(homedir(), '.config');
  return path.join(base, 'git', 'attributes');
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Streams `git archive --format=tar <commit>` through the tar reader: git applies `export-ignore`,
 * `export-subst` and its conversions exactly as for any archive, and nothing but the entry being read is
 * held (small files whole, large ones as a stream the zip writer reads to the end). git writes a tree in
 * byte order of its paths, which is the bundle's order.
 */
async function* archiveEntries(
  cwd: string,
  commit: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<BundleEntry> {
  const args = ['archive', '--format=tar', commit];
  // core's git runner buffers a command's whole output; an archive is streamed, so git is spawned here,
  // with the runner's locale settings so its messages read the same.
  const child = spawn('git', args, {
    cwd,
    env: { ...process.env, LC_ALL: 'C', LANG: 'C', GIT_TERMINAL_PROMPT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code ?? 1));
  });
  exited.catch(() => {});
  const failed = async (cause?: unknown): Promise<ReletanError | undefined> => {
    const code = await exited.catch((error: NodeJS.ErrnoException) => error);
    if (code === 0) return undefined;
    const message =
      typeof code === 'number'
        ? Buffer.concat(stderr).toString('utf8').trim() || `exit code ${code}`
        : code.message;
    return new ReletanError({
      code: typeof code !== 'number' && code.code === 'ENOENT' ? 'GIT_NOT_FOUND' : 'GIT_FAILED',
      message: `git ${args.join(' ')} failed: ${message}`,
      input: { command: `git ${args.join(' ')}` },
      cause,
    });
  };

  const abort = () => {
    child.kill();
    child.stdout.destroy(interruptedError(signal));
  };
  signal?.addEventListener('abort', abort, { once: true });
  try {
    for await (const entry of readTar(child.stdout, { streamAbove: STREAM_THRESHOLD })) {
      const name = entry.path;
      if (entry.type === 'file') {
        const mode = treeFileMode(name, (entry.mode & 0o111) !== 0);
        if (entry.stream) yield { path: name, kind: 'file', mode, size: entry.size, stream: entry.stream };
        else yield { path: name, kind: 'file', mode, size: entry.size, data: entry.data as Buffer };
      } else if (entry.type === 'symlink') {
        const data = Buffer.from(entry.linkname, 'utf8');
        yield { path: name, kind: 'symlink', mode: 0o777, size: data.length, data };
      }
      // Directories (the zip stores none) and submodules' empty directories are left out.
    }
    const failure = await failed();
    if (failure) throw failure;
  } catch (error) {
    if (signal?.aborted) throw interruptedError(signal);
    if (isReletanError(error) && error.code !== 'BUNDLE_TAR_UNREADABLE') throw error;
    if (!child.stdout.readableEnded && child.exitCode === null && child.signalCode === null) {
      // git is still writing a tar that cannot be read: stop it, and say what was wrong with the tar.
      child.kill();
      throw error;
    }
    // A tar cut short is what a failing git leaves behind; git's own message says why.
    throw (await failed(error)) ?? error;
  } finally {
    signal?.removeEventListener('abort', abort);
    if (child.exitCode === null && child.signalCode === null) child.kill();
    child.stdout.destroy();
  }
}
