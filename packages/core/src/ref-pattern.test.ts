import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchRefPattern, refPatternProblem } from './ref-pattern.js';

describe('ref patterns', () => {
  it.each(['develop', 'release/*', 'v*', 'feature/**', 'hotfix/1.2.x'])('accepts %j', (pattern) => {
    expect(refPatternProblem(pattern)).toBeUndefined();
  });

  it.each([
    '',
    'a b',
    'a..b',
    'a:b',
    'a?',
    'a[1]',
    '/a',
    'a/',
    '-a',
    'a.',
    'a.lock',
    'a/.b',
    'a@{1}',
    'a//b',
    'a\\b',
  ])('rejects %j', (pattern) => {
    expect(refPatternProblem(pattern)).toBeTypeOf('string');
  });

  it('matches * across any characters, slashes included', () => {
    expect(matchRefPattern('v*', 'v1.2.3')).toBe(true);
    expect(matchRefPattern('release/*', 'release/1.2.0')).toBe(true);
    expect(matchRefPattern('release/*', 'hotfix/1.2.1')).toBe(false);
    expect(matchRefPattern('v*', 'release/v1')).toBe(false);
  });

  it('treats regex characters in a pattern literally', () => {
    expect(matchRefPattern('v1.2', 'v1x2')).toBe(false);
    expect(matchRefPattern('a+b*', 'a+bc')).toBe(true);
  });

  it('matches a pattern without * only against itself (property)', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('*')),
        fc.string(),
        (pattern, ref) => {
          expect(matchRefPattern(pattern, ref)).toBe(pattern === ref);
          expect(matchRefPattern(pattern, pattern)).toBe(true);
        },
      ),
    );
  });
});
