import { type LayerEntry, sourceLocation } from './layers.js';
import type { EnvProblem } from './problems.js';

// The key names the issue tracker's rule lists: *PASSWORD*, *SECRET*, *TOKEN*, *_KEY (and PASSWD).
const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|_KEY$/i;
const URL_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i;
const TOKEN_LIKE = /[A-Za-z0-9+/=_-]{20,}/g;

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  const length = [...text].length;
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * A run of 20+ key-like characters that looks random: hex of 32+ characters with ≥ 3 bits/char, or
 * a mix of upper case, lower case and digits close to the most entropy its length allows.
 * (Words and identifiers rarely mix all three classes that evenly.)
 */
export function looksHighEntropy(value: string): boolean {
  for (const [token] of value.matchAll(TOKEN_LIKE)) {
    const entropy = shannonEntropy(token);
    if (/^[0-9a-f]+$/i.test(token)) {
      if (token.length >= 32 && entropy >= 3) return true;
      continue;
    }
    const mixed = /[a-z]/.test(token) && /[A-Z]/.test(token) && /[0-9]/.test(token);
    if (mixed && entropy >= Math.min(4, Math.log2(token.length) * 0.9)) return true;
  }
  return false;
}

/** Warnings for a value in a committed (visible) file that looks like it should be a secret. */
export function lintVisibleEntry(entry: LayerEntry): EnvProblem[] {
  if (entry.value === '') return [];
  const reasons: string[] = [];
  if (SECRET_NAME.test(entry.key)) reasons.push('its name looks like a secret');
  if (URL_CREDENTIALS.test(entry.value)) reasons.push('its value is a URL with a password');
  else if (looksHighEntropy(entry.value)) reasons.push('its value looks random, like a key or token');
  if (reasons.length === 0) return [];
  return [
    {
      severity: 'warning',
      code: 'ENV_LOOKS_SECRET',
      key: entry.key,
      ...sourceLocation(entry.source),
      message: `${entry.key} is in a committed file but ${reasons.join(' and ')}; move it to a secret layer`,
    },
  ];
}
