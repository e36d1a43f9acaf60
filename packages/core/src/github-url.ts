import { usageError } from './errors.js';

export interface RepositoryRef {
  owner: string;
  name: string;
  /** `github.com`, or a GitHub Enterprise host. */
  host: string;
}

export interface PullRequestRef extends RepositoryRef {
  number: number;
  /** The canonical `https://HOST/OWNER/NAME/pull/N`. */
  url: string;
}

const OWNER = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
const NAME = '[A-Za-z0-9._-]+?';

/**
 * Parses a pull request's web URL, `https://github.com/OWNER/REPO/pull/N` (GitHub Enterprise hosts too,
 * trailing `/files` or `#...` allowed). Throws a usage error for anything else.
 */
export function parsePullRequestUrl(url: string): PullRequestRef {
  const match = new RegExp(`^https?://([^/\\s]+)/(${OWNER})/(${NAME})/pull/([1-9][0-9]*)(?:[/?#].*)?$`).exec(
    url.trim(),
  );
  if (!match) {
    throw usageError('PR_URL_INVALID', `not a pull request URL: ${url}`, {
      input: { url },
      hint: 'expected https://github.com/OWNER/REPO/pull/NUMBER',
    });
  }
  const [, host, owner, name, number] = match as unknown as [string, string, string, string, string];
  return {
    host,
    owner,
    name,
    number: Number(number),
    url: `https://${host}/${owner}/${name}/pull/${number}`,
  };
}

/**
 * The repository a git remote URL points at: `git@github.com:acme/shop.git`,
 * `https://github.com/acme/shop(.git)`, `ssh://git@host[:port]/acme/shop.git`, `https://user:token@host/...`.
 * Returns undefined for URLs that are not `host/owner/name` shaped (a local path, for instance).
 */
export function parseRepositoryUrl(url: string): RepositoryRef | undefined {
  const trimmed = url.trim();
  const scp = new RegExp(`^(?:[^@/\\s]+@)?([^:/\\s]+):(${OWNER})/(${NAME})(?:\\.git)?/?$`).exec(trimmed);
  if (scp && !trimmed.includes('://')) {
    const [, host, owner, name] = scp as unknown as [string, string, string, string];
    return { host, owner, name };
  }
  const full = new RegExp(
    `^(?:https?|ssh|git)://(?:[^@/\\s]+@)?([^/:\\s]+)(?::\\d+)?/(${OWNER})/(${NAME})(?:\\.git)?/?$`,
  ).exec(trimmed);
  if (full) {
    const [, host, owner, name] = full as unknown as [string, string, string, string];
    return { host, owner, name };
  }
  return undefined;
}
