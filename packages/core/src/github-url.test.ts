import { describe, expect, it } from 'vitest';
import { isReletanError } from './errors.js';
import { parsePullRequestUrl, parseRepositoryUrl } from './github-url.js';

describe('pull request URLs', () => {
  it('parses a github.com PR URL', () => {
    expect(parsePullRequestUrl('https://github.com/acme/shop/pull/42')).toEqual({
      host: 'github.com',
      owner: 'acme',
      name: 'shop',
      number: 42,
      url: 'https://github.com/acme/shop/pull/42',
    });
  });

  it('accepts GitHub Enterprise hosts and trailing paths', () => {
    const parsed = parsePullRequestUrl('https://git.acme.internal/web/shop.site/pull/7/files#diff');
    expect(parsed).toMatchObject({ host: 'git.acme.internal', owner: 'web', name: 'shop.site', number: 7 });
    expect(parsed.url).toBe('https://git.acme.internal/web/shop.site/pull/7');
  });

  it.each([
    'https://github.com/acme/shop/issues/42',
    'https://github.com/acme/shop',
    'github.com/acme/shop/pull/1',
    'https://github.com/acme/shop/pull/0',
    'not a url',
  ])('rejects %j as bad input', (url) => {
    try {
      parsePullRequestUrl(url);
      expect.unreachable();
    } catch (error) {
      expect(isReletanError(error) && error.kind === 'usage' && error.code === 'PR_URL_INVALID').toBe(true);
    }
  });
});

describe('repository URLs', () => {
  it.each([
    ['git@github.com:acme/shop.git', 'github.com'],
    ['https://github.com/acme/shop.git', 'github.com'],
    ['https://github.com/acme/shop', 'github.com'],
    ['https://x-access-token:abc@github.com/acme/shop.git', 'github.com'],
    ['ssh://git@ghe.acme.io:2222/acme/shop.git', 'ghe.acme.io'],
  ])('reads owner and name from %j', (url, host) => {
    expect(parseRepositoryUrl(url)).toEqual({ host, owner: 'acme', name: 'shop' });
  });

  it('returns undefined for a local path remote', () => {
    expect(parseRepositoryUrl('/tmp/origin.git')).toBeUndefined();
  });
});
