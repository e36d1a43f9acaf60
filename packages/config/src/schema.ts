import { closestMatch, refPatternProblem } from '@reletan/core';
import { z } from 'zod';

/**
 * A strict object whose unknown-key message suggests the closest known key, so a misspelt
 * `mainBrach` says what was meant.
 */
function strictObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return undefined;
      return issue.keys
        .map((key) => {
          const guess = closestMatch(key, known);
          return `unknown key "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}`;
        })
        .join('; ');
    },
  });
}

const envVarName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name (letters, digits, _)');

const refPattern = z.string().superRefine((value, ctx) => {
  const problem = refPatternProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `invalid ref pattern "${value}": ${problem}` });
});

const nonEmpty = z.string().min(1, 'must not be empty');

export const gitSchema = strictObject({
  /** The production branch. @default "main" */
  mainBranch: nonEmpty.default('main'),
  /** The integration branch releases start from. @default "develop" */
  developBranch: nonEmpty.default('develop'),
  /** @default "release/" */
  releasePrefix: nonEmpty.default('release/'),
  /** @default "hotfix/" */
  hotfixPrefix: nonEmpty.default('hotfix/'),
  /** Release tags are this prefix followed by a semver version. @default "v" */
  tagPrefix: z.string().default('v'),
  /** @default "origin" */
  remote: nonEmpty.default('origin'),
});

export const githubSchema = strictObject({
  /** `owner/name`; defaults to the one the git remote points at. */
  repository: z
    .string()
    .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]*)\/[A-Za-z0-9._-]+$/, 'must be "owner/name", e.g. "acme/shop"')
    .optional(),
});

export const automergeSchema = strictObject({
  /** @default "merge" */
  method: z.enum(['merge', 'squash', 'rebase']).default('merge'),
  /** Approvals needed, counting each reviewer's latest decision. @default 1 */
  requiredApprovals: z.int().min(0).default(1),
  /** A PR with this label is never merged. @default "automerge:skip" */
  skipLabel: nonEmpty.default('automerge:skip'),
  /** When set, only PRs with this label are merged. */
  requireLabel: nonEmpty.optional(),
  /** Merge when GitHub reports `unstable` (non-required checks failing). @default false */
  allowUnstable: z.boolean().default(false),
  /** Update a branch that is behind its base (then wait for CI again). @default false */
  updateBranch: z.boolean().default(false),
  /** Delete the head branch after merging. @default false */
  deleteBranch: z.boolean().default(false),
  /** Merge PRs whose head is in a fork. @default false */
  allowForks: z.boolean().default(false),
  /** Base branches (patterns) a PR may target to be merged. @default any */
  baseBranches: z.array(refPattern).optional(),
});

export const notifySchema = strictObject({
  /** The environment variable that holds the Slack incoming-webhook URL (never the URL itself). */
  slackWebhookEnv: envVarName.optional(),
});

export const releaseNotesGroupSchema = strictObject({
  /** The heading of the group, e.g. "Features". */
  title: nonEmpty,
  /** A pull request with any of these labels goes in this group (the first matching group wins). */
  labels: z.array(nonEmpty).min(1, 'must list at least one label'),
});

export const releaseSchema = strictObject({
  notes: strictObject({
    /**
     * Sections of the release notes, by pull request label, in order; unmatched pull requests are listed
     * under "Other changes". Labels come from GitHub, so groups need a token. @default [] (one list)
     */
    groups: z.array(releaseNotesGroupSchema).default([]),
    /**
     * Authors (GitHub logins) whose pull requests are left out, on top of bots (logins ending in `[bot]`),
     * which are always left out. @default []
     */
    excludeAuthors: z.array(nonEmpty).default([]),
  }).prefault({}),
});

export const stageEnvSchema = strictObject({
  /** Committed, non-secret layers, in order; later ones override earlier ones. */
  visible: z.array(nonEmpty).optional(),
  /** Secret layers (provided by CI), in order. */
  secret: z.array(nonEmpty).optional(),
  /** The example file every key must appear in. */
  schema: nonEmpty.optional(),
  /** The file written. */
  out: nonEmpty.optional(),
  /** Secret values taken from environment variables: `{ "DB_PASSWORD": "PROD_DB_PASSWORD" }`. */
  secretEnv: z.record(envVarName, envVarName).optional(),
  /** An AWS SSM Parameter Store path whose parameters are secret layers. */
  ssmPath: z.string().regex(/^\//, 'must start with "/"').optional(),
});

const ebEnvironmentName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9-]{2,38}[A-Za-z0-9]$/,
    'must be 4 to 40 letters, digits or hyphens, not starting or ending with a hyphen (Elastic Beanstalk rule)',
  );

const afterNames = z.union([z.string(), z.array(z.string()).min(1, 'must list at least one environment')]);

