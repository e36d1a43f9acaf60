import { defineConfig } from 'vitest/config';

// Lets `pnpm vitest` at the root run every workspace project in one process pool;
// CI runs the same projects through `turbo run test` so each package's build is in place first.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
  },
});
