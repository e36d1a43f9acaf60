import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  target: 'node20',
  dts: true,
  clean: true,
  sourcemap: true,
  // The SSM source is its own chunk: the AWS SDK loads only when a stage reads SSM.
  splitting: true,
});
