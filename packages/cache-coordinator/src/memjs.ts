import { createRequire } from 'node:module';
import type { Client, Server, ServerOptions } from 'memjs';
import type { ServerAddress } from './servers.js';

/** The parts of the `memjs` module this package uses; tests may pass a stand-in. */
export interface MemjsModule {
  Client: typeof Client;
  Server: typeof Server;
}

export type MemjsClient = Client;

let memjs: MemjsModule | undefined;

/** memjs, loaded on first use so that importing this package (or `reletan --help`) does not load it. */
export function loadMemjs(): MemjsModule {
  memjs ??= createRequire(import.meta.url)('memjs') as MemjsModule;
  return memjs;
}

export interface ConnectOptions {
  /** memjs's request and connect timeout. */
  timeoutMs: number;
  /** @default false */
  failover?: boolean;
  /** @default 60 */
  failoverSeconds?: number;
  memjs?: MemjsModule;
}

// memjs logs failures with console.log by default; every failure already reaches our caller as an error.
const silent = { log: () => {} };

/**
 * A memjs client over `addresses`. One attempt per request (memjs retries twice after 200 ms by
 * default, which turns a dead server into a slow one), connect and request timeouts both `timeoutMs`.
 */
export function connectMemjs(addresses: readonly ServerAddress[], options: ConnectOptions): Client {
  const module = options.memjs ?? loadMemjs();
  const seconds = options.timeoutMs / 1000;
  const serverOptions: ServerOptions = { timeout: seconds, conntimeout: seconds };
  const servers = addresses.map(
    (address) => new module.Server(address.host, address.port, undefined, undefined, serverOptions),
  );
  return new module.Client(servers, {
    retries: 1,
    retry_delay: 0,
    failover: options.failover ?? false,
    failoverTime: options.failoverSeconds ?? 60,
    logger: silent,
  });
}

/** A memjs error (sometimes a bare string) as one line. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
