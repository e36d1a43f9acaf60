import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'eb-deployer',
    include: ['src/**/*.test.ts'],
    // The SDK's notice that Node 20 support is ending, as the bins silence it (tests run on Node 20 too).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 30_000,
  },
});
