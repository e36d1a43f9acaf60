import { isReletanError } from '@reletan/core';
import { describe, expect, it, vi } from 'vitest';

// A dotenv whose parser reads differently from ours (as a future release might).
vi.mock('dotenv', () => ({
  default: { parse: () => ({ A: 'read differently', B: 'only dotenv has this' }) },
}));

const { parseDotenv } = await import('./dotenv-parse.js');

describe('when the installed dotenv reads a file differently', () => {
  it('stops with ENV_PARSER_MISMATCH naming the keys, never the values', () => {
    let error: unknown;
    try {
      parseDotenv('A=s3cr3t-value\n', '.env.secret');
    } catch (caught) {
      error = caught;
    }
    expect(isReletanError(error) && error.code).toBe('ENV_PARSER_MISMATCH');
    expect((error as Error).message).toBe(
      ".env.secret: reletan's reading of A, B differs from the installed dotenv's",
    );
    expect(JSON.stringify(error) + (error as Error).message).not.toContain('s3cr3t-value');
  });
});

describe('when the file holds secrets', () => {
  it('names only the file and how many keys differ (a key of a secret file may be secret text)', () => {
    let error: unknown;
    try {
      parseDotenv('A=s3cr3t-value\n', '.env.secret', { secret: true });
    } catch (caught) {
      error = caught;
    }
    expect((error as Error).message).toBe(
      ".env.secret: reletan's reading of 2 keys (names not shown: the file holds secrets) differs from the installed dotenv's",
    );
    expect((error as { input: unknown }).input).toEqual({ file: '.env.secret' });
  });
});
