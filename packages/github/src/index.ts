export { type CreateGitHubAccessOptions, createGitHubAccess, type GitHubAccess } from './access.js';
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
export {
  asGitHubFailure,
  gitHubFailure,
  gitHubMessage,
  isAlreadyExists,
  isRequestError,
  statusOf,
  validationErrors,
} from './errors.js';
