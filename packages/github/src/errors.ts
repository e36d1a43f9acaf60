import { ReletanError } from '@reletan/core';

/** The parts of Octokit's `RequestError` reletan reads (without importing Octokit to check the class). */
interface RequestErrorLike {
  status: number;
  message: string;
  response?: { data?: unknown };
}

export function isRequestError(error: unknown): error is RequestErrorLike {
  return error instanceof Error && typeof (error as Partial<RequestErrorLike>).status === 'number';
}

/** GitHub's own explanation (`{ "message": ... }` in the body), else the error's message. */
export function gitHubMessage(error: unknown): string {
  if (isRequestError(error)) {
    const data = error.response?.data;
    if (data && typeof data === 'object' && typeof (data as { message?: unknown }).message === 'string') {
      return (data as { message: string }).message;
    }
  }
  return error instanceof Error ? error.message : String(error);
}

export function statusOf(error: unknown): number | undefined {
  return isRequestError(error) ? error.status : undefined;
}

/**
 * The validation errors of a 422 answer (`{ "errors": [{ "resource", "field", "code" }] }`), e.g.
 * `already_exists` for a release whose tag already has one.
 */
export function validationErrors(error: unknown): { resource?: string; field?: string; code?: string }[] {
  if (statusOf(error) !== 422 || !isRequestError(error)) return [];
  const data = error.response?.data as { errors?: unknown } | undefined;
  return Array.isArray(data?.errors)
    ? (data.errors as { resource?: string; field?: string; code?: string }[])
    : [];
}

/** A 422 saying the thing being created exists already (a rerun of something that had created it). */
export function isAlreadyExists(error: unknown): boolean {
  return validationErrors(error).some((item) => item.code === 'already_exists');
}

/**
 * Turns a failed GitHub request (after the retry and throttling plugins gave up) into a ReletanError with
 * exit 1, saying what was being done, what GitHub answered and what to do next.
 */
export function gitHubFailure(
  error: unknown,
  doing: string,
  url: string,
  options: { code?: string; hint?: string } = {},
): ReletanError {
  if (error instanceof ReletanError) return error;
  if (options.code !== undefined) {
    // The caller's own code (e.g. GITHUB_RELEASE_FAILED): GitHub's answer, and the caller's hint first.
    const classified = gitHubFailure(error, doing, url);
    const status = statusOf(error);
    return new ReletanError({
      code: options.code,
      message: `${doing} failed: ${status === undefined ? gitHubMessage(error) : `${status} ${gitHubMessage(error)}`}`,
      input: { url },
      hint: [options.hint, classified.hint].filter(Boolean).join('; '),
      cause: error,
    });
  }
  const status = statusOf(error);
  const message = gitHubMessage(error);
  const answered = status === undefined ? message : `${status} ${message}`;
  const base = { kind: 'failure' as const, input: { url }, cause: error };
  if (status === 401) {
    return new ReletanError({
      ...base,
      code: 'GITHUB_AUTH_FAILED',
      message: `GitHub rejected the token while ${doing}: ${answered}`,
      hint: 'check that GITHUB_TOKEN (or GH_TOKEN) holds a valid, unexpired token',
    });
  }
  if (status === 403) {
    return new ReletanError({
      ...base,
      code: 'GITHUB_FORBIDDEN',
      message: `GitHub refused ${doing}: ${answered}`,
      hint: 'the token needs read and write access to the repository\'s contents and pull requests (a classic token: "repo" scope); a rate limit that outlasted the retries also ends here',
    });
  }
  if (status === 404) {
    return new ReletanError({
      ...base,
      code: 'GITHUB_NOT_FOUND',
      message: `GitHub found nothing while ${doing}: ${answered}`,
      hint: 'check the repository and PR number; GitHub also answers 404 when the token cannot see a private repository',
    });
  }
  return new ReletanError({
    ...base,
    code: 'GITHUB_API_FAILED',
    message: `GitHub request failed while ${doing}: ${answered}`,
    hint:
      status !== undefined && status >= 500
        ? 'GitHub kept failing after the retries; check https://www.githubstatus.com and rerun the job'
        : '{verbose} for details',
    actions: { verbose: { type: 'option', name: 'verbose', words: 'rerun with verbose output' } },
  });
}

/**
 * {@link gitHubFailure} for a failed request (Octokit's `RequestError`, network failures included); anything
 * else is a bug and is returned as it is, to be reported as one rather than as GitHub's failure.
 */
export function asGitHubFailure(
  error: unknown,
  doing: string,
  url: string,
  options: { code?: string; hint?: string } = {},
): unknown {
  return isRequestError(error) ? gitHubFailure(error, doing, url, options) : error;
}
