import { defineConfig } from 'tsup';

export default defineConfig({
  // define-config is its own file so TS configs can alias `reletan` to it (see load.ts).
  entry: {
    index: 'src/index.ts',
    'define-config': 'src/define-config.ts',
  },
  format: ['esm'],
  target: 'node20',
  dts: true,
  clean: true,
  sourcemap: true,
  splitting: true,
});
