import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AwsAccess } from '@reletan/aws';
import { type LoadedConfig, loadConfig, resolveStage } from '@reletan/config';
import { displayPath, type GitRunner, type Logger, type ReleaseIdentity, ReletanError } from '@reletan/core';
import { cachePrefixLayer } from './cache-layer.js';
import { parseDotenv } from './dotenv-parse.js';
import type { ComputedLayer, EnvSource, LayerEntry, LayerKind, LayerSummary, LoadedLayer } from './layers.js';
import { summarizeLayer } from './layers.js';
import { lintVisibleEntry } from './lint.js';
import { type KeyProvenance, mergeLayers } from './merge.js';
import { type EnvProblem, problemsError } from './problems.js';
import { checkSchema, type EnvSchema, readOnlyFromSecretFiles, schemaFromDotenv } from './schema.js';
import { readSsmParameters, type SsmReader, ssmEntries } from './ssm.js';

/** Where secret and computed values come from; each has a real default. */
export interface EnvSources {
  /** Where `secretEnv` variables are read. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Reads the parameters under the stage's `ssmPath`. @default readSsmParameters, in the stage's deploy region when set */
  ssm?: SsmReader;
  /**
   * Values reletan computes itself, applied last, each a layer of its own ("computed by reletan
   * (NAME)"), e.g. `{ name: 'cache-coordinator', values: { CACHE_PREFIX: 'shop:v1.4.0:' } }`. A key a
   * computed layer sets may not be set by any other layer.
   * @default []
   */
  computed?: readonly ComputedLayer[];
}

export interface ResolveEnvOptions {
  /** The stage, a key of `stages` in the config. */
  stage: string;
  /** Where the config is searched from, and what shown paths are relative to. @default process.cwd() */
  cwd?: string;
  /** A config already loaded (the CLI passes its own). @default loadConfig({ cwd }) */
  config?: LoadedConfig;
  sources?: EnvSources;
  /** Keys the example file does not list are errors instead of warnings. @default false */
  strict?: boolean;
  /**
   * Every value read from a secret layer is registered with it (`logger.secret`) before anything else
   * happens, and so is the name of each key read only from secret files that the example does not list
   * (secret text on a line of its own can read as a key); slow reads (the SSM path) show as progress.
   * @default none
   */
  logger?: Logger | undefined;
  /** How the SSM layer reaches AWS. @default `createAwsAccess`, in the stage's deploy region when set */
  aws?: AwsAccess | undefined;
  /**
   * The release the env is for: a stage with a `cache` section gets its cache prefix (`CACHE_PREFIX`, or
   * `cache.prefixKey`) for this release, as a computed layer, so old and new code never share keys.
   * @default the tag at HEAD, else the commit
   */
  release?: ReleaseIdentity | string | undefined;
  /** The repository (the cache prefix's app name and release). @default a git runner in the config root */
  git?: GitRunner | undefined;
}

/** A stage's env, merged, with where every key came from and every problem found. */
export interface EnvResolution {
  stage: string;
  /** The config root: layer files resolve against it. */
  root: string;
  /** Merged values, in output order: the example's order first, then the others as first defined. */
  values: Record<string, string>;
  /** Where each key came from; `secret` tells the keys whose value came from a secret layer. */
  provenance: Record<string, KeyProvenance>;
  layers: LayerSummary[];
  /** The example file, when there is one. */
  schema?: EnvSchema;
  /** Errors and warnings, each naming file:line (or layer) and key. */
  problems: EnvProblem[];
  /** The stage's configured output file, absolute. */
  out: string;
}