export const deployEnvironmentSchema = strictObject({
  /** The Elastic Beanstalk environment name. */
  name: ebEnvironmentName,
  /** `worker` environments run jobs; `web` environments take traffic. */
  role: z.enum(['web', 'worker']),
  /**
   * The environment(s) of the same stage this one deploys after: it starts once they have finished (or,
   * with `startDelaySeconds`, that long after they started). Environments without one start at once.
   */
  after: afterNames.optional(),
  /**
   * Start this long after the environments in `after` *start*, instead of after they finish: a
   * staggered start (e.g. workers first, web 60 s later, both updating at once).
   */
  startDelaySeconds: z.int().min(0).max(3600).optional(),
});

export const deployHooksSchema = strictObject({
  /**
   * Runs once per deploy, before the new code takes traffic, e.g. `php artisan migrate --force`
   * (Elastic Beanstalk: a leader-only container command).
   */
  migrate: nonEmpty.optional(),
  /**
   * Run on every instance (every release directory, locally) before it serves the new release, in order,
   * e.g. `php artisan config:cache`. @default []
   */
  perInstance: z.array(nonEmpty).default([]),
});

const s3BucketName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    'must be an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)',
  );

/** Environment health colours Elastic Beanstalk reports (`Health`). */
const healthColour = z.enum(['Green', 'Yellow', 'Red', 'Grey']);

export const elasticBeanstalkDeploySchema = strictObject({
  target: z.literal('elastic-beanstalk'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as "ap-northeast-1"'),
  /** The Elastic Beanstalk application name. */
  application: nonEmpty,
  environments: z.array(deployEnvironmentSchema).min(1, 'must list at least one environment'),
  /** The S3 bucket for source bundles and the deploy lock. @default Elastic Beanstalk's own (CreateStorageLocation) */
  bucket: s3BucketName.optional(),
  /** Application versions always kept when old ones are deleted to stay under the account's quota. @default 50 */
  keepVersions: z.int().min(1).max(1000).default(50),
  /** How long one deploy may take before its updates are aborted and rolled back. @default 30 */
  timeoutMinutes: z.int().min(1).max(360).default(30),
  /** The health colours that count as deployed. @default ["Green"] */
  healthy: z.array(healthColour).min(1, 'must list at least one colour').default(['Green']),
  /** Let Elastic Beanstalk validate the bundle when the version is created (`Process=true`). @default false */
  process: z.boolean().default(false),
  hooks: deployHooksSchema.prefault({}),
});

export const localDeploySchema = strictObject({
  target: z.literal('local'),
  /** The directory releases go to: `path/releases/<label>`, with `path/current` pointing at the live one. */
  path: nonEmpty,
  /** Releases kept in all, the live one always among them. @default 5 */
  keep: z.int().min(1).max(100).default(5),
  hooks: deployHooksSchema.prefault({}),
});

/** `stages.S.deploy`: an Elastic Beanstalk deploy (the default target) or a local one. */
export const deploySchema = z.preprocess(
  (value) =>
    value !== null && typeof value === 'object' && !Array.isArray(value) && !('target' in value)
      ? { target: 'elastic-beanstalk', ...value }
      : value,
  z.discriminatedUnion('target', [elasticBeanstalkDeploySchema, localDeploySchema], {
    error: (issue) =>
      issue.code === 'invalid_union' ? 'target must be "elastic-beanstalk" or "local"' : undefined,
  }),
);

const cacheServer = z
  .string()
  .regex(/^(?:\[[0-9a-fA-F:.]+\]|[^\s:[\]]+)(?::\d{1,5})?$/, 'must be "host" or "host:port"');

export const cacheSchema = strictObject({
  /** memcached servers, `host:port`. */
  servers: z.array(cacheServer).min(1, 'must list at least one server'),
  /** How old and new code are kept apart during a rollout. @default "release" */
  strategy: z.enum(['release', 'schema', 'flush-after-rollout']).default('release'),
  /** The cache format version, for the `schema` strategy. */
  schemaVersion: z.union([nonEmpty, z.int().min(0)]).optional(),
  /** The `.env` key the prefix is written to. @default "CACHE_PREFIX" */
  prefixKey: envVarName.default('CACHE_PREFIX'),
  /** The application part of the prefix. @default the repository name */
  app: nonEmpty.optional(),
});

const indexName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be a lowercase Elasticsearch index name (a-z, 0-9, . _ -)');

export const searchSchema = strictObject({
  /** The Elasticsearch node URL. */
  node: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  /** The indices reletan manages, by alias name. */
  indices: z.record(indexName, strictObject({ definition: nonEmpty })).default({}),
});

export const stageSchema = strictObject({
  /** Branches (patterns) that deploy to this stage. */
  branch: refPattern.optional(),
  /** Tags (patterns) that deploy to this stage. */
  tag: refPattern.optional(),
  env: stageEnvSchema.optional(),
  deploy: deploySchema.optional(),
  cache: cacheSchema.optional(),
  search: searchSchema.optional(),
});

const stageName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'stage names are letters, digits, "_" and "-" (they name files)');

