import { ReletanError } from '@reletan/core';
import dotenv from 'dotenv';
import { DOTENV_GUARD_LINE, encodeDotenvValue } from './dotenv-write.js';
import { sourceLocation } from './layers.js';
import type { KeyProvenance } from './merge.js';
import { parsePhpDotenv } from './phpdotenv-parse.js';
import type { EnvProblem } from './problems.js';
import { invalidValueProblem } from './values.js';

/** The output formats of `reletan env build`. */
export const ENV_FORMATS = ['dotenv', 'json', 'shell', 'eb'] as const;
export type EnvFormat = (typeof ENV_FORMATS)[number];

/** The Elastic Beanstalk namespace whose options are the environment properties. */
export const EB_ENVIRONMENT_NAMESPACE = 'aws:elasticbeanstalk:application:environment';

/**
 * Elastic Beanstalk's documented limits on environment properties: keys up to 128 characters, values up
 * to 256, and "the combined size of all environment properties cannot exceed 4,096 bytes when stored as
 * strings with the format key=value" (Elastic Beanstalk Developer Guide, "Environment properties and
 * other software settings"). We count exactly that: the UTF-8 bytes of every `key=value`, added up.
 */
export const EB_LIMITS = { totalBytes: 4096, keyCharacters: 128, valueCharacters: 256 } as const;

// The characters the same page lists for values; others are warned about, not refused.
const EB_DOCUMENTED_VALUE = /^[\p{L}\p{N}\s_.:/=+\\\-@'"]*$/u;

export interface RenderEnvOptions {
  /** @default 'dotenv' */
  format?: EnvFormat;
  /** Named in the header comment of the dotenv and shell formats. */
  stage?: string;
}

export interface RenderedEnv {
  format: EnvFormat;
  content: string;
  /** Things the target may not accept, by key (never a value). */
  warnings: string[];
}

/** Values in output order. */
export type EnvValues = Readonly<Record<string, string>>;

function unwritable(format: EnvFormat, problems: { key: string; problem: string }[]): ReletanError {
  const [first] = problems;
  return new ReletanError({
    code: 'ENV_VALUE_UNWRITABLE',
    message:
      problems.length === 1 && first
        ? `${first.key}: cannot be written safely as ${format}: ${first.problem}`
        : `${problems.length} values cannot be written safely as ${format}`,
    input: { key: first?.key ?? '' },
    details: problems.length === 1 ? [] : problems.map(({ key, problem }) => `${key}: ${problem}`),
    hint:
      format === 'dotenv'
        ? 'change the value (or move it to a format that can hold it: {json}); nothing was written'
        : 'change the value; nothing was written',
    actions: { json: { type: 'option', name: 'format', value: 'json', words: 'the json format' } },
  });
}

function header(stage: string | undefined): string {
  return `# Built by reletan env build${stage ? ` for stage ${stage}` : ''}. Do not edit or commit: rebuild it.\n`;
}

/** A format's output, and what keeps it from being written (found, not thrown). */
interface Layout {
  content: string;
  /** Values the format cannot hold, by key. */
  unwritable: { key: string; problem: string }[];
  /** Set when the whole output is above Elastic Beanstalk's limit. */
  tooLarge?: { total: number; largest: string[] };
  /** Things the target may not accept, by key. */
  warnings: { key: string; message: string }[];
}

function layoutDotenv(values: EnvValues, stage: string | undefined): Layout {
  const unwritable: Layout['unwritable'] = [];
  let content = header(stage);
  for (const [key, value] of Object.entries(values)) {
    // encodeDotenvValue also refuses what no environment variable can hold (NUL, lone surrogates).
    const encoded = encodeDotenvValue(key, value);
    if ('problem' in encoded) unwritable.push({ key, problem: encoded.problem });
    else content += `${key}=${encoded.text}\n${encoded.guard ? `${DOTENV_GUARD_LINE}\n` : ''}`;
  }
  if (unwritable.length === 0) assertReadsBack(content, values);
  return { content, unwritable, warnings: [] };
}

/**
 * The whole file, read back by both parsers, must give exactly the values: each line was checked on its
 * own, and this proves the lines do not interact. A failure here is a bug, so nothing is written.
 */
function assertReadsBack(content: string, values: EnvValues): void {
  const expected = Object.entries(values);
  const fromDotenv = Object.entries(dotenv.parse(content));
  const fromPhp = parsePhpDotenv(content);
  const php = fromPhp.ok ? [...fromPhp.values] : [];
  const wrong = expected
    .filter(([key, value], index) => {
      const dot = fromDotenv[index];
      const p = php[index];
      return dot?.[0] !== key || dot[1] !== value || p?.[0] !== key || p[1] !== value;
    })
    .map(([key]) => key);
  if (
    wrong.length ||
    fromDotenv.length !== expected.length ||
    php.length !== expected.length ||
    !fromPhp.ok
  ) {
    throw new ReletanError({
      code: 'ENV_RENDER_MISMATCH',
      message: `the written .env would not read back exactly${wrong.length ? ` (${wrong.join(', ')})` : ''}`,
      hint: 'this is a bug in reletan; report it with the keys named (never the values). Nothing was written.',
    });
  }
}

/** Values no format can hold, by key: checked by every format but dotenv, whose encoder checks them. */
function invalidValues(values: EnvValues): Layout['unwritable'] {
  const invalid: Layout['unwritable'] = [];
  for (const [key, value] of Object.entries(values)) {
    const problem = invalidValueProblem(value);
    if (problem) invalid.push({ key, problem });
  }
  return invalid;
}

/** POSIX sh single quotes hold anything but NUL; a `'` is closed, escaped and reopened. */
function layoutShell(values: EnvValues, stage: string | undefined): Layout {
  let content = `${header(stage)}# Load it with ". ./FILE" in sh: every line exports its variable.\n`;
  for (const [key, value] of Object.entries(values)) {
    content += `export ${key}='${value.replaceAll("'", `'\\''`)}'\n`;
  }
  return { content, unwritable: invalidValues(values), warnings: [] };
}

function layoutEb(values: EnvValues): Layout {
  const unwritable = invalidValues(values);
  const warnings: Layout['warnings'] = [];
  let total = 0;
  const sizes: [string, number][] = [];
  for (const [key, value] of Object.entries(values)) {
    const bytes = Buffer.byteLength(`${key}=${value}`, 'utf8');
    total += bytes;
    sizes.push([key, bytes]);
    if (key.length > EB_LIMITS.keyCharacters) {
      unwritable.push({ key, problem: `the key is longer than ${EB_LIMITS.keyCharacters} characters` });
    }
    const characters = [...value].length;
    if (characters > EB_LIMITS.valueCharacters) {
      unwritable.push({
        key,
        problem: `the value has ${characters} characters; Elastic Beanstalk allows ${EB_LIMITS.valueCharacters}`,
      });
    }
    if (!EB_DOCUMENTED_VALUE.test(value)) {
      warnings.push({
        key,
        message: `the value has characters outside the ones Elastic Beanstalk documents for values (letters, digits, white space and _ . : / = + \\ - @ ' ")`,
      });
    }
  }
  const settings = Object.entries(values).map(([key, value]) => ({
    Namespace: EB_ENVIRONMENT_NAMESPACE,
    OptionName: key,
    Value: value,
  }));
  const largest = sizes
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([key, bytes]) => `${key} (${bytes} bytes)`);
  return {
    content: `${JSON.stringify(settings, null, 2)}\n`,
    unwritable,
    ...(total > EB_LIMITS.totalBytes ? { tooLarge: { total, largest } } : {}),
    warnings,
  };
}

