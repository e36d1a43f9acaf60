import type { Octokit } from '@octokit/rest';
import { usageError } from './errors.js';
import type { Logger } from './logger.js';

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
   * retried: 400, 401, 403, 404, 405, 409, 410, 422, 451.
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

const DO_NOT_RETRY = [400, 401, 403, 404, 405, 409, 410, 422, 451];

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
  return new Client({
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
}
