import { onEachServer } from './each-server.js';
import type { MemjsModule } from './memjs.js';
import { parseServerList } from './servers.js';

/** One server's health, as `reletan cache stats` reports it. */
export interface ServerStats {
  /** `host:port` */
  server: string;
  up: boolean;
  /** Why the server is reported down. */
  error?: string;
  /** Items stored now (`curr_items`). */
  items?: number;
  /** `get_hits / (get_hits + get_misses)` since the server started; null before its first get. */
  hitRatio?: number | null;
  hits?: number;
  misses?: number;
  /** Items evicted to make room for others: a full cache, and a sign the cache is too small. */
  evictions?: number;
  /** Bytes used, and the memory limit (`limit_maxbytes`). */
  bytes?: number;
  limitBytes?: number;
  version?: string;
  uptimeSeconds?: number;
  /** How long the server took to answer (or to be given up on). */
  ms: number;
}

export interface CollectCacheStatsOptions {
  /** How long each server gets to answer; a slower one is reported down. @default 2000 */
  timeoutMs?: number;
  /** @default require('memjs') */
  memjs?: MemjsModule;
}

/** Asks every server for its statistics at once; a down or frozen server is reported within `timeoutMs`. */
export async function collectCacheStats(
  servers: readonly string[],
  options: CollectCacheStatsOptions = {},
): Promise<ServerStats[]> {
  const addresses = parseServerList(servers);
  const outcomes = await onEachServer<Record<string, string>>(
    addresses,
    { timeoutMs: options.timeoutMs ?? 2_000, memjs: options.memjs },
    (client, reply) => client.stats((error, _server, stats) => reply(error, stats ?? {})),
  );
  return outcomes.map((outcome) =>
    outcome.ok
      ? { server: outcome.server, up: true, ...summarizeStats(outcome.value), ms: outcome.ms }
      : { server: outcome.server, up: false, error: outcome.error, ms: outcome.ms },
  );
}

/** The figures that matter, from memcached's raw `stats` answer. */
export function summarizeStats(
  raw: Readonly<Record<string, string>>,
): Omit<ServerStats, 'server' | 'up' | 'error' | 'ms'> {
  const number = (name: string) => {
    const value = Number(raw[name]);
    return raw[name] === undefined || !Number.isFinite(value) ? undefined : value;
  };
  const hits = number('get_hits');
  const misses = number('get_misses');
  const gets = (hits ?? 0) + (misses ?? 0);
  const summary: Omit<ServerStats, 'server' | 'up' | 'error' | 'ms'> = {
    hitRatio: hits === undefined || gets === 0 ? null : hits / gets,
  };
  const fields = [
    ['items', 'curr_items'],
    ['hits', 'get_hits'],
    ['misses', 'get_misses'],
    ['evictions', 'evictions'],
    ['bytes', 'bytes'],
    ['limitBytes', 'limit_maxbytes'],
    ['uptimeSeconds', 'uptime'],
  ] as const;
  for (const [field, name] of fields) {
    const value = number(name);
    if (value !== undefined) summary[field] = value;
  }
  if (raw.version !== undefined) summary.version = raw.version;
  return summary;
}
