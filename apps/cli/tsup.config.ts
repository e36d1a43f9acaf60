import { copyFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export default defineConfig({
  entry: ['src/bin.ts', 'src/index.ts'],
  format: ['esm'],
  target: 'node20',
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
  // Each command lives in its own chunk, loaded only when that command runs.
  splitting: true,
  // Baked in so `reletan --version` reads no file.
  define: { __RELETAN_VERSION__: JSON.stringify(version) },
  // Shipped here too, so a JSON config's "$schema" can point at node_modules/reletan/.
  onSuccess: async () => {
    copyFileSync(
      createRequire(import.meta.url).resolve('@reletan/core/reletan.config.schema.json'),
      'reletan.config.schema.json',
    );
  },
});
