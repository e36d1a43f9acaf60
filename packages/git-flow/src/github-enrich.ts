import type { RepositoryRef } from '@reletan/core';
import type { Octokit } from '@reletan/github';

/** What GitHub says about a pull request. */
export interface PullRequestDetails {
  number: number;
  title: string;
  url: string;
  /** The author's login; bots end in `[bot]`, as in the REST API. */
  author?: string;
  labels: string[];
}

/** Pull requests per GraphQL query: one aliased `pullRequest` field each, within GitHub's node limits. */
const PULL_REQUESTS_PER_QUERY = 100;

interface PullRequestNode {
  number: number;
  title: string;
  url: string;
  author: { __typename: string; login: string } | null;
  labels: { nodes: ({ name: string } | null)[] | null } | null;
}

type RepositoryData = { repository: Record<string, PullRequestNode | null> | null };

/**
 * Titles, authors and labels of many pull requests in `ceil(N / 100)` GraphQL calls (never one call per
 * pull request). A number that is not a pull request (an issue, a deleted PR) is simply missing from the
 * result. Octokit derives the GraphQL URL from the REST one, GitHub Enterprise's `/api/v3` included.
 */
export async function fetchPullRequestDetails(
  github: Octokit,
  repository: Pick<RepositoryRef, 'owner' | 'name'>,
  numbers: readonly number[],
): Promise<Map<number, PullRequestDetails>> {
  const unique = [...new Set(numbers)];
  const details = new Map<number, PullRequestDetails>();
  for (let start = 0; start < unique.length; start += PULL_REQUESTS_PER_QUERY) {
    const batch = unique.slice(start, start + PULL_REQUESTS_PER_QUERY);
    const data = await queryBatch(github, repository, batch);
    for (const node of Object.values(data.repository ?? {})) {
      if (!node) continue;
      const login = node.author?.login;
      // GraphQL names a bot "dependabot"; REST and the web name it "dependabot[bot]".
      const author =
        login && node.author?.__typename === 'Bot' && !login.endsWith('[bot]') ? `${login}[bot]` : login;
      details.set(node.number, {
        number: node.number,
        title: node.title,
        url: node.url,
        ...(author ? { author } : {}),
        labels: (node.labels?.nodes ?? []).flatMap((label) => (label ? [label.name] : [])),
      });
    }
  }
  return details;
}

/** The query for one batch: `pr123: pullRequest(number: 123) { ... }` per number. */
function pullRequestsQuery(numbers: readonly number[]): string {
  const fields = numbers
    .map(
      (number) =>
        `    pr${number}: pullRequest(number: ${number}) { number title url author { __typename login } labels(first: 50) { nodes { name } } }`,
    )
    .join('\n');
  return `query($owner: String!, $name: String!) {\n  repository(owner: $owner, name: $name) {\n${fields}\n  }\n}`;
}

async function queryBatch(
  github: Octokit,
  repository: Pick<RepositoryRef, 'owner' | 'name'>,
  numbers: readonly number[],
): Promise<RepositoryData> {
  try {
    return await github.graphql<RepositoryData>(pullRequestsQuery(numbers), {
      owner: repository.owner,
      name: repository.name,
    });
  } catch (error) {
    // A number that is an issue makes GitHub answer NOT_FOUND for that field, with the rest of the data.
    const partial = (error as { data?: RepositoryData }).data;
    if (error instanceof Error && error.name === 'GraphqlResponseError' && partial?.repository)
      return partial;
    throw error;
  }
}
