import type { CiProvider } from '@reletan/core';

/**
 * A warning when a GitHub Actions job writes with the job's own `GITHUB_TOKEN`: events it causes (except
 * workflow_dispatch and repository_dispatch) start no workflow run, so the push of the merge commit to the
 * base branch, or of an updated PR branch, runs no CI. The job's token is an installation token (`ghs_`);
 * a GitHub App's token has the same prefix, hence "looks like". `provider` is the CI's, as
 * `detectCiContext` of `@reletan/core` tells it.
 */
export function actionsTokenWarning(provider: CiProvider, token: string): string | undefined {
  if (provider !== 'github-actions' || !token.startsWith('ghs_')) return undefined;
  return "the token looks like GitHub Actions' GITHUB_TOKEN: what it pushes (the merge commit, an updated branch) starts no workflow run, so CI on the base branch or on the updated PR will not run; use a GitHub App's or a personal token when it must";
}
