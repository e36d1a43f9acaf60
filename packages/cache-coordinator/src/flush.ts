import { onEachServer } from './each-server.js';
import { errorText, type MemjsClient, type MemjsModule } from './memjs.js';
import {
  isRollout,
  mergeRollouts,
  parseRegistry,
  ROLLOUT_REGISTRY_KEY,
  type RolloutId,
  updateRegistry,
} from './rollout-registry.js';
import { parseServerList, type ServerAddress } from './servers.js';

export interface ServerFlushResult {
  /** `host:port` */
  server: string;
  flushed: boolean;
  /**
   * Why the server was not flushed; or, when it was, why the rollouts listed on it could not be
   * written back (a manual flush is then no longer refused there during those rollouts).
   */
  error?: string;
}

export interface FlushServersOptions {
  /** How long each server gets to confirm. @default 2000 */
  timeoutMs?: number;
  /** The clock the rollout registry's entries expire by. @default () => new Date() */
  now?: () => Date;
  /** @default require('memjs') */
  memjs?: MemjsModule;
}

/**
 * Empties every server (memcached's `flush_all`): every key of every app and prefix on them, not only
 * one stage's. The rollout registry survives: read just before the flush on the same connection, it is
 * written back after it. Each server is flushed independently; the result says which ones were.
 */
export async function flushServers(
  servers: readonly string[],
  options: FlushServersOptions = {},
): Promise<ServerFlushResult[]> {
  return flushKeepingRollouts(parseServerList(servers), {
    timeoutMs: options.timeoutMs ?? 2_000,
    now: options.now ?? (() => new Date()),
    memjs: options.memjs,
  });
}

/**
 * {@link flushServers}, writing back every rollout listed on a server before its flush except `done`
 * (the rollout whose completion this flush is).
 */
export async function flushKeepingRollouts(
  addresses: readonly ServerAddress[],
  options: { timeoutMs: number; memjs?: MemjsModule | undefined; now: () => Date; done?: RolloutId },
): Promise<ServerFlushResult[]> {
  const flushKeeping = async (client: MemjsClient): Promise<string | undefined> => {
    // Sent back to back on one connection, which memcached serves in order: the registry read is the
    // one the flush erased, however close another deployer's write came.
    const registry = client.get(ROLLOUT_REGISTRY_KEY);
    const flushed = new Promise<void>((resolve, reject) =>
      client.flush((error) => (error ? reject(error) : resolve())),
    );
    const [{ value }] = await Promise.all([registry, flushed]);
    const now = options.now();
    const done = options.done;
    const kept = parseRegistry(value, now).rollouts.filter((entry) => !done || !isRollout(entry, done));
    if (kept.length === 0) return undefined;
    try {
      await updateRegistry(client, now, (current) => mergeRollouts(current, kept));
      return undefined;
    } catch (error) {
      return `flushed, but the rollouts listed there could not be written back: ${errorText(error)}`;
    }
  };
  const each = { timeoutMs: options.timeoutMs, memjs: options.memjs };
  const outcomes = await onEachServer<string | undefined>(addresses, each, (client, reply) => {
    flushKeeping(client).then(
      (restoreError) => reply(null, restoreError),
      (error: unknown) => reply(error),
    );
  });
  return outcomes.map((outcome) => {
    if (!outcome.ok) return { server: outcome.server, flushed: false, error: outcome.error };
    return outcome.value === undefined
      ? { server: outcome.server, flushed: true }
      : { server: outcome.server, flushed: true, error: outcome.value };
  });
}
