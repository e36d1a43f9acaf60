// Real memcached servers for a test file: started before its tests, stopped after them.
// A machine without memcached fails here, loudly, with the install command (never a skipped test).
import { afterAll, beforeAll } from 'vitest';
import { type MemcachedProcess, startMemcached } from '../src/testing.js';

/** Starts `count` memcached servers for the current test file; the array fills in `beforeAll`. */
export function useMemcached(count: number): MemcachedProcess[] {
  const servers: MemcachedProcess[] = [];
  beforeAll(async () => {
    servers.push(...(await Promise.all(Array.from({ length: count }, () => startMemcached()))));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });
  return servers;
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
