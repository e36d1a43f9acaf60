import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor } from './redactor.js';

describe('redacting secrets', () => {
  it('replaces every occurrence of a registered value', () => {
    const redactor = new Redactor();
    redactor.add('hunter2');
    expect(redactor.redact('password=hunter2, again hunter2')).toBe('password=***, again ***');
  });

  it('replaces the longer of two overlapping secrets whole', () => {
    const redactor = new Redactor();
    redactor.add('abc');
    redactor.add('abcdef');
    expect(redactor.redact('x abcdef y abc')).toBe('x *** y ***');
  });

  it('catches a secret inside JSON output, where quotes and newlines are escaped', () => {
    const redactor = new Redactor();
    const secret = 'p"a\nss\\word';
    redactor.add(secret);
    expect(redactor.redact(JSON.stringify({ value: secret }))).not.toContain(
      JSON.stringify(secret).slice(1, -1),
    );
  });

  it('catches a secret percent-encoded in a URL', () => {
    const redactor = new Redactor();
    redactor.add('p@ss word');
    expect(redactor.redact('https://user:p%40ss%20word@host/')).toBe('https://user:***@host/');
  });

  it('catches each line of a multi-line secret printed alone', () => {
    const redactor = new Redactor();
    redactor.add('-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END KEY-----');
    expect(redactor.redact('line: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC')).toBe('line: ***');
  });

  it('ignores empty values, which would otherwise match everywhere', () => {
    const redactor = new Redactor();
    redactor.add('');
    redactor.add('   ');
    expect(redactor.active).toBe(false);
    expect(redactor.redact('text')).toBe('text');
  });

  it('redacts strings deep inside a value, keys included', () => {
    const redactor = new Redactor();
    redactor.add('s3cr3t');
    expect(redactor.redactValue({ a: ['x s3cr3t'], s3cr3t: 1, n: 2 })).toEqual({
      a: [`x ${REDACTED}`],
      [REDACTED]: 1,
      n: 2,
    });
  });

  it('never lets a registered secret through, whatever surrounds it (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((secret) => secret.trim() !== '' && !REDACTED.includes(secret)),
        fc.string(),
        fc.string(),
        (secret, before, after) => {
          const redactor = new Redactor();
          redactor.add(secret);
          const printed = redactor.redact(`${before}${secret}${after}`);
          // The secret may only survive where the surrounding text itself rebuilt it around a mask.
          expect(printed.split(REDACTED).some((part) => part.includes(secret))).toBe(false);
          expect(redactor.redact(JSON.stringify({ secret }))).not.toContain(
            JSON.stringify(secret).slice(1, -1),
          );
        },
      ),
    );
  });
});

describe('redacting values', () => {
  it('replaces numbers and booleans equal to a secret, and leaves other scalars', () => {
    const redactor = new Redactor();
    redactor.add('587');
    redactor.add('true');
    expect(
      redactor.redactValue({ port: 587, tls: true, debug: false, retries: 5870, nested: [587] }),
    ).toEqual({
      port: REDACTED,
      tls: REDACTED,
      debug: false,
      retries: 5870,
      nested: [REDACTED],
    });
  });
});
