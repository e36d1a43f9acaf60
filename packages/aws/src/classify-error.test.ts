import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AwsErrorKind, classifyAwsError, isAwsError } from './classify-error.js';

/** An error shaped as the AWS SDK v3 throws a service's answer. */
function serviceError(
  name: string,
  message: string,
  status?: number,
  extra: { attempts?: number; requestId?: string; fault?: 'client' | 'server' } = {},
): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: extra.fault ?? (status !== undefined && status >= 500 ? 'server' : 'client'),
    $metadata: {
      ...(status !== undefined ? { httpStatusCode: status } : {}),
      ...(extra.attempts !== undefined ? { attempts: extra.attempts } : {}),
      ...(extra.requestId !== undefined ? { requestId: extra.requestId } : {}),
    },
  });
}

function networkError(code: string, message = `connect ${code} 127.0.0.1:443`): Error {
  return Object.assign(new Error(message), { code });
}

const KINDS: readonly AwsErrorKind[] = [
  'throttled',
  'credentials',
  'access-denied',
  'not-found',
  'invalid-request',
  'network',
  'server',
  'other',
];

describe("classifying what AWS answered, by the error's name", () => {
  const cases: [string, unknown, AwsErrorKind][] = [
    [
      'SSM throttling (JSON protocol)',
      serviceError('ThrottlingException', 'Rate exceeded', 400),
      'throttled',
    ],
    [
      'Elastic Beanstalk throttling (query protocol)',
      serviceError('Throttling', 'Rate exceeded', 400),
      'throttled',
    ],
    ['a 429', serviceError('TooManyRequestsException', 'Too Many Requests', 429), 'throttled'],
    [
      'EC2-style request limits',
      serviceError('RequestLimitExceeded', 'Request limit exceeded.', 503),
      'throttled',
    ],
    [
      'S3 asking to slow down',
      serviceError('SlowDown', 'Please reduce your request rate.', 503),
      'throttled',
    ],
    [
      'no credentials anywhere',
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
      'credentials',
    ],
    [
      'an expired session',
      serviceError('ExpiredTokenException', 'The security token included in the request is expired', 400),
      'credentials',
    ],
    [
      'an unknown access key',
      serviceError(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
        400,
      ),
      'credentials',
    ],
    ['a bad signature', serviceError('InvalidSignatureException', 'Signature expired', 400), 'credentials'],
    [
      'an unknown key id on a query API (a 403 that is not about permissions)',
      serviceError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403),
      'credentials',
    ],
    [
      'a missing permission',
      serviceError(
        'AccessDeniedException',
        'User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ssm:GetParametersByPath',
        400,
      ),
      'access-denied',
    ],
    ['S3 refusing', serviceError('AccessDenied', 'Access Denied', 403), 'access-denied'],
    ['an SSM parameter that does not exist', serviceError('ParameterNotFound', '', 400), 'not-found'],
    [
      'a missing resource',
      serviceError('ResourceNotFoundException', 'Requested resource not found', 400),
      'not-found',
    ],
    [
      'a missing bucket',
      serviceError('NoSuchBucket', 'The specified bucket does not exist', 404),
      'not-found',
    ],
    ['a missing key', serviceError('NoSuchKey', 'The specified key does not exist.', 404), 'not-found'],
    ['a HEAD that found nothing', serviceError('NotFound', 'UnknownError', 404), 'not-found'],
    [
      'an invalid input',
      serviceError('ValidationException', '1 validation error detected', 400),
      'invalid-request',
    ],
    [
      'an invalid EB option value',
      serviceError('InvalidParameterValue', 'No Environment found for EnvironmentName', 400),
      'invalid-request',
    ],
    ['no region anywhere', new Error('Region is missing'), 'invalid-request'],
    ['AWS failing', serviceError('InternalServerError', 'We encountered an internal error', 500), 'server'],
    ['AWS unavailable', serviceError('ServiceUnavailable', 'Service is unavailable', 503), 'server'],
    ['a socket timeout', Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }), 'network'],
    ['a bug in the caller', new TypeError('Cannot read properties of undefined'), 'other'],
    ['a thrown string', 'something broke', 'other'],
  ];
  for (const [scenario, error, kind] of cases) {
    it(`${scenario} is ${kind}`, () => {
      expect(classifyAwsError(error).kind).toBe(kind);
    });
  }
});

describe('classifying requests that got no answer', () => {
  for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET']) {
    it(`${code} is a network failure`, () => {
      expect(classifyAwsError(networkError(code))).toMatchObject({
        kind: 'network',
        name: 'Error',
        message: `connect ${code} 127.0.0.1:443`,
        networkCode: code,
      });
    });
  }

  it("reads Node's AggregateError (both addresses of localhost refused), whose own message is empty", () => {
    const error = Object.assign(
      new AggregateError([
        networkError('ECONNREFUSED', 'connect ECONNREFUSED ::1:4566'),
        networkError('ECONNREFUSED'),
      ]),
      { code: 'ECONNREFUSED' },
    );
    expect(classifyAwsError(error)).toMatchObject({
      kind: 'network',
      name: 'AggregateError',
      message: 'connect ECONNREFUSED ::1:4566; connect ECONNREFUSED 127.0.0.1:443',
    });
  });

  it('falls back to the code when a network error has no message', () => {
    expect(classifyAwsError(networkError('ECONNRESET', ''))).toMatchObject({
      kind: 'network',
      message: 'ECONNRESET',
    });
  });

  it('reads a network code on the cause, as fetch reports it', () => {
    const error = new TypeError('fetch failed', { cause: networkError('ENOTFOUND') });
    expect(classifyAwsError(error).kind).toBe('network');
  });

  it('keeps a credentials failure whose cause was the network (the metadata service unreachable)', () => {
    const error = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
      cause: networkError('ETIMEDOUT'),
    });
    expect(classifyAwsError(error).kind).toBe('credentials');
  });
});

