import { createHmac, randomBytes } from 'node:crypto';
import { describeSource } from './layers.js';
import type { EnvResolution } from './resolve.js';

/** One side of a differing key: the value when both sides are visible, else a short salted hash. */
export interface DiffValue {
  /** Set when neither side is secret. */
  value?: string;
  /** Set when either side is secret: `sha256:` and 8 hex digits of an HMAC salted for this diff only. */
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
}

export interface DiffEnvOptions {
  /**
   * The HMAC key for masked values. A fresh random one per diff by default, so a hash shows that a
   * secret differs (or not) without letting anyone test guesses against it later.
   * @default 32 random bytes
   */
  salt?: Buffer;
}

/** Compares two stages' merged env: keys only in A, only in B, and differing; secret values masked. */
export function diffEnv(a: EnvResolution, b: EnvResolution, options: DiffEnvOptions = {}): EnvDiff {
  const salt = options.salt ?? randomBytes(32);
  const mask = (value: string) =>
    `sha256:${createHmac('sha256', salt).update(value).digest('hex').slice(0, 8)}`;
  const side = (resolution: EnvResolution, key: string) => {
    const record = resolution.provenance[key];
    return { secret: record?.secret ?? false, source: record ? describeSource(record.source) : '?' };
  };
  const diff: EnvDiff = { a: a.stage, b: b.stage, onlyInA: [], onlyInB: [], differing: [], same: [] };
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
