import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'auto-merge',
    include: ['src/**/*.test.ts'],
  },
});
