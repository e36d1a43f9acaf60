import type { EnvProblem } from './problems.js';

/**
 * The kinds of layer, in the order they apply: committed files, secret files, secret environment
 * variables, AWS SSM parameters, then values reletan computes itself (such as the cache prefix).
 */
export type LayerKind = 'visible' | 'secret-file' | 'secret-env' | 'ssm' | 'computed';

/** Where one key's value came from. Never holds the value. */
export interface EnvSource {
  /** The layer's name: `.env.visible`, `secretEnv`, `ssm:/shop/prod`, `computed:cache-coordinator`. */
  layer: string;
  kind: LayerKind;
  /** True for every layer but the visible files (and computed layers not marked secret). */
  secret: boolean;
  /** The file, as shown to the user (relative to the working directory). */
  file?: string;
  /** 1-based line in `file`. */
  line?: number;
  /** For `secret-env`: the environment variable read. */
  variable?: string;
  /** For `ssm`: the parameter's full name. */
  parameter?: string;
}

/** Whether a layer was read; see {@link LoadedLayer.status}. */
export type LayerStatus = 'read' | 'missing' | 'broken';

/** One key as one layer defines it. */
export interface LayerEntry {
  key: string;
  value: string;
  source: EnvSource;
}

/** A layer after reading it: its entries in order, and what was wrong with it. */
export interface LoadedLayer {
  name: string;
  kind: LayerKind;
  secret: boolean;
  /**
   * `missing`: an optional file that does not exist (fine). `broken`: a secret file with lines dotenv
   * cannot read (an unquoted multi-line value?): none of its entries are used, each such line is an error.
   */
  status: LayerStatus;
  file?: string;
  entries: LayerEntry[];
  problems: EnvProblem[];
}

/** A layer as reported: what was read, never what it holds. */
export interface LayerSummary {
  name: string;
  kind: LayerKind;
  secret: boolean;
  status: LayerStatus;
  file?: string;
  keys: number;
}

/** A layer of values computed by reletan (e.g. the cache-coordinator's `CACHE_PREFIX`). */
export interface ComputedLayer {
  /** Who computed them, shown in provenance as "computed by reletan (NAME)". */
  name: string;
  values: Readonly<Record<string, string>>;
  /** Register the values as secrets and treat the keys as secret. @default false */
  secret?: boolean;
}

/** A problem's `file` and `line` from a source (nothing for layers that are not files). */
export function sourceLocation(source: EnvSource | undefined): Pick<EnvProblem, 'file' | 'line'> {
  if (!source?.file) return {};
  return { file: source.file, ...(source.line ? { line: source.line } : {}) };
}

/** How a source reads in output: `.env.visible:3`, `env PROD_DB_PASSWORD`, `ssm /shop/prod/DB_PASSWORD`. */
export function describeSource(source: EnvSource): string {
  switch (source.kind) {
    case 'visible':
    case 'secret-file':
      return `${source.file ?? source.layer}${source.line ? `:${source.line}` : ''}`;
    case 'secret-env':
      return `env ${source.variable ?? '?'}`;
    case 'ssm':
      return `ssm ${source.parameter ?? source.layer}`;
    case 'computed':
      return `computed by reletan (${source.layer.replace(/^computed:/, '')})`;
  }
}

export function summarizeLayer(layer: LoadedLayer): LayerSummary {
  return {
    name: layer.name,
    kind: layer.kind,
    secret: layer.secret,
    status: layer.status,
    ...(layer.file ? { file: layer.file } : {}),
    keys: new Set(layer.entries.map((entry) => entry.key)).size,
  };
}
