import { usageError } from '@reletan/core/errors';

/**
 * Every value this package writes starts with this tag: "rlt" (reletan) and the encoding with its
 * version ("j1": JSON, version 1). A value without it was written by someone else (another client, an
 * older encoding) and reads as a miss, as does a tagged value that does not parse.
 */
export const FORMAT_TAG = 'rlt:j1:';
const TAG = Buffer.from(FORMAT_TAG, 'latin1');
const TAG_LENGTH = TAG.length;

/** Why a read was not a hit. */
export type MissReason = 'absent' | 'foreign' | 'undecodable';

/** Nothing stored at the key. Each miss is a symbol, which no JSON value can be; its description is the reason. */
export const ABSENT: unique symbol = Symbol('absent');
/** A value not written by {@link encodeEntry} (another client, a PHP-serialised value, a future encoding). */
export const FOREIGN: unique symbol = Symbol('foreign');
/** A tagged value that does not parse. */
export const UNDECODABLE: unique symbol = Symbol('undecodable');
export type Miss = typeof ABSENT | typeof FOREIGN | typeof UNDECODABLE;

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

/**
 * Reads a stored value back: the value, or the {@link Miss} it is (never an exception, and no object
 * allocated per read for a miss). Anything not written by {@link encodeEntry} is a miss.
 */
export function decodeEntry(raw: Buffer | string | null | undefined): unknown | Miss {
  if (raw === null || raw === undefined) return ABSENT;
  const bytes = typeof raw === 'string' ? Buffer.from(raw) : raw;
  if (bytes.length < TAG_LENGTH) return FOREIGN;
  // A byte loop: cheaper than a native compare for seven bytes, on every read.
  for (let index = 0; index < TAG_LENGTH; index++) {
    if (bytes[index] !== TAG[index]) return FOREIGN;
  }
  try {
    return JSON.parse(bytes.toString('utf8', TAG_LENGTH));
  } catch {
    return UNDECODABLE;
  }
}
