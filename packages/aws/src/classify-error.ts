/**
 * What went wrong with an AWS call, in the terms of what the user can do about it:
 * - `throttled`: AWS kept asking to slow down after the retries.
 * - `credentials`: no credentials, or credentials AWS does not accept (expired, unknown, badly signed).
 * - `access-denied`: valid credentials, not allowed this action on this resource.
 * - `not-found`: the named resource does not exist (in this region and account).
 * - `invalid-request`: AWS refused the request itself (a bad name or value, a missing region).
 * - `network`: no answer from AWS (connection refused or reset, DNS, timeouts).
 * - `server`: AWS failed (5xx) after the retries.
 * - `other`: anything else.
 */
export type AwsErrorKind =
  | 'throttled'
  | 'credentials'
  | 'access-denied'
  | 'not-found'
  | 'invalid-request'
  | 'network'
  | 'server'
  | 'other';

/** A failed AWS call, classified. Never holds the request's input or the response's body. */
export interface AwsErrorClassification {
  kind: AwsErrorKind;
  /** The error's name, e.g. `ThrottlingException`; `Error` when it has none. */
  name: string;
  /** The error's message; for a network error without one, its code (`ECONNREFUSED`). */
  message: string;
  /** Requests sent, retries included, as the SDK's retry strategy counted them. */
  attempts?: number;
  /** AWS's request id, for AWS support. */
  requestId?: string;
  /** The last HTTP status AWS answered. */
  statusCode?: number;
  /** Node's code for a request that got no answer, e.g. `ECONNREFUSED`. */
  networkCode?: string;
}

/** The parts of an AWS SDK v3 error reletan reads (`ServiceException` and the SDK's own errors). */
export interface AwsErrorLike {
  name: string;
  message: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; attempts?: number; requestId?: string };
}

/**
 * True for an error the AWS SDK threw for a call: a service's answer (`$fault`) or a failure the SDK's
 * retry strategy gave up on (`$metadata`). Plain errors, network errors before the SDK saw them, and
 * anything else are not.
 */
export function isAwsError(error: unknown): error is AwsErrorLike {
  if (!isObject(error)) return false;
  const { $fault, $metadata } = error as { $fault?: unknown; $metadata?: unknown };
  return (
    typeof (error as { name?: unknown }).name === 'string' &&
    ($fault === 'client' || $fault === 'server' || isObject($metadata))
  );
}

// Names first, then messages: a service's error name is its contract, a message is prose that may quote
// anything (an access-denied message can name a throttling API). Names are matched case-sensitively, so
// that "ENOTFOUND" (no answer from DNS) is not read as "NotFound" (no such resource). "LimitExceeded" alone
// is left out on purpose: most services use it for a quota (too many versions), which retrying cannot fix.
const NAME_PATTERNS: readonly [AwsErrorKind, RegExp][] = [
  ['throttled', /Throttl|TooManyRequests|RequestLimitExceeded|SlowDown|ProvisionedThroughputExceeded/],
  [
    'credentials',
    /CredentialsProviderError|ExpiredToken|TokenRefreshRequired|UnrecognizedClient|InvalidSignature|SignatureDoesNotMatch|IncompleteSignature|InvalidClientTokenId|InvalidAccessKeyId|MissingAuthenticationToken|AuthFailure|InvalidToken|RequestExpired/,
  ],
  ['access-denied', /AccessDenied|UnauthorizedOperation|AuthorizationError|NotAuthorized|Forbidden/],
  ['not-found', /NotFound|NoSuch|DoesNotExist/],
  [
    'invalid-request',
    /Validation|InvalidParameter|InvalidInput|InvalidRequest|MalformedQueryString|MissingParameter|InvalidArgument|InvalidAction|BadRequest|InvalidBucketName/,
  ],
  ['network', /TimeoutError|RequestTimeout|NetworkingError/],
  ['server', /InternalFailure|InternalError|InternalServerError|ServiceUnavailable|ServiceFailure/],
];

