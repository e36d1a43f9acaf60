export {
  type CiContext,
  type CiProvider,
  type CiPullRequest,
  type DetectCiContextOptions,
  detectCiContext,
  requirePullRequest,
} from './ci-context.js';
export {
  type ErrorInput,
  type ErrorKind,
  ExitCode,
  errorToJson,
  exitCodeFor,
  formatError,
  isReletanError,
  ReletanError,
  type ReletanErrorOptions,
  usageError,
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
  createLogger,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  type OutputStream,
  shouldUseColor,
} from './logger.js';
export { REDACTED, Redactor } from './redactor.js';
export { matchRefPattern, refPatternProblem } from './ref-pattern.js';
export { closestMatch } from './suggest.js';
export { escapeRegExp } from './text.js';
