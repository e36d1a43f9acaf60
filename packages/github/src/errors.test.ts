import { ReletanError } from '@reletan/core';
import { describe, expect, it } from 'vitest';
import { asGitHubFailure, gitHubFailure, isAlreadyExists, validationErrors } from './errors.js';

/** A failed request as Octokit's RequestError carries it. */
function requestError(status: number, data: unknown): Error {
  return Object.assign(new Error(`HttpError ${status}`), { status, response: { data } });
}

const url = 'https://github.com/acme/shop/pull/7';

describe('classifying a failed GitHub request', () => {
  it.each([
    [401, 'GITHUB_AUTH_FAILED', /valid, unexpired token/],
    [403, 'GITHUB_FORBIDDEN', /contents and pull requests/],
    [404, 'GITHUB_NOT_FOUND', /private repository/],
    [502, 'GITHUB_API_FAILED', /githubstatus/],
  ])('answers %i with %s and a hint', (status, code, hint) => {
    const error = gitHubFailure(requestError(status, { message: 'Bad' }), 'merging the PR', url);
    expect(error).toMatchObject({ code, kind: 'failure', input: { url } });
    expect(error.message).toBe(
      `GitHub ${status === 403 ? 'refused' : status === 404 ? 'found nothing while' : status === 401 ? 'rejected the token while' : 'request failed while'} merging the PR: ${status} Bad`,
    );
    expect(error.hint).toMatch(hint);
  });

  it("keeps a caller's code and hint, with GitHub's answer and the classified hint after it", () => {
    const error = gitHubFailure(
      requestError(403, { message: 'Resource not accessible by integration' }),
      'creating the GitHub release v1.2.0 in acme/shop',
      url,
      {
        code: 'GITHUB_RELEASE_FAILED',
        hint: 'the tag is pushed',
      },
    );
    expect(error).toMatchObject({
      code: 'GITHUB_RELEASE_FAILED',
      message:
        'creating the GitHub release v1.2.0 in acme/shop failed: 403 Resource not accessible by integration',
    });
    expect(error.hint).toMatch(/^the tag is pushed; the token needs/);
  });

  it('leaves errors that are not failed requests (bugs) as they are', () => {
    const bug = new TypeError('x is undefined');
    expect(asGitHubFailure(bug, 'reading', url)).toBe(bug);
    const ours = new ReletanError({ code: 'X', message: 'x' });
    expect(gitHubFailure(ours, 'reading', url)).toBe(ours);
  });
});

describe('validation errors', () => {
  it('reads the errors of a 422 answer, and knows "already exists"', () => {
    const exists = requestError(422, {
      message: 'Validation Failed',
      errors: [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }],
    });
    expect(validationErrors(exists)).toEqual([
      { resource: 'Release', code: 'already_exists', field: 'tag_name' },
    ]);
    expect(isAlreadyExists(exists)).toBe(true);
    expect(
      isAlreadyExists(requestError(422, { message: 'Validation Failed', errors: [{ code: 'invalid' }] })),
    ).toBe(false);
    expect(isAlreadyExists(requestError(404, { errors: [{ code: 'already_exists' }] }))).toBe(false);
  });
});
