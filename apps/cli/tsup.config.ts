import { copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig } from 'tsup';
import { appBuild } from '../../scripts/tsup-app.js';

const [esm, bin] = appBuild({
  packageDir: new URL('./', import.meta.url),
  exports: {
    index: 'src/index.ts',
    testing: 'src/testing.ts',
    // reletan-ci offers the same command (see README: where a command both bins offer lives).
    'commands/automerge': 'src/commands/automerge.ts',
  },
});

export default defineConfig([
  {
    ...esm,
    // Shipped here too, so a JSON config's "$schema" can point at node_modules/reletan/.
    onSuccess: async () => {
      copyFileSync(
        createRequire(import.meta.url).resolve('@reletan/config/reletan.config.schema.json'),
        'reletan.config.schema.json',
      );
    },
  },
  { ...bin },
]);
