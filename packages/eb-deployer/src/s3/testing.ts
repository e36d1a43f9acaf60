/**
 * S3 for tests: s3rver (a real S3-compatible HTTP server) started on a free port in a temp dir, and the
 * clients that talk to it through the real `@aws-sdk/client-s3`.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type AwsAccess, createAwsAccess } from '@reletan/aws';
import type { S3TestClientConfig } from './fake-s3.js';

/** The credentials s3rver checks signatures with. */
const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface StartS3rverOptions {
  /** Buckets created before the server starts. @default ['reletan-test'] */
  buckets?: readonly string[];
}

export interface RunningS3rver {
  /** e.g. `http://127.0.0.1:41234`. */
  readonly endpoint: string;
  /** Where s3rver keeps the objects (removed by `stop`). */
  readonly directory: string;
  /**
   * Client configuration for `createAwsAccess({ clientConfig })`: the endpoint, s3rver's credentials, a
   * region, path-style addressing, and no flexible checksums. The SDK sends CRC32 checksums (in
   * aws-chunked bodies with trailers) by default; s3rver predates them and would store the framing.
   */
  readonly clientConfig: S3TestClientConfig;
  /** An AWS access whose clients talk to this server; `stop` destroys the ones made here. */
  access(): AwsAccess;
  /** Destroys the accesses made by `access()`, closes the server and removes its directory. */
  stop(): Promise<void>;
}

interface S3rverStore {
  putObject(object: { bucket: string; key: string }): Promise<{ size: number; md5: string }>;
  getResourcePath(bucket: string, key: string, resource: string): string;
}

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  httpServer?: Server & { closeAllConnections?: () => void };
  store?: S3rverStore;
}

/**
 * s3rver answers a PUT once it has read the body, before its file is fully written: a second PUT of the
 * same key then truncates the file under the first one's last writes, and the object ends with both. Real
 * S3 answers once the object is stored, so the harness waits until the file has the object's size.
 */
function waitForWrites(store: S3rverStore | undefined): void {
  if (!store) throw new Error('s3rver has no store to wrap: its internals changed; check startS3rver');
  const putObject = store.putObject.bind(store);
  store.putObject = async (object) => {
    const stored = await putObject(object);
    const file = store.getResourcePath(object.bucket, object.key, 'object');
    for (let waited = 0; waited < 5_000; waited += 5) {
      if ((await stat(file).catch(() => undefined))?.size === stored.size) return stored;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`s3rver did not finish writing ${object.bucket}/${object.key}`);
  };
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

/**
 * Starts s3rver on a free port of 127.0.0.1 in a fresh temp dir. It fails (never skips) when s3rver is
 * not installed or does not start, saying so.
 */
export async function startS3rver(options: StartS3rverOptions = {}): Promise<RunningS3rver> {
  let S3rver: S3rverConstructor;
  try {
    // Loaded here, not at the top: importing this module for another harness must not need s3rver.
    S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;
  } catch (error) {
    throw new Error(
      `s3rver could not be loaded (${(error as Error).message}); it is a dev dependency of @reletan/eb-deployer: run pnpm install at the repository root`,
      { cause: error },
    );
  }
  const directory = await mkdtemp(path.join(tmpdir(), 'reletan-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: (options.buckets ?? ['reletan-test']).map((name) => ({ name, configs: [] })),
  });
  waitForWrites(server.store);
  let port: number;
  try {
    ({ port } = await server.run());
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw new Error(`s3rver did not start: ${(error as Error).message}`, { cause: error });
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig = {
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true as const,
    credentials: S3RVER_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED' as const,
    responseChecksumValidation: 'WHEN_REQUIRED' as const,
  };
  const accesses: AwsAccess[] = [];
  return {
    endpoint,
    directory,
    clientConfig,
    access() {
      const access = createAwsAccess({ region: clientConfig.region, maxAttempts: 1, clientConfig });
      accesses.push(access);
      return access;
    },
    async stop() {
      for (const access of accesses.splice(0)) access.destroy();
      // The SDK keeps connections alive; close() would wait for them.
      server.httpServer?.closeAllConnections?.();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
