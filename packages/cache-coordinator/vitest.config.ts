import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'cache-coordinator',
    include: ['src/**/*.test.ts'],
    // Real memcached processes start per test file; a frozen server is waited on for its timeout.
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
