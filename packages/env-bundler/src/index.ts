export { type BuildStageEnvOptions, buildStageEnv, planEnvWrite, type StageEnvBuild } from './build.js';
export { type CachePrefixLayerOptions, cachePrefixLayer } from './cache-layer.js';
export { type DiffEnvOptions, type DiffValue, diffEnv, type EnvDiff } from './diff.js';
export { type DotenvEntry, type ParsedDotenv, parseDotenv, scanDotenv } from './dotenv-parse.js';
export { type DotenvQuoting, type EncodedValue, encodeDotenvValue } from './dotenv-write.js';
export { explainKey, type KeyExplanation } from './explain.js';
export { ENV_KEY_PATTERN, keyProblem } from './keys.js';
export {
  type ComputedLayer,
  describeSource,
  type EnvSource,
  type LayerKind,
  type LayerStatus,
  type LayerSummary,
} from './layers.js';
export type { KeyProvenance } from './merge.js';
export { type PhpDotenvEntry, type PhpDotenvResult, parsePhpDotenv } from './phpdotenv-parse.js';
export { type EnvProblem, type EnvProblemCode, formatProblem } from './problems.js';
export {
  EB_ENVIRONMENT_NAMESPACE,
  EB_LIMITS,
  ENV_FORMATS,
  type EnvFormat,
  type EnvValues,
  formatProblems,
  type RenderEnvOptions,
  type RenderedEnv,
  renderEnv,
} from './render.js';
export {
  assertBuildable,
  type BuiltEnv,
  buildEnv,
  type EnvResolution,
  type EnvSources,
  type ResolveEnvOptions,
  resolveEnv,
} from './resolve.js';
export type { EnvSchema, SchemaKey } from './schema.js';
export { type ReadSsmOptions, readSsmParameters, type SsmParameter, type SsmReader } from './ssm.js';
export { writeEnvFile } from './write.js';