function layout(values: EnvValues, format: EnvFormat, stage: string | undefined): Layout {
  switch (format) {
    case 'dotenv':
      return layoutDotenv(values, stage);
    case 'json':
      return {
        content: `${JSON.stringify(values, null, 2)}\n`,
        unwritable: invalidValues(values),
        warnings: [],
      };
    case 'shell':
      return layoutShell(values, stage);
    case 'eb':
      return layoutEb(values);
  }
}

function tooLargeMessage(tooLarge: NonNullable<Layout['tooLarge']>): string {
  return `the environment properties take ${tooLarge.total} bytes as key=value strings; Elastic Beanstalk allows ${EB_LIMITS.totalBytes}`;
}

/**
 * Renders merged values for a target. Throws, naming the keys, when a value cannot be written so that
 * the target reads it back exactly (or exceeds the target's limits); never includes a value in errors.
 *
 * - `dotenv`: a `.env` both dotenv and phpdotenv (Laravel) read back exactly, quoting chosen per value;
 * - `json`: one object;
 * - `shell`: `export KEY='value'` lines for POSIX sh;
 * - `eb`: Elastic Beanstalk option settings (`aws elasticbeanstalk update-environment --option-settings`).
 */
export function renderEnv(values: EnvValues, options: RenderEnvOptions = {}): RenderedEnv {
  const format = options.format ?? 'dotenv';
  const laid = layout(values, format, options.stage);
  if (laid.unwritable.length) throw unwritable(format, laid.unwritable);
  if (laid.tooLarge) {
    throw new ReletanError({
      code: 'ENV_EB_TOO_LARGE',
      message: tooLargeMessage(laid.tooLarge),
      details: [`largest: ${laid.tooLarge.largest.join(', ')}`],
      hint: 'ship the values in the source bundle as a .env file ({dotenv}) instead; nothing was written',
      actions: { dotenv: { type: 'option', name: 'format', value: 'dotenv', words: 'the dotenv format' } },
    });
  }
  return {
    format,
    content: laid.content,
    warnings: laid.warnings.map(({ key, message }) => `${key}: ${message}`),
  };
}

/**
 * What {@link renderEnv} would refuse or warn about for `format`, as problems at the place each value was
 * set, without throwing: what `env check --format F` reports before a build would refuse. Messages name
 * keys and limits, never values.
 */
export function formatProblems(
  values: EnvValues,
  provenance: Readonly<Record<string, KeyProvenance>>,
  format: EnvFormat = 'dotenv',
): EnvProblem[] {
  const laid = layout(values, format, undefined);
  const where = (key: string) => sourceLocation(provenance[key]?.source);
  return [
    ...laid.unwritable.map(
      ({ key, problem }): EnvProblem => ({
        severity: 'error',
        code: 'ENV_VALUE_UNWRITABLE',
        key,
        ...where(key),
        message:
          format === 'dotenv'
            ? `${key} cannot be written to a .env safely: ${problem}`
            : `${key} cannot be written safely as ${format}: ${problem}`,
      }),
    ),
    ...(laid.tooLarge
      ? [
          {
            severity: 'error',
            code: 'ENV_EB_TOO_LARGE',
            message: `${tooLargeMessage(laid.tooLarge)} (largest: ${laid.tooLarge.largest.join(', ')})`,
          } satisfies EnvProblem,
        ]
      : []),
    ...laid.warnings.map(
      ({ key, message }): EnvProblem => ({
        severity: 'warning',
        code: 'ENV_EB_VALUE_CHARACTERS',
        key,
        ...where(key),
        message: `${key}: ${message}`,
      }),
    ),
  ];
}
