import { describe, expect, it } from 'vitest';
import { findMemcached, startMemcached } from './testing.js';

describe('memcached for tests', () => {
  it('is installed on this machine (the cache tests run against the real server)', () => {
    expect(findMemcached(), 'install memcached (apt-get install memcached)').toBeDefined();
  });

  it('fails saying how to install memcached when the binary is missing', async () => {
    await expect(startMemcached({ binary: '/nonexistent/memcached' })).rejects.toThrow(
      /memcached is not installed .*apt-get install memcached/,
    );
  });

  it('starts servers on distinct free ports and stops them', async () => {
    const [a, b] = await Promise.all([startMemcached(), startMemcached()]);
    expect(a.port).not.toBe(b.port);
    await Promise.all([a.stop(), b.stop()]);
    await a.stop(); // idempotent
  });
});
