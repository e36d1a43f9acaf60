/**
 * The source bundle on its own (`@reletan/eb-deployer/bundle`): what a build step needs to make a
 * deterministic Elastic Beanstalk bundle, without the deploy's config, AWS or env layers loaded.
 */
export {
  type BuildSourceBundleOptions,
  buildSourceBundle,
  DEFAULT_CACHE_KEEP,
  DEFAULT_COMPRESSION_LEVEL,
  type SourceBundle,
} from './build-source-bundle.js';
export type { BundleExtraFile } from './entries.js';
export { SOURCE_BUNDLE_MAX_BYTES } from './errors.js';
export { type BundleHooks, generateHookFiles } from './hooks.js';
