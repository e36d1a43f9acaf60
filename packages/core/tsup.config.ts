import { defineConfig } from 'tsup';

export default defineConfig({
  // define-config is its own file so TS configs can alias `reletan` to it (see config/load.ts).
  entry: {
    index: 'src/index.ts',
    errors: 'src/errors.ts',
    'cli-kit': 'src/cli-kit.ts',
    testing: 'src/testing.ts',
    'define-config': 'src/config/define-config.ts',
  },
  format: ['esm'],
  target: 'node20',
  dts: true,
  clean: true,
  sourcemap: true,
  splitting: true,
});