export const configSchema = strictObject({
  /** Editors use this to find the JSON Schema. */
  $schema: z.string().optional(),
  git: gitSchema.prefault({}),
  github: githubSchema.prefault({}),
  automerge: automergeSchema.prefault({}),
  notify: notifySchema.prefault({}),
  release: releaseSchema.prefault({}),
  stages: z.record(stageName, stageSchema).default({}),
}).superRefine((config, ctx) => {
  for (const [name, stage] of Object.entries(config.stages)) {
    if (stage.deploy?.target === 'elastic-beanstalk')
      checkDeployOrder(stage.deploy.environments, ['stages', name, 'deploy', 'environments'], ctx);
    if (stage.cache?.strategy === 'schema' && stage.cache.schemaVersion === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['stages', name, 'cache', 'schemaVersion'],
        message: 'required by strategy "schema" (bump it when the cached format changes)',
      });
    }
  }
});

/** The environments an environment deploys after, as a list (`after` may name one). */
export function afterList(environment: {
  after?: string | readonly string[] | undefined;
}): readonly string[] {
  const { after } = environment;
  return after === undefined ? [] : typeof after === 'string' ? [after] : after;
}

function checkDeployOrder(
  environments: readonly z.output<typeof deployEnvironmentSchema>[],
  path: (string | number)[],
  ctx: z.RefinementCtx,
): void {
  const firstIndex = new Map<string, number>();
  environments.forEach((environment, index) => {
    const seen = firstIndex.get(environment.name);
    if (seen === undefined) firstIndex.set(environment.name, index);
    else {
      ctx.addIssue({
        code: 'custom',
        path: [...path, index, 'name'],
        message: `duplicate environment "${environment.name}" (also at environments[${seen}])`,
      });
    }
  });

  let unknownAfter = false;
  environments.forEach((environment, index) => {
    const names = afterList(environment);
    if (environment.startDelaySeconds !== undefined && names.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, index, 'startDelaySeconds'],
        message: 'needs "after": the delay counts from the start of the environments it names',
      });
    }
    names.forEach((after, position) => {
      // A list's problems point at the entry: environments[1].after[0].
      const at =
        typeof environment.after === 'string'
          ? [...path, index, 'after']
          : [...path, index, 'after', position];
      if (after === environment.name) {
        unknownAfter = true;
        ctx.addIssue({
          code: 'custom',
          path: at,
          message: `environment "${environment.name}" cannot deploy after itself`,
        });
      } else if (!firstIndex.has(after)) {
        unknownAfter = true;
        const guess = closestMatch(after, [...firstIndex.keys()]);
        ctx.addIssue({
          code: 'custom',
          path: at,
          message: `unknown environment "${after}"${guess ? ` (did you mean "${guess}"?)` : ''}`,
        });
      }
    });
  });
  if (unknownAfter) return;

  const cycle = findAfterCycle(environments);
  if (cycle) {
    ctx.addIssue({
      code: 'custom',
      path: [...path, cycle.index, 'after'],
      message: `"after" forms a cycle: ${cycle.names.map((name) => `"${name}"`).join(' → ')}`,
    });
  }
}

/** A cycle among the `after` links, reported at the environment that closes it; depth-first, in list order. */
function findAfterCycle(
  environments: readonly { name: string; after?: string | readonly string[] | undefined }[],
): { index: number; names: string[] } | undefined {
  const after = new Map(environments.map((environment) => [environment.name, afterList(environment)]));
  const done = new Set<string>();
  const visit = (name: string, chain: string[]): string[] | undefined => {
    const at = chain.indexOf(name);
    if (at !== -1) return [...chain.slice(at), name];
    if (done.has(name)) return undefined;
    for (const next of after.get(name) ?? []) {
      const cycle = visit(next, [...chain, name]);
      if (cycle) return cycle;
    }
    done.add(name);
    return undefined;
  };
  for (const start of environments) {
    const names = visit(start.name, []);
    if (names) {
      const closing = names[names.length - 2];
      return { index: environments.findIndex((environment) => environment.name === closing), names };
    }
  }
  return undefined;
}

/** The config as written (every section optional). */
export type ReletanConfigInput = z.input<typeof configSchema>;
/** The config with every default applied. */
export type ReletanConfig = z.output<typeof configSchema>;
export type StageConfig = z.output<typeof stageSchema>;
export type GitConfig = z.output<typeof gitSchema>;
export type ReleaseConfig = z.output<typeof releaseSchema>;
export type AutomergeConfig = z.output<typeof automergeSchema>;
export type DeployConfig = z.output<typeof deploySchema>;
export type ElasticBeanstalkDeployConfig = z.output<typeof elasticBeanstalkDeploySchema>;
export type LocalDeployConfig = z.output<typeof localDeploySchema>;
export type DeployHooksConfig = z.output<typeof deployHooksSchema>;
export type DeployEnvironmentConfig = z.output<typeof deployEnvironmentSchema>;
export type CacheConfig = z.output<typeof cacheSchema>;
export type SearchConfig = z.output<typeof searchSchema>;
export type StageEnvConfig = z.output<typeof stageEnvSchema>;
