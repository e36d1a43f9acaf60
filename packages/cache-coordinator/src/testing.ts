/**
 * Real memcached processes for tests, benchmarks and demos (`@reletan/cache-coordinator/testing`):
 * each on a free loopback port, stopped by `stop()` or, at the latest, when this process exits.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';

export interface MemcachedProcess {
  host: string;
  port: number;
  /** `host:port`, as the config lists servers. */
  address: string;
  /** Kills the server and waits for it to exit (its items are gone). Idempotent. */
  stop(): Promise<void>;
  /**
   * Freezes the server (SIGSTOP) and resolves once it is stopped: connections are then accepted by
   * the kernel but never answered, like a hung host.
   */
  freeze(): Promise<void>;
  /** Resumes a frozen server (SIGCONT). */
  thaw(): void;
}

export interface StartMemcachedOptions {
  /** @default $MEMCACHED_BIN, else "memcached" on PATH */
  binary?: string;
  /** Memory limit. @default 16 */
  memoryMb?: number;
}

/** What to tell a developer whose machine lacks memcached. */
export const MEMCACHED_INSTALL_HINT =
  'install memcached (apt-get install memcached, or brew install memcached), or point MEMCACHED_BIN at it';

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** The memcached binary to run, or undefined when there is none. */
export function findMemcached(binary = process.env.MEMCACHED_BIN || 'memcached'): string | undefined {
  const probe = spawnSync(binary, ['-V'], { stdio: 'ignore' });
  return probe.error || probe.status !== 0 ? undefined : binary;
}

/** Starts memcached on a free port of 127.0.0.1 and resolves once it accepts connections. */
export async function startMemcached(options: StartMemcachedOptions = {}): Promise<MemcachedProcess> {
  const binary = options.binary ?? (process.env.MEMCACHED_BIN || 'memcached');
  if (!findMemcached(binary)) {
    throw new Error(`memcached is not installed (could not run "${binary}"): ${MEMCACHED_INSTALL_HINT}`);
  }
  let lastError: unknown;
  // Another process may take the free port between our probe and memcached's bind: try again.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    try {
      return await launch(binary, port, options.memoryMb ?? 16);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function launch(binary: string, port: number, memoryMb: number): Promise<MemcachedProcess> {
  const host = '127.0.0.1';
  const args = ['-l', host, '-p', String(port), '-U', '0', '-m', String(memoryMb), '-t', '2', '-c', '1024'];
  // memcached refuses to run as root unless told which user to be.
  if (process.getuid?.() === 0) args.push('-u', 'root');
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: Buffer[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => running.delete(child));
  running.add(child);
  installExitHook();

  const deadline = Date.now() + 5_000;
  while (!(await accepts(host, port))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`memcached did not start on port ${port}: ${Buffer.concat(stderr).toString().trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  return {
    host,
    port,
    address: `${host}:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async freeze() {
      child.kill('SIGSTOP');
      await stoppedState(child.pid);
    },
    thaw: () => void child.kill('SIGCONT'),
  };
}

/** Waits until the kernel reports the process stopped (Linux `/proc`); elsewhere a short pause. */
async function stoppedState(pid: number | undefined): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (Date.now() < deadline) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
    if (status === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return;
    }
    if (/^State:\s+T/m.test(status)) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
