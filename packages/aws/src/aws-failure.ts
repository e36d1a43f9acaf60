import { type ErrorInput, isReletanError, ReletanError } from '@reletan/core';
import { type AwsErrorKind, classifyAwsError } from './classify-error.js';

/**
 * The next step for each kind of failure, in words: a library's hint never names a reletan command or flag
 * (the apps add those).
 */
export const DEFAULT_AWS_HINTS: Readonly<Record<AwsErrorKind, string>> = {
  throttled:
    "AWS kept throttling the requests after the retries; retry later, or raise the account's quota for this API",
  credentials:
    'give the job AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a role), and check that they have not expired',
  'access-denied':
    'the credentials in use are not allowed this action; allow it (the message names the action and the resource) to the role or user the job runs as',
  'not-found':
    'check the name and the region (AWS_REGION or the profile): AWS also answers "not found" for a resource in another region or account',
  'invalid-request': 'AWS refused the request; check the names and values it was given, and the region',
  network:
    'check AWS_REGION, the endpoint (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>), and the network or proxy between the job and AWS',
  server: 'AWS kept failing after the retries; retry later, and check the AWS Health Dashboard',
  other: 'check the region (AWS_REGION), the credentials and the network',
};

export interface AwsFailureOptions {
  /** The error's code, e.g. `ENV_SSM_FAILED`. */
  code: string;
  /** What was being done, as the start of a sentence: "reading SSM parameters under /shop/prod". */
  doing: string;
  /** The input the failure concerns. @default none */
  input?: ErrorInput;
  /**
   * The caller's hint for a kind of failure, which knows what was being done (the IAM action, the config
   * key); a kind without one gets its entry in {@link DEFAULT_AWS_HINTS}.
   * @default {}
   */
  hints?: Partial<Record<AwsErrorKind, string>>;
}

/**
 * Turns a failed AWS call (after the SDK's retries gave up) into a {@link ReletanError} (exit 1) saying
 * what was being done, how many attempts were made, what AWS answered and what to do next; the original
 * error is its cause and AWS's request id its detail. A ReletanError is returned as it is: it already says
 * what failed.
 */
export function awsFailure(error: unknown, options: AwsFailureOptions): ReletanError {
  if (isReletanError(error)) return error;
  const failure = classifyAwsError(error);
  const attempts = failure.attempts
    ? ` after ${failure.attempts} ${failure.attempts === 1 ? 'attempt' : 'attempts'}`
    : '';
  return new ReletanError({
    kind: 'failure',
    code: options.code,
    message: `${options.doing} failed${attempts}: ${failure.name}: ${failure.message}`,
    ...(options.input ? { input: options.input } : {}),
    hint: options.hints?.[failure.kind] ?? DEFAULT_AWS_HINTS[failure.kind],
    ...(failure.requestId ? { details: [`AWS request id: ${failure.requestId}`] } : {}),
    cause: error,
  });
}
