export {
  type AutoMergeOptions,
  type AutoMergeTarget,
  autoMerge,
  type KeepBranches,
  UNKNOWN_MERGEABILITY_DELAYS,
} from './auto-merge.js';
export { type DecideMergeOptions, decideMerge, isFromFork } from './decide-merge.js';
export { describeResult } from './describe-result.js';
export { type BlockedContext, explainBlocked, explainUnstable } from './explain-block.js';
export { type FindPullRequestOptions, findPullRequest } from './find-pull-request.js';
export { resolveMergePolicy } from './merge-policy.js';
export {
  type PullRequestTarget,
  repositoryFromSetting,
  resolvePullRequestInput,
} from './pull-request-input.js';
export { type CheckFactsTarget, readCheckFacts } from './read-check-facts.js';
export { foldReviews } from './review-folding.js';
export {
  type AutomergeWithConfigOptions,
  automergeWithConfig,
  type RunAutoMergeOptions,
  runAutoMerge,
} from './run-auto-merge.js';
export { actionsTokenWarning } from './token-warning.js';
export type {
  AutoMergeResult,
  CheckFacts,
  CheckRunFact,
  MergeDecision,
  MergeMethod,
  MergePolicy,
  PullRequestSnapshot,
  ReviewSnapshot,
  ReviewSummary,
  SkipCode,
  StatusFact,
  WaitCode,
} from './types.js';
