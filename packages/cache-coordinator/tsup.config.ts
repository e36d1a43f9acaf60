import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    // Apart from the main entry: it loads the config package (zod and its loader), which a service does not.
    stage: 'src/stage.ts',
    testing: 'src/testing.ts',
  },
  format: ['esm'],
  target: 'node20',
  dts: true,
  clean: true,
  sourcemap: true,
  splitting: true,
});
