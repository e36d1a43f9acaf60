// Real memcached servers for a test file: started before its tests, stopped after them.
// A machine without memcached fails here, loudly, with the install command (never a skipped test).
import { afterAll, beforeAll } from 'vitest';
import { type MemcachedProcess, startMemcached } from '../src/testing.js';

export interface MemcachedPool {
  /** The server started `index`-th (available once `beforeAll` ran). */
  server(index: number): MemcachedProcess;
  address(index: number): string;
  addresses(): string[];
}

/** Starts `count` memcached servers for the current test file. */
export function useMemcached(count: number): MemcachedPool {
  const servers: MemcachedProcess[] = [];
  beforeAll(async () => {
    servers.push(...(await Promise.all(Array.from({ length: count }, () => startMemcached()))));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });
  const server = (index: number) => {
    const found = servers[index];
    if (!found) throw new Error(`memcached server ${index} was not started`);
    return found;
  };
  return {
    server,
    address: (index) => server(index).address,
    addresses: () => servers.map((started) => started.address),
  };
}

/** Starts a server that the test itself stops (and that is stopped after the file at the latest). */
export function useDisposableMemcached(): () => Promise<MemcachedProcess> {
  const started: MemcachedProcess[] = [];
  afterAll(async () => {
    await Promise.all(started.map((server) => server.stop()));
  });
  return async () => {
    const server = await startMemcached();
    started.push(server);
    return server;
  };
}
