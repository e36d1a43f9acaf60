export {
  type BuildSourceBundleOptions,
  type BundleExtraFile,
  type BundleHooks,
  buildSourceBundle,
  DEFAULT_CACHE_KEEP,
  DEFAULT_COMPRESSION_LEVEL,
  generateHookFiles,
  SOURCE_BUNDLE_MAX_BYTES,
  type SourceBundle,
} from './bundle/index.js';
export { type AbortStageResult, abortStage } from './deploy/abort.js';
export {
  type DeployedEnvironment,
  type DeployStageOptions,
  type DeployStageResult,
  deployStage,
} from './deploy/deploy.js';
export {
  type BundleOutput,
  DEPLOY_STEP,
  type DeployFacts,
  type DeployServices,
  orderEnvironments,
  planElasticBeanstalkDeploy,
  planRollback,
} from './deploy/plan.js';
export {
  type RollbackStageOptions,
  type RollbackStageResult,
  rollbackStage,
} from './deploy/rollback-stage.js';
export { type BuildStageBundleOptions, buildStageBundle } from './deploy/stage-bundle.js';
export {
  type LockHolderOptions,
  lockHolderOf,
  requireElasticBeanstalk,
  type StageTarget,
  stageTarget,
  stateLocation,
} from './deploy/stage-target.js';
export { type EnvironmentStatus, readStageStatus, type StageStatus } from './deploy/status.js';
export { unlockStage } from './deploy/unlock.js';
export { type StageVersion, type StageVersionsResult, stageVersions } from './deploy/versions-stage.js';
export type { EnvironmentEvent, EnvironmentState } from './eb/environments.js';
export { EnvironmentPoller, type PollerOptions, type PollerStats } from './eb/poller.js';
export { type EnvironmentRolloutResult, FAILURE_PATTERNS, rollOutEnvironment } from './eb/rollout.js';
export {
  bundleKey,
  choosePrunable,
  type EnsureVersionOptions,
  type EnsureVersionResult,
  ensureApplicationVersion,
  versionLabel,
} from './eb/versions.js';
export {
  type DeployBucket,
  type ResolveDeployBucketOptions,
  resolveDeployBucket,
} from './s3/deploy-bucket.js';
export {
  type AcquireDeployLockOptions,
  acquireDeployLock,
  DEFAULT_LOCK_TTL_SECONDS,
  type DeployLock,
  type DeployLockInfo,
  type DeployLockLocation,
  type DeployLockRelease,
  deployLockKey,
  describeLockHolder,
  type ForceUnlockResult,
  forceUnlock,
  isDeployLockExpired,
  readDeployLock,
} from './s3/deploy-lock.js';
export { type DeployLockKeeper, type KeepDeployLockOptions, keepDeployLock } from './s3/keep-deploy-lock.js';
export { createS3JournalStore, type S3JournalStoreOptions } from './s3/s3-journal-store.js';
export {
  BUNDLE_SHA256_METADATA,
  type UploadBundleOptions,
  type UploadBundleResult,
  uploadBundle,
} from './s3/upload-bundle.js';
