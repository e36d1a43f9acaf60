export {
  type AppContext,
  type AppIo,
  createAppContext,
  type GlobalOptions,
  reportError,
  runAction,
} from './app.js';
export {
  type CiContext,
  type CiProvider,
  type CiPullRequest,
  type DetectCiContextOptions,
  detectCiContext,
  requirePullRequest,
} from './ci-context.js';
export { defineConfig } from './config/define-config.js';
export { configJsonSchema } from './config/json-schema.js';
export {
  CONFIG_FILE_NAMES,
  displayPath,
  findConfigFile,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
} from './config/load.js';
export type {
  AutomergeConfig,
  CacheConfig,
  DeployConfig,
  DeployEnvironmentConfig,
  GitConfig,
  ReleaseConfig,
  ReletanConfig,
  ReletanConfigInput,
  SearchConfig,
  StageConfig,
  StageEnvConfig,
} from './config/schema.js';
export { configSchema } from './config/schema.js';
export { defaultStageEnv, type ResolvedStage, type ResolvedStageEnv, resolveStage } from './config/stage.js';
export { type ConfigProblem, formatConfigPath, validateConfig } from './config/validate.js';
export {
  type ErrorInput,
  type ErrorKind,
  ExitCode,
  errorToJson,
  exitCodeFor,
  formatError,
  isReletanError,
  ReletanError,
  type ReletanErrorOptions,
  usageError,
} from './errors.js';
export { type WriteFileAtomicOptions, writeFileAtomic } from './fs.js';
export {
  type CreateGitRunnerOptions,
  createGitRunner,
  type GitResult,
  type GitRunner,
  type GitRunOptions,
} from './git.js';
export {
  createGitHubClient,
  type GitHubClientOptions,
  type GitHubToken,
  gitHubApiUrlForHost,
  type Octokit,
  requireGitHubApiUrlForHost,
  resolveGitHubApiUrl,
  resolveGitHubToken,
} from './github.js';
export {
  type PullRequestRef,
  parsePullRequestUrl,
  parseRepositoryUrl,
  type RepositoryRef,
} from './github-url.js';
export {
  createLogger,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  type OutputStream,
  shouldUseColor,
} from './logger.js';
export { REDACTED, Redactor } from './redactor.js';
export { matchRefPattern, refPatternProblem } from './ref-pattern.js';
