export {
  type FinishFlowOptions,
  type FinishFlowResult,
  type FlowConfig,
  type FlowOptions,
  finishFlow,
  type StartFlowOptions,
  type StartFlowResult,
  startFlow,
} from './flow.js';
export {
  type FinishFacts,
  type FinishPlan,
  type FlowKind,
  planFinish,
  planStart,
  type StartFacts,
  type StartPlan,
} from './flow-plan.js';
export type { GitHubAccess } from './github-access.js';
export {
  fetchPullRequestDetails,
  PULL_REQUESTS_PER_QUERY,
  type PullRequestDetails,
} from './github-enrich.js';
export {
  type CreateGitHubReleaseOptions,
  createGitHubRelease,
  type GitHubReleaseResult,
} from './github-release.js';
export {
  lastReleaseReachableFrom,
  notesTitle,
  type ReleaseNotes,
  type ReleaseNotesOptions,
  type ReleaseNotesPullRequest,
  readPullRequestCommits,
  releaseNotes,
} from './notes.js';
export {
  type FormatNotesOptions,
  formatMarkdown,
  formatSlack,
  groupPullRequests,
  type NotesSection,
} from './notes-format.js';
export { describeStep, type FlowStep } from './operations.js';
export {
  isExcludedAuthor,
  type LogCommit,
  type PullRequestCommit,
  parsePullRequestCommit,
} from './pull-request-commit.js';
export { type PostToSlackOptions, postToSlack } from './slack.js';
export {
  bumpVersion,
  latestRelease,
  parseReleaseTag,
  type ReleaseTag,
  resolveVersion,
  type VersionBump,
} from './versions.js';
