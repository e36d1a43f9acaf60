import { type ErrorInput, ReletanError } from '@reletan/core';
import { findNodeAtLocation, type Node, parseTree } from 'jsonc-parser';
import type { z } from 'zod';
import { configSchema, type ReletanConfig } from './schema.js';

export interface ValidateConfigOptions {
  /** The file the config came from, as it should be named in messages. */
  file?: string;
  /** The JSON text of `file`, to point every problem at its line and column. */
  jsonText?: string;
}

/** One problem in a config, located as precisely as the source allows. */
export interface ConfigProblem {
  /** `stages.dev.deploy.environments[1].after` */
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/**
 * Validates a config value (already parsed from JSON or imported from a module) and applies defaults.
 * Throws a `CONFIG_INVALID` usage error listing every problem, each with its config path.
 */
export function validateConfig(raw: unknown, options: ValidateConfigOptions = {}): ReletanConfig {
  const result = configSchema.safeParse(raw, { error: describeIssue });
  if (result.success) return result.data;
  throw configInvalidError(collectProblems(result.error, options.jsonText), options.file);
}

/** The problems zod found, as config paths and messages (one per unknown key). */
export function collectProblems(error: z.ZodError, jsonText?: string): ConfigProblem[] {
  const tree = jsonText === undefined ? undefined : parseTree(jsonText);
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
    const messages = issue.code === 'unrecognized_keys' ? issue.message.split('; ') : [issue.message];
    messages.forEach((message, index) => {
      const key = issue.code === 'unrecognized_keys' ? issue.keys[index] : undefined;
      const fullPath = key === undefined ? path : [...path, key];
      const position =
        tree && jsonText !== undefined ? locate(tree, jsonText, fullPath, key !== undefined) : {};
      problems.push({ path: formatConfigPath(fullPath), message, ...position });
    });
  }
  return problems;
}

function configInvalidError(problems: ConfigProblem[], file: string | undefined): ReletanError {
  const where = (problem: ConfigProblem) =>
    [file, problem.line, problem.column].filter((part) => part !== undefined).join(':');
  const describe = (problem: ConfigProblem) =>
    `${problem.path === '' ? '(root)' : problem.path}: ${problem.message}`;
  const [first] = problems;
  if (problems.length === 1 && first) {
    const input: ErrorInput = { path: first.path };
    if (file !== undefined) input.file = file;
    if (first.line !== undefined) input.line = first.line;
    if (first.column !== undefined) input.column = first.column;
    return new ReletanError({ code: 'CONFIG_INVALID', kind: 'usage', message: describe(first), input });
  }
  return new ReletanError({
    code: 'CONFIG_INVALID',
    kind: 'usage',
    message: `${file ?? 'the config'} has ${problems.length} problems`,
    ...(file === undefined ? {} : { input: { file } }),
    details: problems.map((problem) => {
      const location = where(problem);
      return location ? `${location}: ${describe(problem)}` : describe(problem);
    }),
  });
}

/** `['stages', 'dev', 'environments', 1]` → `stages.dev.environments[1]`. */
export function formatConfigPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** Messages for zod's built-in checks, phrased for someone editing a config file. */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `required (${issue.expected})`;
      return `expected ${issue.expected}, got ${describeValue(issue.input)}`;
    case 'invalid_value':
      return `expected ${issue.values.map((value) => JSON.stringify(value)).join(' or ')}, got ${describeValue(issue.input)}`;
    default:
      return undefined;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/**
 * The line and column of a config path in JSON text: the key when the problem is the key itself
 * (unknown keys), the value otherwise, or the nearest enclosing value when the path does not exist.
 */
function locate(
  tree: Node,
  text: string,
  path: (string | number)[],
  pointAtKey: boolean,
): { line?: number; column?: number } {
  for (let length = path.length; length >= 0; length--) {
    const node = findNodeAtLocation(tree, path.slice(0, length));
    if (!node) continue;
    const target =
      pointAtKey && length === path.length && node.parent?.type === 'property' ? node.parent : node;
    return lineAndColumn(text, target.offset);
  }
  return {};
}

/** 1-based line and column of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset && index < text.length; index++) {
    if (text.charCodeAt(index) === 10) {
      line++;
      lineStart = index + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
