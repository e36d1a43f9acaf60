import { escapeRegExp } from './text.js';

/**
 * Branch and tag patterns in the config (`stages.<s>.branch`, `stages.<s>.tag`) are git ref names in which
 * `*` matches any run of characters, `/` included: `develop`, `release/*`, `v*`.
 */

/** Returns why `pattern` is not a valid ref pattern, or undefined when it is valid. */
export function refPatternProblem(pattern: string): string | undefined {
  if (pattern === '') return 'must not be empty';
  // The rules of `git check-ref-format`, with `*` allowed as the wildcard.
  if (/[\s~^:?[\\\p{Cc}]/u.test(pattern)) {
    return 'must not contain spaces or any of ~ ^ : ? [ \\ (only * is a wildcard)';
  }
  if (pattern.includes('..')) return 'must not contain ".."';
  if (pattern.includes('@{')) return 'must not contain "@{"';
  if (pattern.includes('//')) return 'must not contain "//"';
  if (pattern.startsWith('/') || pattern.endsWith('/')) return 'must not start or end with "/"';
  if (pattern.startsWith('-')) return 'must not start with "-"';
  if (pattern.endsWith('.')) return 'must not end with "."';
  if (pattern === '@') return 'must not be "@"';
  for (const part of pattern.split('/')) {
    if (part.startsWith('.')) return 'no path component may start with "."';
    if (part.endsWith('.lock')) return 'no path component may end with ".lock"';
  }
  return undefined;
}

/** Whether `ref` (a branch or tag name, without `refs/heads/`) matches `pattern`. */
export function matchRefPattern(pattern: string, ref: string): boolean {
  if (!pattern.includes('*')) return pattern === ref;
  const source = pattern.split('*').map(escapeRegExp).join('.*');
  return new RegExp(`^${source}$`).test(ref);
}
