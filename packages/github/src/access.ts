import {
  createGitHubClient,
  type GitHubClientOptions,
  type GitHubToken,
  type Octokit,
  requireGitHubApiUrlForHost,
  resolveGitHubToken,
} from './client.js';

/**
 * How every reletan library reaches GitHub: the token (when there is one), and a client for the API that
 * serves a repository's host, made on first use and shared by every call of the run. Commands pass the
 * app's one access; tests pass one aimed at nock or a stand-in.
 */
export interface GitHubAccess {
  /** `GITHUB_TOKEN`, else `GH_TOKEN` (or the token given); undefined when there is none. */
  readonly token: GitHubToken | undefined;
  /**
   * The client for the API serving `host` (github.com: api.github.com; another host only when
   * `GITHUB_API_URL` is on it). A usage error without a token, or when no configured API serves the host,
   * so a token is never sent to a host the user did not choose. `what` names the thing on that host, for
   * the error: "the pull request https://ghe.acme.io/acme/shop/pull/7".
   */
  client(host: string, what: string): Promise<Octokit>;
}

export type CreateGitHubAccessOptions = Omit<GitHubClientOptions, 'baseUrl'>;

/** The access of a run, from the environment (`GITHUB_TOKEN`/`GH_TOKEN`, `GITHUB_API_URL`) and client options. */
export function createGitHubAccess(options: CreateGitHubAccessOptions = {}): GitHubAccess {
  const env = options.env ?? process.env;
  const token: GitHubToken | undefined = options.token
    ? { token: options.token, source: 'GITHUB_TOKEN' }
    : resolveGitHubToken(env);
  // Registered at once: the token is a secret from the moment it is read, not only once a client exists.
  if (token) options.logger?.secret(token.token);
  const clients = new Map<string, Promise<Octokit>>();
  return {
    token,
    async client(host, what) {
      const baseUrl = requireGitHubApiUrlForHost(host, what, env);
      let client = clients.get(baseUrl);
      if (!client) {
        client = createGitHubClient({ ...options, env, baseUrl, ...(token ? { token: token.token } : {}) });
        // A failed creation (no token) is not cached: the error is thrown to every caller alike.
        client.catch(() => clients.delete(baseUrl));
        clients.set(baseUrl, client);
      }
      return client;
    },
  };
}
