import { parsePullRequestUrl, type RepositoryRef, usageError } from '@reletan/core';

/** A pull request to act on: where it lives and its number. */
export interface PullRequestTarget {
  owner: string;
  repo: string;
  number: number;
  /** `github.com`, or a GitHub Enterprise host. */
  host: string;
  /** `https://HOST/OWNER/REPO/pull/N` */
  url: string;
  /** The head sha the CI build checked, when the PR came from the build. */
  expectedHeadSha?: string;
}

/**
 * Reads `--pr` (or the CLI's argument): a PR URL (`https://HOST/OWNER/REPO/pull/N`), or a number (`42`,
 * `#42`) in `repository`. Anything else, or a number with no repository to put it in, is a usage error
 * (exit 2) naming the input.
 */
export function resolvePullRequestInput(input: string, repository?: RepositoryRef | null): PullRequestTarget {
  const text = input.trim();
  const numeric = /^#?(\d+)$/.exec(text);
  if (numeric) {
    const number = Number(numeric[1]);
    if (!Number.isSafeInteger(number) || number < 1) {
      throw usageError('PR_INPUT_INVALID', `not a pull request number: ${input}`, {
        hint: 'pass a PR number such as 42, or its URL',
      });
    }
    if (!repository) {
      throw usageError('PR_REPOSITORY_UNKNOWN', `pull request #${number}: in which repository?`, {
        hint: 'pass the PR URL, set github.repository in the reletan config, or run in a clone whose origin is on GitHub',
      });
    }
    return {
      owner: repository.owner,
      repo: repository.name,
      number,
      host: repository.host,
      url: `https://${repository.host}/${repository.owner}/${repository.name}/pull/${number}`,
    };
  }
  if (!/^https?:\/\//i.test(text)) {
    throw usageError('PR_INPUT_INVALID', `not a pull request URL or number: ${input}`, {
      input: { url: input },
      hint: 'expected https://github.com/OWNER/REPO/pull/NUMBER, or a PR number',
    });
  }
  const parsed = parsePullRequestUrl(text);
  return {
    owner: parsed.owner,
    repo: parsed.name,
    number: parsed.number,
    host: parsed.host,
    url: parsed.url,
  };
}

/** `owner/name` from the config (`github.repository`) as a repository on `host`. */
export function repositoryFromSetting(setting: string, host = 'github.com'): RepositoryRef {
  const [owner = '', name = ''] = setting.split('/');
  return { owner, name, host };
}
