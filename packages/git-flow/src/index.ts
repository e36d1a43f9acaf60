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
export type { FlowKind } from './flow-plan.js';
export type { GitHubReleaseResult } from './github-release.js';
export {
  type ReleaseNotes,
  type ReleaseNotesOptions,
  type ReleaseNotesPullRequest,
  releaseNotes,
} from './notes.js';
export { type FormatNotesOptions, formatMarkdown, formatSlack } from './notes-format.js';
export type { VersionBump } from './versions.js';
