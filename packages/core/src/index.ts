export {
  type CiContext,
  type CiProvider,
  type CiPullRequest,
  type DetectCiContextOptions,
  detectCiContext,
  requirePullRequest,
} from './ci-context.js';
export {
  type AppHint,
  type ErrorInput,
  type ErrorKind,
  ExitCode,
  errorToJson,
  exitCodeFor,
  formatError,
  type HintAction,
  type HintActionRenderer,
  isReletanError,
  ReletanError,
  type ReletanErrorOptions,
  renderHint,
  usageError,
  withAppHints,
} from './errors.js';
export { displayPath, type WriteFileAtomicOptions, writeFileAtomic } from './fs.js';
export {
  type CreateGitRunnerOptions,
  createGitRunner,
  type GitResult,
  type GitRunner,
  type GitRunOptions,
} from './git.js';
export {
  type PullRequestRef,
  parsePullRequestUrl,
  parseRepositoryUrl,
  type RepositoryRef,
} from './github-url.js';
export {
  createFileJournalStore,
  createMemoryJournalStore,
  type FileJournalStoreOptions,
  type JournalEntry,
  type JournalRecord,
  type JournalStore,
  type OpenRunJournalOptions,
  openRunJournal,
  parseRecord,
  type RunJournal,
} from './journal.js';
export {
  createLogger,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  type OutputStream,
  shouldUseColor,
} from './logger.js';
export {
  describePlan,
  type Plan,
  type PlanReport,
  planReportOf,
  type RunPlanOptions,
  runPlan,
  type Step,
  type StepContext,
  type StepReport,
  type StepRuntime,
} from './plan.js';
export {
  type Backoff,
  type CheckResult,
  type Clock,
  delaySequence,
  interruptedError,
  systemClock,
  throwIfAborted,
  type WaitResult,
  type WaitUntilOptions,
  waitUntil,
} from './poll.js';
export { formatDuration, type StepEvent } from './progress.js';
export { REDACTED, Redactor } from './redactor.js';
export { matchRefPattern, refPatternProblem } from './ref-pattern.js';
export {
  type ReleaseIdentity,
  type ResolveReleaseIdentityOptions,
  resolveReleaseIdentity,
  SHORT_SHA_LENGTH,
} from './release-identity.js';
export { closestMatch } from './suggest.js';
export { escapeRegExp } from './text.js';
