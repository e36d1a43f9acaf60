import type { ReletanConfig } from '@reletan/config';
import type { GitRunner, Logger, ReletanError, RepositoryRef } from '@reletan/core';
import { isReletanError, parseRepositoryUrl, usageError } from '@reletan/core';
import type { GitHubAccess, Octokit } from '@reletan/github';
import { createGitHubAccess, requireGitHubApiUrlForHost } from '@reletan/github';

/** The run's client for the repository, created on first use, so nothing about GitHub loads without a token. */
export type RepositoryClient = () => Promise<Octokit>;

/** The GitHub repository a run works with, and the one client it uses for it. */
export interface GitHubTarget {
  /** From `github.repository`, else the git remote; undefined when neither names one. */
  repository: RepositoryRef | undefined;
  /**
   * The client, created on first use and shared by every call of the run. Undefined without a token, and
   * when it cannot be used: then `unavailable` says why.
   */
  github: RepositoryClient | undefined;
  /** Why there is a token but no client: the repository is unknown, or no configured API serves its host. */
  unavailable?: ReletanError | undefined;
}

export interface ResolveGitHubTargetOptions {
  git: GitRunner;
  config: Pick<ReletanConfig, 'git' | 'github'>;
  env: NodeJS.ProcessEnv;
  logger?: Logger | undefined;
  /** @default `createGitHubAccess` from `env` */
  github?: GitHubAccess | undefined;
}

/**
 * The repository and the GitHub client of a run. The client is only for a configured API that serves the
 * repository's host (core's `requireGitHubApiUrlForHost`): a remote on ghe.acme.io or gitlab.com is never
 * looked up on api.github.com, where a repository of the same name would be someone else's.
 */
export async function resolveGitHubTarget(options: ResolveGitHubTargetOptions): Promise<GitHubTarget> {
  const { env } = options;
  const repository = await resolveRepository(options.git, options.config, env);
  const access =
    options.github ?? createGitHubAccess({ env, ...(options.logger ? { logger: options.logger } : {}) });
  if (!access.token) return { repository, github: undefined };
  if (!repository) {
    return {
      repository,
      github: undefined,
      unavailable: usageError('GITHUB_REPOSITORY_UNKNOWN', 'cannot tell which GitHub repository this is', {
        input: { path: 'github.repository' },
        hint: `set github.repository ("owner/name") in the reletan config, or point the ${options.config.git.remote} remote at GitHub`,
      }),
    };
  }
  const what = `the repository ${repository.owner}/${repository.name}`;
  try {
    // Checked now, so a run that needs GitHub refuses before it changes anything.
    requireGitHubApiUrlForHost(repository.host, what, env);
  } catch (error) {
    if (!isReletanError(error)) throw error;
    return { repository, github: undefined, unavailable: error };
  }
  return { repository, github: () => access.client(repository.host, what) };
}

/**
 * The GitHub repository: `github.repository` from the config (on the host of `GITHUB_API_URL`), else the
 * one the git remote points at; undefined for a remote that is not `host/owner/name` shaped (a local path).
 */
async function resolveRepository(
  git: GitRunner,
  config: Pick<ReletanConfig, 'git' | 'github'>,
  env: NodeJS.ProcessEnv,
): Promise<RepositoryRef | undefined> {
  if (config.github.repository) {
    const [owner = '', name = ''] = config.github.repository.split('/');
    return { owner, name, host: webHost(env) };
  }
  const result = await git.run(['remote', 'get-url', config.git.remote], { allowFailure: true });
  return result.exitCode === 0 ? parseRepositoryUrl(result.stdout.trim()) : undefined;
}

/** github.com, or the GitHub Enterprise host of `GITHUB_API_URL` (`https://HOST/api/v3`). */
function webHost(env: NodeJS.ProcessEnv): string {
  const api = env.GITHUB_API_URL;
  if (!api || !URL.canParse(api)) return 'github.com';
  const host = new URL(api).host;
  return host === 'api.github.com' ? 'github.com' : host;
}
