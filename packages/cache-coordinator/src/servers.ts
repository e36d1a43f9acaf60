import { usageError } from '@reletan/core/errors';

/** memcached's own default port, used when a server is given as a bare host. */
export const DEFAULT_MEMCACHED_PORT = 11211;

export interface ServerAddress {
  host: string;
  port: number;
  /** `host:port` (`[v6]:port`), the name reports and the hash ring use for this server. */
  label: string;
}

/** Parses `host`, `host:port` or `[ipv6]:port`, the shape of `stages.<s>.cache.servers` entries. */
export function parseServerAddress(server: string): ServerAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+))(?::(\d{1,5}))?$/.exec(server.trim());
  const port = match?.[3] === undefined ? DEFAULT_MEMCACHED_PORT : Number(match[3]);
  if (!match || port < 1 || port > 65_535) {
    throw usageError('CACHE_SERVER_INVALID', `invalid memcached server "${server}"`, {
      input: { key: server },
      hint: 'write servers as "host", "host:port" or "[ipv6]:port", e.g. "127.0.0.1:11211"',
    });
  }
  const v6 = match[1];
  const host = v6 ?? (match[2] as string);
  return { host, port, label: v6 === undefined ? `${host}:${port}` : `[${v6}]:${port}` };
}

/** Parses a server list, refusing an empty one and duplicates (they would skew the hash ring). */
export function parseServerList(servers: readonly string[]): ServerAddress[] {
  if (servers.length === 0) {
    throw usageError('CACHE_SERVER_INVALID', 'no memcached servers given', {
      hint: 'list at least one "host:port"',
    });
  }
  const parsed = servers.map(parseServerAddress);
  const seen = new Set<string>();
  for (const address of parsed) {
    if (seen.has(address.label)) {
      throw usageError('CACHE_SERVER_INVALID', `memcached server ${address.label} is listed twice`, {
        input: { key: address.label },
      });
    }
    seen.add(address.label);
  }
  return parsed;
}
