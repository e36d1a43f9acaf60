import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'git-flow',
    include: ['src/**/*.test.ts'],
    // Integration tests drive real git (and git-flow) in temp repositories.
    testTimeout: 30_000,
  },
});
