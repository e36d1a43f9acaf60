export {
  createGitHubClient,
  type GitHubClientOptions,
  type GitHubToken,
  gitHubApiUrlForHost,
  type Octokit,
  requireGitHubApiUrlForHost,
  resolveGitHubApiUrl,
  resolveGitHubToken,
} from './client.js';
export { asGitHubFailure, gitHubFailure, gitHubMessage, isRequestError, statusOf } from './errors.js';
