import type { ReletanConfig } from '@reletan/config';
import type { GitRunner, Logger, ReletanError, RepositoryRef } from '@reletan/core';
import { isReletanError, parseRepositoryUrl, usageError } from '@reletan/core';
import type { Octokit } from '@reletan/github';
import { createGitHubClient, requireGitHubApiUrlForHost, resolveGitHubToken } from '@reletan/github';

/** Creates the GitHub client on demand, so nothing about GitHub loads without a token. */
export type GitHubAccess = () => Promise<Octokit>;

/** The GitHub repository a run works with, and the one client it uses for it. */
export interface GitHubTarget {
  /** From `github.repository`, else the git remote; undefined when neither names one. */
  repository: RepositoryRef | undefined;
  /**
   * The client, created on first use and shared by every call of the run. Undefined without a token, and
   * when it cannot be used: then `unavailable` says why.
   */
  github: GitHubAccess | undefined;
  /** Why there is a token but no client: the repository is unknown, or no configured API serves its host. */
  unavailable?: ReletanError | undefined;
}

export interface ResolveGitHubTargetOptions {
  git: GitRunner;
  config: Pick<ReletanConfig, 'git' | 'github'>;
  env: NodeJS.ProcessEnv;
  logger?: Logger | undefined;
  /** @default core's `createGitHubClient`, aimed at the API that serves the repository's host */
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
  if (!options.github && !resolveGitHubToken(env)) return { repository, github: undefined };
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
  let baseUrl: string;
  try {
    baseUrl = requireGitHubApiUrlForHost(
      repository.host,
      `the repository ${repository.owner}/${repository.name}`,
      env,
    );
  } catch (error) {
    if (!isReletanError(error)) throw error;
    return { repository, github: undefined, unavailable: error };
  }
  const create = options.github ?? (() => createGitHubClient({ env, logger: options.logger, baseUrl }));
  let client: Promise<Octokit> | undefined;
  return { repository, github: () => (client ??= create()) };
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
