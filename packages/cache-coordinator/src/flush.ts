import { onEachServer } from './each-server.js';
import type { MemjsModule } from './memjs.js';
import { parseServerList } from './servers.js';

export interface ServerFlushResult {
  /** `host:port` */
  server: string;
  flushed: boolean;
  error?: string;
}

export interface FlushServersOptions {
  /** How long each server gets to confirm. @default 2000 */
  timeoutMs?: number;
  /** @default require('memjs') */
  memjs?: MemjsModule;
}

/**
 * Empties every server (memcached's `flush_all`): every key of every app and prefix on them, not only
 * one stage's. Each server is flushed independently; the result says which ones were.
 */
export async function flushServers(
  servers: readonly string[],
  options: FlushServersOptions = {},
): Promise<ServerFlushResult[]> {
  const outcomes = await onEachServer<true>(
    parseServerList(servers),
    { timeoutMs: options.timeoutMs ?? 2_000, memjs: options.memjs },
    (client, reply) => client.flush((error) => reply(error, true)),
  );
  return outcomes.map((outcome) =>
    outcome.ok
      ? { server: outcome.server, flushed: true }
      : { server: outcome.server, flushed: false, error: outcome.error },
  );
}
