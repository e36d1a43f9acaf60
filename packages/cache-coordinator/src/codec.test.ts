import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ABSENT, decodeEntry, encodeEntry, FOREIGN, FORMAT_TAG, UNDECODABLE } from './codec.js';

describe('the format tag', () => {
  it('reads back every JSON value it wrote', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const decoded = decodeEntry(Buffer.from(encodeEntry(value)));
        expect(decoded).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('reads any bytes without the tag as a foreign miss, never throwing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const buffer = Buffer.from(bytes);
        fc.pre(!buffer.toString('latin1').startsWith(FORMAT_TAG));
        expect(decodeEntry(buffer)).toBe(FOREIGN);
      }),
    );
  });

  it('reads a tagged value that does not parse as an undecodable miss', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (value, cut) => {
        const encoded = Buffer.from(encodeEntry({ wrapped: value }));
        const truncated = encoded.subarray(
          0,
          FORMAT_TAG.length + (cut % (encoded.length - FORMAT_TAG.length)),
        );
        expect(decodeEntry(truncated)).toBe(UNDECODABLE);
      }),
    );
  });

  it.each([
    ['a PHP-serialised value (what a Laravel app stores)', 'a:1:{s:5:"price";i:1200;}'],
    ['plain JSON from another client', '{"price":1200}'],
    ['the tag of a future encoding', 'rlt:j2:{"price":1200}'],
  ])('reads %s as foreign', (_name, stored) => {
    expect(decodeEntry(Buffer.from(stored))).toBe(FOREIGN);
  });

  it('reads nothing stored as absent', () => {
    expect(decodeEntry(null)).toBe(ABSENT);
    expect(decodeEntry(undefined)).toBe(ABSENT);
  });

  it.each([
    ['undefined', undefined],
    ['a function', () => 1],
    ['a BigInt', 1n],
  ])('refuses to store %s', (_name, value) => {
    expect(() => encodeEntry(value)).toThrow(/cannot be cached/);
  });
});