async function readOptionalFile(file: string, shown: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ReletanError({
      code: 'ENV_FILE_UNREADABLE',
      message: `${shown}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      input: { file: shown },
      hint: 'check that it is a readable file',
      cause: error,
    });
  }
}

async function loadFileLayer(
  name: string,
  kind: Extract<LayerKind, 'visible' | 'secret-file'>,
  root: string,
  cwd: string,
  onSecret: (value: string) => void,
): Promise<LoadedLayer> {
  const absolute = path.resolve(root, name);
  const shown = displayPath(cwd, absolute);
  const secret = kind === 'secret-file';
  const text = await readOptionalFile(absolute, shown);
  if (text === undefined)
    return { name, kind, secret, status: 'missing', file: shown, entries: [], problems: [] };
  const parsed = parseDotenv(text, shown, { secret });
  if (secret && parsed.ignoredLines.length > 0) {
    // A secret file dotenv reads only in part (typically an unquoted multi-line PEM: its first line
    // becomes the value, a base64 line ending in "==" a key of its own) would build a truncated secret.
    // Nothing from it is used or registered; its text is never shown, only its lines.
    const problems: EnvProblem[] = parsed.ignoredLines.map((line) => ({
      severity: 'error',
      code: 'ENV_LINE_IGNORED',
      file: shown,
      line,
      message:
        'not a KEY=VALUE line (an unquoted multi-line value? quote it): the secret file cannot be read as written, so none of its keys are used',
    }));
    return { name, kind, secret, status: 'broken', file: shown, entries: [], problems };
  }
  const entries: LayerEntry[] = parsed.entries.map((entry) => {
    if (secret) onSecret(entry.value);
    const source: EnvSource = { layer: name, kind, secret, file: shown, line: entry.line };
    return { key: entry.key, value: entry.value, source };
  });
  const problems: EnvProblem[] = parsed.ignoredLines.map((line) => ({
    severity: 'warning',
    code: 'ENV_LINE_IGNORED',
    file: shown,
    line,
    message: 'not a KEY=VALUE line: dotenv ignores it (and phpdotenv would refuse it)',
  }));
  if (!secret) for (const entry of entries) problems.push(...lintVisibleEntry(entry));
  return { name, kind, secret, status: 'read', file: shown, entries, problems };
}

function secretEnvLayer(
  mapping: Readonly<Record<string, string>>,
  env: NodeJS.ProcessEnv,
  stage: string,
  onSecret: (value: string) => void,
): LoadedLayer {
  const entries: LayerEntry[] = [];
  const problems: EnvProblem[] = [];
  for (const [key, variable] of Object.entries(mapping)) {
    const value = env[variable];
    if (value === undefined) {
      problems.push({
        severity: 'error',
        code: 'ENV_SECRET_ENV_UNSET',
        key,
        message: `${key}: the environment variable ${variable} is not set (stages.${stage}.env.secretEnv.${key})`,
      });
      continue;
    }
    onSecret(value);
    entries.push({ key, value, source: { layer: 'secretEnv', kind: 'secret-env', secret: true, variable } });
  }
  return { name: 'secretEnv', kind: 'secret-env', secret: true, status: 'read', entries, problems };
}

function computedLayer(layer: ComputedLayer, onSecret: (value: string) => void): LoadedLayer {
  const secret = layer.secret ?? false;
  const name = `computed:${layer.name}`;
  const entries = Object.entries(layer.values).map(([key, value]) => {
    if (secret) onSecret(value);
    return { key, value, source: { layer: name, kind: 'computed' as const, secret } };
  });
  return { name, kind: 'computed', secret, status: 'read', entries, problems: [] };
}

/**
 * Reads and merges a stage's layers, in order: visible files, secret files, `secretEnv` variables, the
 * SSM path, computed values (the cache prefix of a stage with a `cache` section first); then checks the
 * example file and lints the visible files. Never throws for problems in the layers (they are
 * returned); throws for an unknown stage, an unreadable file or a failed SSM read. Secret values are
 * registered with the logger as soon as they are read.
 */
export async function resolveEnv(options: ResolveEnvOptions): Promise<EnvResolution> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const loaded = options.config ?? (await loadConfig({ cwd }));
  const stage = resolveStage(loaded.config, options.stage);
  const { env: stageEnv } = stage;
  const root = loaded.root;
  const onSecret = (value: string) => options.logger?.secret(value);
  const sources = options.sources ?? {};

  const layers: LoadedLayer[] = [];
  for (const file of stageEnv.visible) layers.push(await loadFileLayer(file, 'visible', root, cwd, onSecret));
  for (const file of stageEnv.secret)
    layers.push(await loadFileLayer(file, 'secret-file', root, cwd, onSecret));
  if (Object.keys(stageEnv.secretEnv).length > 0) {
    layers.push(secretEnvLayer(stageEnv.secretEnv, sources.env ?? process.env, stage.name, onSecret));
  }
  if (stageEnv.ssmPath) {
    const ssmPath = stageEnv.ssmPath;
    const reader: SsmReader =
      sources.ssm ??
      ((where) =>
        readSsmParameters(where, {
          ...(stage.deploy?.target === 'elastic-beanstalk' ? { region: stage.deploy.region } : {}),
          ...(options.aws ? { aws: options.aws } : {}),
        }));
    options.logger?.progress(`reading SSM parameters under ${ssmPath}`);
    const parameters = await reader(ssmPath);
    for (const parameter of parameters) onSecret(parameter.value);
    layers.push({
      name: `ssm:${ssmPath}`,
      kind: 'ssm',
      secret: true,
      status: 'read',
      entries: ssmEntries(ssmPath, parameters),
      problems: [],
    });
  }
  const cache = stage.cache
    ? await cachePrefixLayer({
        config: loaded.config,
        stage: stage.name,
        cwd: root,
        ...(options.release === undefined ? {} : { release: options.release }),
        ...(options.git ? { git: options.git } : {}),
      })
    : undefined;
  for (const layer of [...(cache ? [cache] : []), ...(sources.computed ?? [])])
    layers.push(computedLayer(layer, onSecret));

  const merged = mergeLayers(layers);
  const problems = [...merged.problems];

  let schema: EnvSchema | undefined;
  const schemaFile = path.resolve(root, stageEnv.schema);
  const schemaShown = displayPath(cwd, schemaFile);
  const schemaText = await readOptionalFile(schemaFile, schemaShown);
  if (schemaText !== undefined) {
    const read = schemaFromDotenv(parseDotenv(schemaText, schemaShown), schemaShown);
    schema = read.schema;
    problems.push(...read.problems, ...checkSchema(schema, merged, { strict: options.strict ?? false }));
    const listed = new Set(schema.keys.map((entry) => entry.key));
    for (const record of merged.provenance.values()) {
      if (!listed.has(record.key) && readOnlyFromSecretFiles(record)) onSecret(record.key);
    }
  }

  const order = [
    ...(schema?.keys.map((entry) => entry.key).filter((key) => merged.values.has(key)) ?? []),
    ...merged.values.keys(),
  ];
  const values: Record<string, string> = {};
  const provenance: Record<string, KeyProvenance> = {};
  for (const key of new Set(order)) {
    values[key] = merged.values.get(key) ?? '';
    const record = merged.provenance.get(key);
    if (record) provenance[key] = record;
  }

  return {
    stage: stage.name,
    root,
    values,
    provenance,
    layers: layers.map(summarizeLayer),
    ...(schema ? { schema } : {}),
    problems: sortProblems(problems),
    out: path.resolve(root, stageEnv.out),
  };
}

/** Errors first; then files in layer order, lines in order within a file; problems without a file last. */
function sortProblems(problems: EnvProblem[]): EnvProblem[] {
  const fileRank = new Map<string, number>();
  for (const problem of problems) {
    if (problem.file !== undefined && !fileRank.has(problem.file)) fileRank.set(problem.file, fileRank.size);
  }
  const rank = (problem: EnvProblem) => (problem.severity === 'error' ? 0 : 1);
  const file = (problem: EnvProblem) =>
    problem.file === undefined ? Number.MAX_SAFE_INTEGER : (fileRank.get(problem.file) ?? 0);
  return problems
    .map((problem, index) => ({ problem, index }))
    .sort(
      (a, b) =>
        rank(a.problem) - rank(b.problem) ||
        file(a.problem) - file(b.problem) ||
        (a.problem.line ?? 0) - (b.problem.line ?? 0) ||
        a.index - b.index,
    )
    .map(({ problem }) => problem);
}

/** A stage's env that passed every check: values, where each came from, and the warnings. */
export interface BuiltEnv extends Omit<EnvResolution, 'problems'> {
  warnings: EnvProblem[];
}

/**
 * {@link resolveEnv}, refusing (throwing `ENV_INVALID`, exit 1, every problem listed) when any layer has
 * an error. Returns the values and their provenance; rendering and writing are separate
 * ({@link renderEnv}, {@link writeEnvFile}), so a refused build writes nothing.
 */
export async function buildEnv(options: ResolveEnvOptions): Promise<BuiltEnv> {
  return assertBuildable(await resolveEnv(options));
}

/** The resolution as a {@link BuiltEnv}, or `ENV_INVALID` (exit 1) listing every error when it has any. */
export function assertBuildable(resolution: EnvResolution): BuiltEnv {
  const { problems, ...rest } = resolution;
  if (problems.some((problem) => problem.severity === 'error')) throw problemsError(rest.stage, problems);
  return { ...rest, warnings: problems };
}
