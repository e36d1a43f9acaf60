import type { RepositoryRef } from '@reletan/core';
import { asGitHubFailure, isAlreadyExists } from '@reletan/github';
import type { RepositoryClient } from './github-access.js';

export interface CreateGitHubReleaseOptions {
  repository: Pick<RepositoryRef, 'owner' | 'name'>;
  tag: string;
  name: string;
  /** The release notes, as Markdown. */
  body: string;
  /** @default false */
  prerelease?: boolean;
  /** The run's GitHub client (see `resolveGitHubTarget`). */
  github: RepositoryClient;
}

export interface GitHubReleaseResult {
  /** False when the release already existed (a rerun of a finish that had created it). */
  created: boolean;
  url?: string;
}

/** Creates the GitHub Release of a pushed tag (`POST /repos/{owner}/{repo}/releases`). */
export async function createGitHubRelease(options: CreateGitHubReleaseOptions): Promise<GitHubReleaseResult> {
  const github = await options.github();
  const { owner, name: repo } = options.repository;
  try {
    const response = await github.rest.repos.createRelease({
      owner,
      repo,
      tag_name: options.tag,
      name: options.name,
      body: options.body,
      draft: false,
      prerelease: options.prerelease ?? false,
    });
    return { created: true, url: response.data.html_url };
  } catch (error) {
    if (isAlreadyExists(error)) return { created: false };
    throw asGitHubFailure(
      error,
      `creating the GitHub release ${options.tag} in ${owner}/${repo}`,
      `https://github.com/${owner}/${repo}/releases`,
      {
        code: 'GITHUB_RELEASE_FAILED',
        hint: 'the tag is pushed: fix the cause, then finish again to create the release',
      },
    );
  }
}
