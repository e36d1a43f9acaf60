import type { ReletanConfigInput } from './schema.js';

/**
 * Types a `reletan.config.ts` (or `.mjs`/`.js`) file. It returns its argument unchanged; the loader
 * validates the result exactly as it validates `reletan.config.json`.
 *
 * ```ts
 * import { defineConfig } from 'reletan';
 * export default defineConfig({ stages: { dev: { branch: 'develop' } } });
 * ```
 */
export function defineConfig(config: ReletanConfigInput): ReletanConfigInput {
  return config;
}
