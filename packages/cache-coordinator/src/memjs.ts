import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { Client, Server, ServerOptions } from 'memjs';
import type { ServerAddress } from './servers.js';

/**
 * The `memjs` module (its `Client` and `Server` classes), or a stand-in of the same shape for tests.
 * Typed loosely on purpose: memjs ships no types, and the DefinitelyTyped ones this package is built
 * with are a dev dependency, so the published types must not name them (a consumer's `tsc` would not
 * find them). Inside the package the module is used through those types ({@link typedMemjs}).
 */
export interface MemjsModule {
  /** memjs's `Client` class. */
  Client: new (
    ...args: never[]
  ) => object;
  /** memjs's `Server` class. */
  Server: new (
    ...args: never[]
  ) => object;
}

/** The module as memjs's DefinitelyTyped types describe it: internal, never in a public type. */
interface TypedMemjs {
  Client: typeof Client;
  Server: typeof Server;
}

export type MemjsClient = Client;

let memjs: TypedMemjs | undefined;

/** memjs, loaded on first use so that importing this package (or `reletan --help`) does not load it. */
function loadMemjs(): TypedMemjs {
  memjs ??= createRequire(import.meta.url)('memjs') as TypedMemjs;
  return memjs;
}

/** `module` (a caller's memjs or stand-in), else the real memjs, with memjs's own types. */
function typedMemjs(module: MemjsModule | undefined): TypedMemjs {
  return module === undefined ? loadMemjs() : (module as unknown as TypedMemjs);
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
  const module = typedMemjs(options.memjs);
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
