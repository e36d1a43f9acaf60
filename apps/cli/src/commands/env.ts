import type { AppContext } from '@reletan/cli-kit';
import { type AppHint, displayPath, usageError, withAppHints } from '@reletan/core';
import {
  buildStageEnv,
  describeSource,
  diffEnv,
  type EnvFormat,
  type EnvResolution,
  explainKey,
  formatProblem,
  formatProblems,
  keyProblem,
  resolveEnv,
} from '@reletan/env-bundler';

export interface EnvBuildOptions extends StageEnvOptions {
  out?: string;
  format?: EnvFormat;
  dryRun?: boolean;
}

export interface StageEnvOptions {
  strict?: boolean;
  /** The release the env is built for; only the cache prefix depends on it. @default the tag at HEAD, else the commit */
  release?: string;
}

/** Reads and merges a stage's layers, every secret registered with the logger as soon as it is read. */
async function resolveStageEnv(
  context: AppContext,
  stage: string,
  options: StageEnvOptions = {},
): Promise<EnvResolution> {
  return resolveEnv({ ...(await stageEnvOptions(context, options)), stage }).catch((error: unknown) => {
    throw withAppHints(error, ENV_HINTS);
  });
}

/** What every env command passes the library: the config, the context's logger, AWS and git, the release. */
async function stageEnvOptions(context: AppContext, options: StageEnvOptions) {
  const config = await context.loadConfig({ required: true });
  return {
    cwd: context.cwd,
    config,
    strict: options.strict ?? false,
    sources: { env: context.env },
    logger: context.logger,
    aws: context.aws(),
    git: context.git(config.root),
    ...(options.release === undefined ? {} : { release: options.release }),
  };
}

/** The CLI's wording for the hints whose fix is one of its flags. */
const ENV_HINTS: Readonly<Record<string, AppHint>> = {
  RELEASE_UNKNOWN: 'pass the release id with --release ID',
};

/**
 * Rows as aligned columns. Cells are redacted before they are measured: a masked cell padded to its
 * unmasked width would still show how long the secret is.
 */
function table(context: AppContext, rows: string[][]): string[] {
  const redacted = rows.map((row) => row.map((cell) => context.logger.redact(cell)));
  const width = Math.max(0, ...redacted.map((row) => row[0]?.length ?? 0));
  return redacted.map(([first = '', ...rest]) => `  ${[first.padEnd(width), ...rest].join('  ')}`.trimEnd());
}

/**
 * `reletan env build STAGE`: merge, validate, render and write (atomically, mode 0600). Prints each key
 * with the layer that set it, never a value. A refused build writes nothing.
 */
export async function buildEnvCommand(
  context: AppContext,
  stage: string,
  options: EnvBuildOptions,
): Promise<number> {
  const format = options.format ?? 'dotenv';
  const { built, rendered, out, bytes, report } = await buildStageEnv({
    ...(await stageEnvOptions(context, options)),
    stage,
    format,
    out: options.out,
    dryRun: options.dryRun,
  }).catch((error: unknown) => {
    throw withAppHints(error, {
      ...ENV_HINTS,
      ENV_OUT_REQUIRED: () => ({
        message: `--format ${format} needs --out FILE`,
        hint: `reletan never prints secret values, so the ${format} output goes to a file: add --out FILE`,
      }),
    });
  });

  const shown = displayPath(context.cwd, out);
  const keys = Object.values(built.provenance).map((record) => ({
    key: record.key,
    secret: record.secret,
    source: describeSource(record.source),
    overrode: record.overrode.map(describeSource),
  }));
  const rows = keys.map(({ key, secret, source, overrode }) => [
    key,
    source,
    [secret ? 'secret' : '', overrode.length ? `(overrides ${overrode.join(', ')})` : '']
      .filter(Boolean)
      .join(' '),
  ]);
  const summary = options.dryRun
    ? `dry run: would write ${shown} (${format}, ${keys.length} keys, ${bytes} bytes, mode 0600); nothing was written`
    : `wrote ${shown} (${format}, ${keys.length} keys, ${bytes} bytes, mode 0600)`;
  context.logger.result(
    {
      stage: built.stage,
      format,
      out,
      dryRun: options.dryRun === true,
      written: !options.dryRun,
      bytes,
      keys,
      steps: report.steps,
      layers: built.layers,
      warnings: [...built.warnings, ...rendered.warnings.map((message) => ({ message }))],
    },
    [`stage ${built.stage}: ${keys.length} keys`, ...table(context, rows), summary].join('\n'),
  );
  return 0;
}

export interface EnvCheckOptions extends StageEnvOptions {
  format?: EnvFormat;
}

/**
 * `reletan env check STAGE`: schema, lint, and what the format cannot hold (the same checks `build`
 * makes, EB limits included); every problem names its file:line and key; exit 1 on errors.
 */
