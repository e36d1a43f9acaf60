import type { Octokit } from '@octokit/rest';
import { type Logger, usageError } from '@reletan/core';

export type { Octokit } from '@octokit/rest';

export interface GitHubToken {
  token: string;
  /** The variable it came from. */
  source: 'GITHUB_TOKEN' | 'GH_TOKEN';
}

/** The token from `GITHUB_TOKEN`, else `GH_TOKEN`; undefined when neither is set. */
export function resolveGitHubToken(env: NodeJS.ProcessEnv = process.env): GitHubToken | undefined {
  if (env.GITHUB_TOKEN) return { token: env.GITHUB_TOKEN, source: 'GITHUB_TOKEN' };
  if (env.GH_TOKEN) return { token: env.GH_TOKEN, source: 'GH_TOKEN' };
  return undefined;
}

/** `GITHUB_API_URL` (GitHub Enterprise: `https://HOST/api/v3`), else the public API. */
export function resolveGitHubApiUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
}

/**
 * The REST API for a repository on `host`, or undefined when no configured API serves that host, so a
 * token is never sent to a host the user did not choose. github.com is served by https://api.github.com
 * (or a `GITHUB_API_URL` on api.github.com); any other host only by a `GITHUB_API_URL` on that same host
 * (GitHub Enterprise Server: `https://HOST/api/v3`, which GitHub Actions sets there).
 */
export function gitHubApiUrlForHost(host: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const wanted = host.toLowerCase().replace(/^www\./, '');
  const configured = env.GITHUB_API_URL ? resolveGitHubApiUrl(env) : undefined;
  const configuredHost =
    configured && URL.canParse(configured) ? new URL(configured).host.toLowerCase() : undefined;
  if (wanted === 'github.com') {
    if (configured === undefined || configuredHost === 'api.github.com')
      return configured ?? 'https://api.github.com';
    return undefined;
  }
  return configuredHost === wanted ? configured : undefined;
}

/**
 * {@link gitHubApiUrlForHost}, or a usage error saying which variable to set. `what` names the thing
 * on that host, e.g. "the pull request https://ghe.acme.io/acme/shop/pull/7".
 */
export function requireGitHubApiUrlForHost(
  host: string,
  what: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const url = gitHubApiUrlForHost(host, env);
  if (url) return url;
  const configured = env.GITHUB_API_URL;
  throw usageError(
    'GITHUB_HOST_MISMATCH',
    `${what} is on ${host}, which ${configured ? `GITHUB_API_URL (${configured}) does not serve` : 'is not github.com'}`,
    {
      input: { key: 'GITHUB_API_URL' },
      hint: `for GitHub Enterprise Server set GITHUB_API_URL=https://${host}/api/v3; reletan sends the token only to the API you configure`,
    },
  );
}

export interface GitHubClientOptions {
  /** @default from `GITHUB_TOKEN` or `GH_TOKEN` in `env`; a usage error when there is none */
  token?: string;
  /** @default `GITHUB_API_URL` from `env`, else https://api.github.com */
  baseUrl?: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Registers the token as a secret, and reports rate-limit waits. */
  logger?: Logger;
  /**
   * Retries of transient failures (5xx, network). Statuses that are answers, not accidents, are never
   * retried: 400, 401, 403, 404, 405, 409, 410, 422, 451; rate limits (403, 429) are left to the throttling.
   * @default { retries: 3, retryAfterBaseValue: 1000 } (waits 1 s, 4 s, 9 s)
   */
  retry?: { retries?: number; retryAfterBaseValue?: number };
  /**
   * Primary and secondary rate limits: wait as long as GitHub says, up to `maxRetries` times.
   * @default { maxRetries: 3 }
   */
  throttle?: {
    enabled?: boolean;
    maxRetries?: number;
    retryAfterBaseValue?: number;
    fallbackSecondaryRateRetryAfter?: number;
  };
  /** @default the global fetch */
  fetch?: typeof fetch;
}

// 429 and 403 rate limits are plugin-throttling's, which waits as long as GitHub says; retrying them here too
// would multiply the requests sent while GitHub asks us to slow down.
const DO_NOT_RETRY = [400, 401, 403, 404, 405, 409, 410, 422, 429, 451];

/**
 * An Octokit with retries and rate-limit handling as plugins (`@octokit/plugin-retry`,
 * `@octokit/plugin-throttling`), the token registered as a secret, and `GITHUB_API_URL` honoured.
 * The SDK is imported here, on first use, so commands that never talk to GitHub never load it.
 */
export async function createGitHubClient(options: GitHubClientOptions = {}): Promise<Octokit> {
  const env = options.env ?? process.env;
  const token = options.token ?? resolveGitHubToken(env)?.token;
  if (!token) {
    throw usageError('GITHUB_TOKEN_MISSING', 'no GitHub token: set GITHUB_TOKEN or GH_TOKEN', {
      hint: 'create a token with "repo" scope (or use the CI job\'s token) and export it as GITHUB_TOKEN',
    });
  }
  options.logger?.secret(token);
  const [{ Octokit }, { retry }, { throttling }] = await Promise.all([
    import('@octokit/rest'),
    import('@octokit/plugin-retry'),
    import('@octokit/plugin-throttling'),
  ]);
  const maxRetries = options.throttle?.maxRetries ?? 3;
  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      if (retryCount >= maxRetries) {
        options.logger?.warn(
          `GitHub ${kind} rate limit hit on ${request.method} ${request.url}; giving up after ${retryCount} retries`,
        );
        return false;
      }
      options.logger?.warn(
        `GitHub ${kind} rate limit hit on ${request.method} ${request.url}; retrying in ${retryAfter}s`,
      );
      return true;
    };
  const Client = Octokit.plugin(retry, throttling);
  const octokit = new Client({
    auth: token,
    baseUrl: options.baseUrl ?? resolveGitHubApiUrl(env),
    userAgent: 'reletan',
    retry: { doNotRetry: DO_NOT_RETRY, ...options.retry },
    throttle: {
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
      ...(options.throttle?.enabled === undefined ? {} : { enabled: options.throttle.enabled }),
      ...(options.throttle?.retryAfterBaseValue === undefined
        ? {}
        : { retryAfterBaseValue: options.throttle.retryAfterBaseValue }),
      ...(options.throttle?.fallbackSecondaryRateRetryAfter === undefined
        ? {}
        : { fallbackSecondaryRateRetryAfter: options.throttle.fallbackSecondaryRateRetryAfter }),
    },
    request: options.fetch ? { fetch: options.fetch } : {},
    // Octokit's own console logging would bypass the redactor.
    log: {
      debug: () => {},
      info: () => {},
      warn: (message: string) => options.logger?.debug(message),
      error: () => {},
    },
  });
  // --verbose shows every request (method, path, status, time); headers and bodies never.
  const logger = options.logger;
  if (logger) {
    octokit.hook.wrap('request', async (request, parameters) => {
      const started = Date.now();
      const line = `GitHub ${parameters.method} ${parameters.url.replace(/\{(\w+)\}/g, (_, name: string) => String(parameters[name] ?? `{${name}}`))}`;
      try {
        const response = await request(parameters);
        logger.debug(`${line} → ${response.status} (${Date.now() - started} ms)`);
        return response;
      } catch (error) {
        const status = (error as { status?: unknown }).status;
        logger.debug(
          `${line} → ${typeof status === 'number' ? status : 'failed'} (${Date.now() - started} ms)`,
        );
        throw error;
      }
    });
  }
  return octokit;
}