const MESSAGE_PATTERNS: readonly [AwsErrorKind, RegExp][] = [
  ['throttled', /Throttl|TooManyRequests|RequestLimitExceeded|Rate exceeded|SlowDown/i],
  [
    'credentials',
    /CredentialsProviderError|Could not load credentials|ExpiredToken|security token included in the request is (?:expired|invalid)|UnrecognizedClient|InvalidSignature|InvalidClientTokenId|signature we calculated does not match|Access Key Id you provided does not exist/i,
  ],
  ['access-denied', /AccessDenied|not authorized to perform/i],
  ['not-found', /ResourceNotFound|NoSuchBucket|NoSuchKey/i],
  ['invalid-request', /ValidationError|InvalidParameterValue|Region is missing|Invalid region/i],
];

/** Node's codes for a request that got no answer. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'ECONNRESET',
  'ECONNABORTED',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/**
 * Classifies a failed AWS call from what the SDK puts on its errors: the name, `$fault`, `$metadata`
 * (status, attempts, request id), the message, and a Node network code. Never throws; anything that is not
 * an AWS error is `other` (or `network`, for a network error).
 */
export function classifyAwsError(error: unknown): AwsErrorClassification {
  const networkCode = networkCodeOf(error);
  const name = nameOf(error);
  const message = messageOf(error) || networkCode || '';
  const metadata = metadataOf(error);
  const statusCode = metadata.httpStatusCode;
  const kind =
    matchKind(NAME_PATTERNS, name) ??
    (networkCode ? 'network' : undefined) ??
    matchKind(MESSAGE_PATTERNS, message) ??
    kindOfStatus(statusCode) ??
    kindOfFault(error);
  return {
    kind,
    name,
    message,
    ...(metadata.attempts !== undefined ? { attempts: metadata.attempts } : {}),
    ...(metadata.requestId !== undefined ? { requestId: metadata.requestId } : {}),
    ...(statusCode !== undefined ? { statusCode } : {}),
    ...(networkCode !== undefined ? { networkCode } : {}),
  };
}

function matchKind(patterns: readonly [AwsErrorKind, RegExp][], text: string): AwsErrorKind | undefined {
  return patterns.find(([, pattern]) => pattern.test(text))?.[0];
}

function kindOfStatus(status: number | undefined): AwsErrorKind | undefined {
  if (status === undefined) return undefined;
  if (status === 429) return 'throttled';
  if (status === 401) return 'credentials';
  if (status === 403) return 'access-denied';
  if (status === 404) return 'not-found';
  if (status >= 500) return 'server';
  if (status >= 400) return 'invalid-request';
  return undefined;
}

function kindOfFault(error: unknown): AwsErrorKind {
  const fault = isObject(error) ? (error as { $fault?: unknown }).$fault : undefined;
  if (fault === 'server') return 'server';
  if (fault === 'client') return 'invalid-request';
  return 'other';
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function nameOf(error: unknown): string {
  const name = isObject(error) ? (error as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name !== '' ? name : 'Error';
}

function messageOf(error: unknown): string {
  if (!isObject(error)) return error === undefined || error === null ? '' : String(error);
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && message !== '') return message;
  // Node's happy-eyeballs connect fails with an AggregateError whose own message is empty.
  const errors = (error as { errors?: unknown }).errors;
  if (Array.isArray(errors)) {
    const messages = [...new Set(errors.map(messageOf).filter((text) => text !== ''))];
    return messages.join('; ');
  }
  return '';
}

function networkCodeOf(error: unknown, depth = 0): string | undefined {
  if (!isObject(error) || depth > 3) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  return networkCodeOf((error as { cause?: unknown }).cause, depth + 1);
}

function metadataOf(error: unknown): { httpStatusCode?: number; attempts?: number; requestId?: string } {
  const metadata = isObject(error) ? (error as { $metadata?: unknown }).$metadata : undefined;
  const response = isObject(error) ? (error as { $response?: unknown }).$response : undefined;
  const read = (from: unknown, key: string): unknown =>
    isObject(from) ? (from as Record<string, unknown>)[key] : undefined;
  const status = read(metadata, 'httpStatusCode') ?? read(response, 'statusCode');
  const attempts = read(metadata, 'attempts');
  const requestId = read(metadata, 'requestId');
  return {
    ...(isCount(status) ? { httpStatusCode: status } : {}),
    ...(isCount(attempts) && attempts > 0 ? { attempts } : {}),
    ...(typeof requestId === 'string' && requestId !== '' ? { requestId } : {}),
  };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
