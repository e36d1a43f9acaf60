import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { displayPath, escapeRegExp, type HintAction, ReletanError, usageError } from '@reletan/core';
import { type ParseError, parse as parseJsonc, printParseErrorCode } from 'jsonc-parser';
import type { ReletanConfig } from './schema.js';
import { lineAndColumn, validateConfig } from './validate.js';

/** The file names searched for, in each directory from the cwd upward. */
export const CONFIG_FILE_NAMES = [
  'reletan.config.ts',
  'reletan.config.mts',
  'reletan.config.js',
  'reletan.config.mjs',
  'reletan.config.json',
] as const;

/** Hint actions: creating a config, and naming one (the CLI's `init` command and `--config` flag). */
const INIT: HintAction = { type: 'run', command: ['init'], words: 'run the init' };
const CHOOSE_CONFIG: HintAction = {
  type: 'option',
  name: 'config',
  value: 'PATH',
  words: 'name the config file to use',
};

export interface LoadConfigOptions {
  /** Where the search starts and what relative paths are resolved against. @default process.cwd() */
  cwd?: string;
  /** An explicit config file (`--config`), relative to `cwd`; disables the search. */
  configFile?: string;
  /** Fail when no config file is found instead of using the defaults. @default false */
  required?: boolean;
}

export interface LoadedConfig {
  /** The validated config, with defaults applied. */
  config: ReletanConfig;
  /** The absolute path of the config file, or undefined when none exists and defaults are used. */
  file: string | undefined;
  /** The project root: the config file's directory (or the cwd). Paths in the config resolve from here. */
  root: string;
}

/**
 * Finds, reads and validates the config. With no file found (and `required` off) it returns the
 * defaults, which is what git-flow commands run on in a project that never ran `reletan init`.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const file = options.configFile
    ? await explicitConfigFile(cwd, options.configFile)
    : await findConfigFile(cwd);
  if (!file) {
    if (options.required) {
      throw usageError('CONFIG_NOT_FOUND', `no reletan config found in ${cwd} or any parent directory`, {
        hint: '{init} to create one, or {config}',
        actions: { init: INIT, config: CHOOSE_CONFIG },
      });
    }
    return { config: validateConfig({}), file: undefined, root: cwd };
  }
  const shown = displayPath(cwd, file);
  if (file.endsWith('.json')) {
    const text = await readFile(file, 'utf8');
    return {
      config: validateConfig(parseJsonConfig(text, shown), { file: shown, jsonText: text }),
      file,
      root: path.dirname(file),
    };
  }
  return {
    config: validateConfig(await importConfigModule(file, shown), { file: shown }),
    file,
    root: path.dirname(file),
  };
}

/** The config file that applies to `cwd`: the nearest directory upward holding one of {@link CONFIG_FILE_NAMES}. */
export async function findConfigFile(cwd: string): Promise<string | undefined> {
  let directory = path.resolve(cwd);
  for (;;) {
    const found = CONFIG_FILE_NAMES.map((name) => path.join(directory, name)).filter((file) =>
      existsSync(file),
    );
    if (found.length > 1) {
      throw usageError(
        'CONFIG_AMBIGUOUS',
        `several config files in ${directory}: ${found.map((file) => path.basename(file)).join(', ')}`,
        {
          hint: 'keep one of them, or {config}',
          actions: { config: CHOOSE_CONFIG },
        },
      );
    }
    if (found[0]) return found[0];
    const parent = path.dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

async function explicitConfigFile(cwd: string, configFile: string): Promise<string> {
  const file = path.resolve(cwd, configFile);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    throw usageError('CONFIG_NOT_FOUND', `config file ${configFile} does not exist`, {
      input: { file: configFile },
      hint: 'check the path of the config file (it is relative to the working directory)',
    });
  }
  if (!/\.(json|[cm]?[jt]s)$/.test(file)) {
    throw usageError('CONFIG_UNSUPPORTED', `config file ${configFile} is not .json, .ts, .mts, .js or .mjs`, {
      input: { file: configFile },
    });
  }
  return file;
}

/** Parses JSON (comments allowed, as in tsconfig.json), naming file, line and column on any error. */
export function parseJsonConfig(text: string, file: string): unknown {
  const errors: ParseError[] = [];
  const value = parseJsonc(text, errors, { allowTrailingComma: false, disallowComments: false });
  const [first] = errors;
  if (first) {
    const { line, column } = lineAndColumn(text, first.offset);
    throw usageError('CONFIG_PARSE', `invalid JSON: ${describeJsonError(printParseErrorCode(first.error))}`, {
      input: { file, line, column },
      hint: errors.length > 1 ? `${errors.length - 1} more JSON error(s) after this one` : undefined,
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw usageError('CONFIG_PARSE', 'the config must be a JSON object', {
      input: { file, line: 1, column: 1 },
    });
  }
  return value;
}

const JSON_ERRORS: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":"',
  CommaExpected: 'expected ","',
  CloseBraceExpected: 'expected "}"',
  CloseBracketExpected: 'expected "]"',
  EndOfFileExpected: 'expected the end of the file',
  InvalidCommentToken: 'invalid comment',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid unicode escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in a string',
};

function describeJsonError(code: string): string {
  return JSON_ERRORS[code] ?? code;
}

async function importConfigModule(file: string, shown: string): Promise<unknown> {
  const { createJiti } = await import('jiti');
  const self = defineConfigModule();
  // The config's `import { defineConfig } from 'reletan'` must work even where reletan is installed
  // globally or run through npx, so both package names resolve to this copy's defineConfig.
  const jiti = createJiti(import.meta.url, {
    moduleCache: false,
    fsCache: false,
    interopDefault: false,
    alias: { reletan: self, '@reletan/config': self, '@reletan/core': self },
  });
  let exported: unknown;
  try {
    const namespace = (await jiti.import(file)) as { default?: unknown };
    exported = namespace.default;
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    // Syntax errors name the position on a later line: "<file>:<line>:<column>".
    const position = new RegExp(`${escapeRegExp(file)}:(\\d+):(\\d+)`).exec(text);
    throw new ReletanError({
      code: 'CONFIG_LOAD',
      kind: 'usage',
      message: `could not load the config: ${(text.split('\n')[0] ?? '').trim()}`,
      input: position
        ? { file: shown, line: Number(position[1]), column: Number(position[2]) }
        : { file: shown },
      hint: 'fix the error in the config module ({verbose} to see the full cause)',
      actions: { verbose: { type: 'option', name: 'verbose', words: 'ask for verbose output' } },
      cause: error,
    });
  }
  if (exported === null || typeof exported !== 'object' || Array.isArray(exported)) {
    throw usageError('CONFIG_LOAD', 'the config module must `export default defineConfig({ ... })`', {
      input: { file: shown },
    });
  }
  return exported;
}

function defineConfigModule(): string {
  // Built: dist/define-config.js beside this chunk. From source (tests): src/define-config.ts.
  const built = fileURLToPath(new URL('./define-config.js', import.meta.url));
  return existsSync(built) ? built : fileURLToPath(new URL('./define-config.ts', import.meta.url));
}
