import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'env-bundler',
    include: ['src/**/*.test.ts'],
  },
});
