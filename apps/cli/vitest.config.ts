import { readFileSync } from 'node:fs';
import { defineProject } from 'vitest/config';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export default defineProject({
  // As the build bakes it in (scripts/tsup-app.ts), for the program run in-process (src/testing.ts).
  define: { __RELETAN_VERSION__: JSON.stringify(version) },
  test: {
    name: 'cli',
    include: ['src/**/*.test.ts'],
    // The SDK's notice that Node 20 support is ending, as the bin silences it (for in-process runs).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // The tests run the built bin, as a user would.
    testTimeout: 20_000,
  },
});
