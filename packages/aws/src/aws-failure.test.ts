import { exitCodeFor, isReletanError, ReletanError } from '@reletan/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { awsFailure, DEFAULT_AWS_HINTS } from './aws-failure.js';
import type { AwsErrorKind } from './classify-error.js';

function throttling(attempts?: number): Error {
  return Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400, requestId: 'req-7', ...(attempts ? { attempts } : {}) },
  });
}

const doing = 'reading SSM parameters under /shop/prod';

describe('the failure a user sees', () => {
  it('says what was being done, the attempts, and what AWS answered', () => {
    const failure = awsFailure(throttling(5), { code: 'ENV_SSM_FAILED', doing });
    expect(failure.message).toBe(
      'reading SSM parameters under /shop/prod failed after 5 attempts: ThrottlingException: Rate exceeded',
    );
    expect([failure.code, failure.kind, exitCodeFor(failure)]).toEqual(['ENV_SSM_FAILED', 'failure', 1]);
  });

  it('leaves the attempts out when the error does not count them', () => {
    const failure = awsFailure(throttling(), { code: 'X', doing });
    expect(failure.message).toBe(
      'reading SSM parameters under /shop/prod failed: ThrottlingException: Rate exceeded',
    );
  });

  it('says "1 attempt" for a call that was not retried', () => {
    expect(awsFailure(throttling(1), { code: 'X', doing }).message).toContain('failed after 1 attempt: ');
  });

  it("keeps the SDK's error as the cause, the input, and AWS's request id as a detail", () => {
    const error = throttling(2);
    const failure = awsFailure(error, { code: 'X', doing, input: { path: 'stages.prod.env.ssmPath' } });
    expect(failure.cause).toBe(error);
    expect(failure.input).toEqual({ path: 'stages.prod.env.ssmPath' });
    expect(failure.details).toEqual(['AWS request id: req-7']);
  });

  it('returns a ReletanError as it is: it already says what failed', () => {
    const error = new ReletanError({ code: 'ALREADY', message: 'already explained' });
    expect(awsFailure(error, { code: 'X', doing })).toBe(error);
  });
});

describe('the hint', () => {
  it("gives the caller's hint for the kind of failure", () => {
    const failure = awsFailure(throttling(5), {
      code: 'X',
      doing,
      hints: { throttled: 'raise the Parameter Store throughput' },
    });
    expect(failure.hint).toBe('raise the Parameter Store throughput');
  });

  it('falls back to the default for a kind the caller has no hint for', () => {
    const failure = awsFailure(throttling(5), { code: 'X', doing, hints: { credentials: 'n/a' } });
    expect(failure.hint).toBe(DEFAULT_AWS_HINTS.throttled);
  });

  it('tells how to give the job credentials when there are none', () => {
    const error = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    expect(awsFailure(error, { code: 'X', doing }).hint).toMatch(
      /AWS_PROFILE.*AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY.*role/,
    );
  });

  it('points at the region, the endpoint and the network when nothing answered', () => {
    const error = Object.assign(new Error('getaddrinfo ENOTFOUND ssm.nowhere-1.amazonaws.com'), {
      code: 'ENOTFOUND',
    });
    expect(awsFailure(error, { code: 'X', doing }).hint).toMatch(/AWS_REGION.*AWS_ENDPOINT_URL.*network/);
  });

  it('never names a reletan command or flag, for any kind', () => {
    for (const hint of Object.values(DEFAULT_AWS_HINTS)) {
      expect(hint).not.toMatch(/reletan|--[a-z]/);
    }
  });
});

describe('failure properties', () => {
  const kinds = Object.keys(DEFAULT_AWS_HINTS) as AwsErrorKind[];

  it('the message is "<doing> failed[ after N attempts]: <name>: <message>" for any SDK error', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Z][A-Za-z]{0,20}$/),
        fc.string(),
        fc.option(fc.integer({ min: 2, max: 10 }), { nil: undefined }),
        (name, message, attempts) => {
          const error = Object.assign(new Error(message), {
            name,
            $metadata: attempts === undefined ? {} : { attempts },
          });
          const failure = awsFailure(error, { code: 'X', doing: 'deploying' });
          const after = attempts === undefined ? '' : ` after ${attempts} attempts`;
          expect(failure.message).toBe(`deploying failed${after}: ${name}: ${message || ''}`);
        },
      ),
    );
  });

  it('is always a failure with a hint, whatever was thrown', () => {
    fc.assert(
      fc.property(fc.anything(), (thrown) => {
        const failure = awsFailure(thrown, { code: 'X', doing });
        expect(isReletanError(failure) && failure.kind).toBe('failure');
        expect(failure.hint).toBeTruthy();
      }),
    );
  });

  it("a caller's hint wins for its kind, and only for it", () => {
    const samples: Record<AwsErrorKind, unknown> = {
      throttled: throttling(3),
      credentials: Object.assign(new Error('The security token included in the request is expired'), {
        name: 'ExpiredTokenException',
      }),
      'access-denied': Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }),
      'not-found': Object.assign(new Error(''), { name: 'ParameterNotFound' }),
      'invalid-request': Object.assign(new Error('1 validation error'), { name: 'ValidationException' }),
      network: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      server: Object.assign(new Error('internal'), { name: 'InternalFailure' }),
      other: new Error('boom'),
    };
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        fc.constantFrom(...kinds),
        fc.string({ minLength: 1 }),
        (kind, hinted, hint) => {
          const failure = awsFailure(samples[kind], { code: 'X', doing, hints: { [hinted]: hint } });
          expect(failure.hint).toBe(kind === hinted ? hint : DEFAULT_AWS_HINTS[kind]);
        },
      ),
    );
  });
});
