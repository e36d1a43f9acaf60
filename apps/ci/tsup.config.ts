import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export default defineConfig({
  entry: ['src/bin.ts'],
  format: ['esm'],
  target: 'node20',
  clean: true,
  sourcemap: true,
  // Each command lives in its own chunk, loaded only when that command runs.
  splitting: true,
  // Baked in so `reletan --version` reads no file.
  define: { __RELETAN_VERSION__: JSON.stringify(version) },
});
