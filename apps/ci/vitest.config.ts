import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'ci',
    include: ['src/**/*.test.ts'],
    // The tests run the built bin, as a user would.
    testTimeout: 20_000,
  },
});
