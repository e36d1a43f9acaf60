import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
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
  /** Our deadline per request; memjs's own timeouts are set past it (see {@link connectMemjs}). */
  timeoutMs: number;
  /** @default false */
  failover?: boolean;
  /** @default 60 */
  failoverSeconds?: number;
  memjs?: MemjsModule;
}

/** How far past our deadline memjs's own request and connect timeouts sit. */
export const MEMJS_TIMEOUT_MARGIN_MS = 1_000;

// memjs logs failures with console.log by default; every failure already reaches our caller as an error.
const silent = { log: () => {} };

/**
 * A memjs client over `addresses`. One attempt per request (memjs retries twice after 200 ms by
 * default, which turns a dead server into a slow one). memjs's own timeouts sit past `timeoutMs`, so
 * the caller's deadline always fires first and fails the server with {@link failServer}: memjs, timing
 * out, ends its socket and forgets it, and a half-closed socket to a frozen host (which never sends
 * its FIN) then holds the process open for good.
 */
export function connectMemjs(addresses: readonly ServerAddress[], options: ConnectOptions): Client {
  const module = options.memjs ?? loadMemjs();
  const seconds = (options.timeoutMs + MEMJS_TIMEOUT_MARGIN_MS) / 1000;
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

/** memjs keeps a server's connection in this field of its own. */
const socketOf = (server: Server): Socket | undefined => (server as unknown as { _socket?: Socket })._socket;

/**
 * Destroys `server`'s socket at once, whatever state it is in, and fails every request in flight on
 * it with `error` (memjs's `Server#error`); the next request opens a new connection.
 */
export function failServer(server: Server, error: Error): void {
  // memjs resets the server when the old socket's 'close' event arrives, a tick later; by then the next
  // request may have opened a new socket, which that reset would orphan, open and out of reach.
  socketOf(server)?.removeAllListeners('close');
  server.error(error);
}

/**
 * Closes every connection of `client`: ends each socket, so memcached still answers what it received,
 * and destroys within `graceMs` a socket whose server does not close its side (a frozen host never does).
 */
export function closeConnections(client: Client, graceMs: number): void {
  for (const server of client.servers) {
    const socket = socketOf(server);
    if (!socket) continue;
    socket.end();
    const timer = setTimeout(() => {
      if (socketOf(server) === socket) failServer(server, new Error('connection closed'));
      else socket.destroy();
    }, graceMs);
    socket.once('close', () => clearTimeout(timer));
  }
}

/** A memjs error (sometimes a bare string) as one line. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
