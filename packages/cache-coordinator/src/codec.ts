import { usageError } from '@reletan/core';

/**
 * Every value this package writes starts with this tag: "rlt" (reletan) and the encoding with its
 * version ("j1": JSON, version 1). A value without it was written by someone else (another client, an
 * older encoding) and reads as a miss, as does a tagged value that does not parse.
 */
export const FORMAT_TAG = 'rlt:j1:';
const TAG = Buffer.from(FORMAT_TAG, 'latin1');

/** Why a read was not a hit. */
export type MissReason = 'absent' | 'foreign' | 'undecodable';

export type DecodedEntry = { hit: true; value: unknown } | { hit: false; reason: MissReason };

/** The stored form of a JSON-serialisable value (`undefined`, functions and cycles are refused). */
export function encodeEntry(value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw usageError('CACHE_VALUE_INVALID', `the value cannot be cached: ${(error as Error).message}`, {
      hint: 'cache JSON-serialisable values (objects, arrays, strings, numbers, booleans, null)',
      cause: error,
    });
  }
  if (json === undefined) {
    throw usageError('CACHE_VALUE_INVALID', `the value cannot be cached: ${typeof value} is not JSON`, {
      hint: 'cache JSON-serialisable values; a miss is how "nothing" is represented',
    });
  }
  return FORMAT_TAG + json;
}

/** Reads a stored value back; anything not written by {@link encodeEntry} is a miss, never an exception. */
export function decodeEntry(raw: Buffer | string | null | undefined): DecodedEntry {
  if (raw === null || raw === undefined) return { hit: false, reason: 'absent' };
  const bytes = typeof raw === 'string' ? Buffer.from(raw) : raw;
  if (bytes.length < TAG.length || bytes.compare(TAG, 0, TAG.length, 0, TAG.length) !== 0) {
    return { hit: false, reason: 'foreign' };
  }
  try {
    return { hit: true, value: JSON.parse(bytes.toString('utf8', TAG.length)) };
  } catch {
    return { hit: false, reason: 'undecodable' };
  }
}
