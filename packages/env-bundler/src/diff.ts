import { createHmac, randomBytes } from 'node:crypto';
import { describeSource } from './layers.js';
import type { EnvResolution } from './resolve.js';

/** One side of a differing key: the value when both sides are visible, else a short keyed hash. */
export interface DiffValue {
  /** Set when neither side is secret. */
  value?: string;
  /** Set when either side is secret: `sha256:` and the first 8 hex digits of an HMAC-SHA256 of the value. */
  hash?: string;
  source: string;
}

export interface EnvDiff {
  a: string;
  b: string;
  onlyInA: { key: string; secret: boolean; source: string }[];
  onlyInB: { key: string; secret: boolean; source: string }[];
  differing: { key: string; secret: boolean; a: DiffValue; b: DiffValue }[];
  /** Keys with the same value on both sides. */
  same: string[];
  /**
   * `keyed`: hashes come from the given `hashKey`, so they compare across runs (and keys, and stages).
   * `per-run`: from a random key of this diff only, so they compare only within it.
   */
  hashes: 'keyed' | 'per-run';
}

export interface DiffEnvOptions {
  /**
   * The HMAC key for masked values. With the same key, a secret has the same hash in every run, so a
   * change is visible over time; whoever holds the key can test guesses against a hash, so keep it as
   * secret as the values. Without one, a random key per diff: hashes compare only within that diff.
   * @default 32 random bytes, per call
   */
  hashKey?: string | Uint8Array;
}

/** Compares two stages' merged env: keys only in A, only in B, and differing; secret values masked. */
export function diffEnv(a: EnvResolution, b: EnvResolution, options: DiffEnvOptions = {}): EnvDiff {
  const hashKey = options.hashKey ?? randomBytes(32);
  const mask = (value: string) =>
    `sha256:${createHmac('sha256', hashKey).update(value).digest('hex').slice(0, 8)}`;
  const side = (resolution: EnvResolution, key: string) => {
    const record = resolution.provenance[key];
    return { secret: record?.secret ?? false, source: record ? describeSource(record.source) : '?' };
  };
  const diff: EnvDiff = {
    a: a.stage,
    b: b.stage,
    onlyInA: [],
    onlyInB: [],
    differing: [],
    same: [],
    hashes: options.hashKey === undefined ? 'per-run' : 'keyed',
  };
  for (const [key, value] of Object.entries(a.values)) {
    const left = side(a, key);
    const other = b.values[key];
    if (other === undefined) {
      diff.onlyInA.push({ key, ...left });
      continue;
    }
    if (other === value) {
      diff.same.push(key);
      continue;
    }
    const right = side(b, key);
    const secret = left.secret || right.secret;
    diff.differing.push({
      key,
      secret,
      a: { ...(secret ? { hash: mask(value) } : { value }), source: left.source },
      b: { ...(secret ? { hash: mask(other) } : { value: other }), source: right.source },
    });
  }
  for (const key of Object.keys(b.values)) {
    if (!(key in a.values)) diff.onlyInB.push({ key, ...side(b, key) });
  }
  return diff;
}