export async function checkEnvCommand(
  context: AppContext,
  stage: string,
  options: EnvCheckOptions,
): Promise<number> {
  const format = options.format ?? 'dotenv';
  const resolution = await resolveStageEnv(context, stage, options);
  const fromFormat = formatProblems(resolution.values, resolution.provenance, format);
  const problems = [
    ...resolution.problems.filter((problem) => problem.severity === 'error'),
    ...fromFormat.filter((problem) => problem.severity === 'error'),
    ...resolution.problems.filter((problem) => problem.severity === 'warning'),
    ...fromFormat.filter((problem) => problem.severity === 'warning'),
  ];
  const errors = problems.filter((problem) => problem.severity === 'error').length;
  const warnings = problems.length - errors;
  const keys = Object.keys(resolution.values).length;
  const verdict =
    errors === 0
      ? `✓ stage ${resolution.stage}: ${keys} keys, no errors${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`
      : `✗ stage ${resolution.stage}: ${errors} error${errors === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`;
  context.logger.result(
    {
      stage: resolution.stage,
      format,
      ok: errors === 0,
      errors,
      warnings,
      keys,
      problems,
    },
    [...problems.map((problem) => `${problem.severity} ${formatProblem(problem)}`), verdict].join('\n'),
  );
  return errors === 0 ? 0 : 1;
}

/** Below this, a leaked hash and a short key together make guessing a weak secret back too easy. */
const MIN_DIFF_KEY_LENGTH = 16;

/** `RELETAN_DIFF_KEY`, the key that makes secret hashes comparable across runs; registered as a secret. */
function diffHashKey(context: AppContext): string | undefined {
  const key = context.env.RELETAN_DIFF_KEY;
  if (key === undefined || key === '') return undefined;
  context.logger.secret(key);
  if (key.length < MIN_DIFF_KEY_LENGTH) {
    throw usageError(
      'ENV_DIFF_KEY_SHORT',
      `RELETAN_DIFF_KEY must be at least ${MIN_DIFF_KEY_LENGTH} characters`,
      {
        hint: 'use a long random string (e.g. "openssl rand -hex 32"), kept as a CI secret like the values it hashes',
      },
    );
  }
  return key;
}

/**
 * `reletan env diff A B`: keys only in A, only in B, and differing; secret values as short HMAC hashes,
 * keyed with RELETAN_DIFF_KEY (comparable across runs) or salted for this run only.
 */
export async function diffEnvCommand(
  context: AppContext,
  stageA: string,
  stageB: string,
  options: StageEnvOptions = {},
): Promise<number> {
  const hashKey = diffHashKey(context);
  const a = await resolveStageEnv(context, stageA, options);
  const b = await resolveStageEnv(context, stageB, options);
  for (const side of [a, b]) {
    const errors = side.problems.filter((problem) => problem.severity === 'error').length;
    if (errors) {
      context.logger.warn(
        `stage ${side.stage} has ${errors} problem${errors === 1 ? '' : 's'} (run "reletan env check ${side.stage}"); compared as merged anyway`,
      );
    }
  }
  const diff = diffEnv(a, b, hashKey === undefined ? {} : { hashKey });
  const show = (side: { value?: string; hash?: string }) => side.hash ?? JSON.stringify(side.value);
  const lines = [`env diff ${diff.a} → ${diff.b}`];
  const section = (title: string, rows: string[][]) => {
    if (rows.length) lines.push(`${title}:`, ...table(context, rows));
  };
  section(
    `only in ${diff.a}`,
    diff.onlyInA.map((entry) => [entry.key, entry.source, entry.secret ? 'secret' : '']),
  );
  section(
    `only in ${diff.b}`,
    diff.onlyInB.map((entry) => [entry.key, entry.source, entry.secret ? 'secret' : '']),
  );
  section(
    'differing',
    diff.differing.map((entry) => [
      entry.key,
      `${show(entry.a)} → ${show(entry.b)}`,
      entry.secret ? (diff.hashes === 'keyed' ? 'secret (keyed hash)' : 'secret (salted hash)') : '',
    ]),
  );
  lines.push(`same: ${diff.same.length} key${diff.same.length === 1 ? '' : 's'}`);
  if (diff.hashes === 'per-run' && diff.differing.some((entry) => entry.secret)) {
    lines.push(
      'secret hashes are salted for this run only: they compare within this diff, not with another run (set RELETAN_DIFF_KEY to compare across runs)',
    );
  }
  context.logger.result(
    { ...diff, identical: !diff.onlyInA.length && !diff.onlyInB.length && !diff.differing.length },
    lines.join('\n'),
  );
  return 0;
}

/** `reletan env explain STAGE KEY`: the layer that set the key and what it overrode; never the value. */
export async function explainEnvCommand(
  context: AppContext,
  stage: string,
  key: string,
  options: StageEnvOptions = {},
): Promise<number> {
  const reason = keyProblem(key);
  if (reason) throw usageError('ENV_KEY_INVALID', `"${key}" is ${reason}`, { input: { key } });
  const explained = explainKey(await resolveStageEnv(context, stage, options), key);
  const lines = [
    explained.set
      ? `${key} in stage ${explained.stage}${explained.secret ? ' (secret: value not shown)' : ''}`
      : `${key} in stage ${explained.stage}: no layer sets it`,
  ];
  const rows: string[][] = [];
  if (explained.source) rows.push(['set by', explained.source.description]);
  for (const earlier of [...explained.overrode].reverse()) rows.push(['overrode', earlier.description]);
  if (explained.schema) {
    rows.push([
      'example',
      `${explained.schema.file}:${explained.schema.line} (${explained.schema.optional ? 'optional' : 'required'})`,
    ]);
  } else {
    rows.push(['example', 'not listed']);
  }
  lines.push(
    ...table(context, rows),
    ...explained.problems.map((problem) => `${problem.severity} ${formatProblem(problem)}`),
  );
  context.logger.result(explained, lines.join('\n'));
  return 0;
}
