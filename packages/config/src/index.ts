export { defineConfig } from './define-config.js';
export { configJsonSchema } from './json-schema.js';
export {
  CONFIG_FILE_NAMES,
  findConfigFile,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
} from './load.js';
export type {
  AutomergeConfig,
  CacheConfig,
  DeployConfig,
  DeployEnvironmentConfig,
  DeployHooksConfig,
  ElasticBeanstalkDeployConfig,
  GitConfig,
  LocalDeployConfig,
  ReleaseConfig,
  ReletanConfig,
  ReletanConfigInput,
  SearchConfig,
  StageConfig,
  StageEnvConfig,
} from './schema.js';
export { afterList, configSchema } from './schema.js';
export { defaultStageEnv, type ResolvedStage, type ResolvedStageEnv, resolveStage } from './stage.js';
export { type ConfigProblem, formatConfigPath, validateConfig } from './validate.js';
