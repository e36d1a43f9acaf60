import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'aws',
    include: ['src/**/*.test.ts'],
  },
});