describe("what the SDK's metadata says", () => {
  it('keeps the attempts, the request id and the status', () => {
    const error = serviceError('ThrottlingException', 'Rate exceeded', 400, {
      attempts: 5,
      requestId: 'req-1',
    });
    expect(classifyAwsError(error)).toEqual({
      kind: 'throttled',
      name: 'ThrottlingException',
      message: 'Rate exceeded',
      attempts: 5,
      requestId: 'req-1',
      statusCode: 400,
    });
  });

  it('leaves out what the error does not say', () => {
    expect(classifyAwsError(new Error('boom'))).toEqual({ kind: 'other', name: 'Error', message: 'boom' });
  });

  it('tells an AWS SDK error from other errors', () => {
    expect(isAwsError(serviceError('ThrottlingException', 'Rate exceeded', 400))).toBe(true);
    expect(isAwsError(Object.assign(new Error('x'), { $metadata: { attempts: 3 } }))).toBe(true);
    expect(isAwsError(new Error('x'))).toBe(false);
    expect(isAwsError(networkError('ECONNREFUSED'))).toBe(false);
    expect(isAwsError('ThrottlingException')).toBe(false);
  });
});

// Names made only of lowercase letters can match no AWS error name (those are PascalCase), so the status
// and the fault decide.
const unknownName = fc.stringMatching(/^[a-z]{1,12}$/);
const neutralMessage = fc.stringMatching(/^[0-9 .]{0,20}$/);

describe('classification properties', () => {
  it('never throws, whatever is thrown, and always gives a kind and a name', () => {
    fc.assert(
      fc.property(fc.anything(), (thrown) => {
        const classified = classifyAwsError(thrown);
        expect(KINDS).toContain(classified.kind);
        expect(classified.name).not.toBe('');
        expect(typeof classified.message).toBe('string');
      }),
    );
  });

  it('a throttling name is throttled, whatever the message and the status', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          'ThrottlingException',
          'Throttling',
          'TooManyRequestsException',
          'RequestLimitExceeded',
        ),
        fc.string(),
        fc.option(fc.integer({ min: 400, max: 599 }), { nil: undefined }),
        (name, message, status) => {
          expect(classifyAwsError(serviceError(name, message, status)).kind).toBe('throttled');
        },
      ),
    );
  });

  it('a throttling message is throttled when the name says nothing', () => {
    fc.assert(
      fc.property(
        unknownName,
        fc.constantFrom('Rate exceeded', 'Throttling: slow down', 'TooManyRequests', 'RequestLimitExceeded'),
        fc.string(),
        fc.option(fc.integer({ min: 400, max: 599 }), { nil: undefined }),
        (name, pattern, rest, status) => {
          expect(classifyAwsError(serviceError(name, `${rest}${pattern}`, status)).kind).toBe('throttled');
        },
      ),
    );
  });

  it('an unknown name is classified by the HTTP status', () => {
    const expected = (status: number): AwsErrorKind =>
      status === 429
        ? 'throttled'
        : status === 401
          ? 'credentials'
          : status === 403
            ? 'access-denied'
            : status === 404
              ? 'not-found'
              : status >= 500
                ? 'server'
                : 'invalid-request';
    fc.assert(
      fc.property(
        unknownName,
        neutralMessage,
        fc.integer({ min: 400, max: 599 }),
        (name, message, status) => {
          expect(classifyAwsError(serviceError(name, message, status)).kind).toBe(expected(status));
        },
      ),
    );
  });

  it('an unknown name without a status is classified by the fault', () => {
    fc.assert(
      fc.property(
        unknownName,
        neutralMessage,
        fc.constantFrom('client', 'server'),
        (name, message, fault) => {
          const error = serviceError(name, message, undefined, { fault });
          expect(classifyAwsError(error).kind).toBe(fault === 'server' ? 'server' : 'invalid-request');
        },
      ),
    );
  });

  it("keeps the SDK's attempts, request id and status as they are", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.stringMatching(/^[A-Za-z0-9-]{1,36}$/),
        fc.integer({ min: 400, max: 599 }),
        (attempts, requestId, status) => {
          const classified = classifyAwsError(
            serviceError('SomeException', 'x', status, { attempts, requestId }),
          );
          expect([classified.attempts, classified.requestId, classified.statusCode]).toEqual([
            attempts,
            requestId,
            status,
          ]);
        },
      ),
    );
  });
});
