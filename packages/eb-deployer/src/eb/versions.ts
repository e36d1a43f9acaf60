import {
  type Clock,
  type Logger,
  type ReleaseIdentity,
  ReletanError,
  systemClock,
  waitUntil,
} from '@reletan/core';
import { type ElasticBeanstalkTarget, ebFailure } from './environments.js';

/** Elastic Beanstalk's limit on a version label's length. */
const LABEL_MAX = 100;

/**
 * The version label of a bundle: `<app>-<version or short sha>-<first 8 of the bundle's sha256>`, e.g.
 * `shop-1.4.0-9f2c1a7e`. The same commit and config give the same bundle, so the same label; a different
 * bundle for the same release gets a different one.
 */
export function versionLabel(options: {
  application: string;
  release: ReleaseIdentity;
  bundleSha256: string;
}): string {
  const { release } = options;
  const name = release.version ?? release.shortSha ?? release.id;
  const label = `${options.application}-${name}-${options.bundleSha256.slice(0, 8)}`.replace(
    /[^A-Za-z0-9._+-]/g,
    '-',
  );
  return label.length <= LABEL_MAX
    ? label
    : `${label.slice(0, LABEL_MAX - 9)}-${options.bundleSha256.slice(0, 8)}`;
}

/** The S3 key of a version's bundle: `<app>/<label>.zip`. */
export function bundleKey(application: string, label: string): string {
  return `${application}/${label}.zip`;
}

/** What a version's description records: the bundle's hash, so a rerun can tell it is the same bundle. */
export function versionDescription(options: { sha256: string; release: ReleaseIdentity }): string {
  const commit = options.release.sha ? ` commit ${options.release.sha.slice(0, 12)}` : '';
  return `reletan sha256:${options.sha256} release ${options.release.id}${commit}`.slice(0, 200);
}

export interface ApplicationVersionInfo {
  label: string;
  createdAt: number;
}

/**
 * Which of an application's versions to delete so one more fits under the quota: the oldest first, never
 * one an environment runs, never one of the newest `keep`. Pure. Returns fewer than `needed` when that is
 * all the rules allow.
 */
export function choosePrunable(options: {
  versions: readonly ApplicationVersionInfo[];
  inUse: ReadonlySet<string>;
  keep: number;
  needed: number;
}): string[] {
  if (options.needed <= 0) return [];
  const newestFirst = [...options.versions].sort(
    (a, b) => b.createdAt - a.createdAt || (a.label < b.label ? 1 : -1),
  );
  const protectedLabels = new Set(newestFirst.slice(0, options.keep).map((version) => version.label));
  return newestFirst
    .reverse()
    .filter((version) => !protectedLabels.has(version.label) && !options.inUse.has(version.label))
    .slice(0, options.needed)
    .map((version) => version.label);
}

export interface EnsureVersionOptions {
  target: ElasticBeanstalkTarget;
  label: string;
  bucket: string;
  key: string;
  sha256: string;
  description: string;
  /** `deploy.keepVersions`: the newest versions never deleted to make room. */
  keepVersions: number;
  /** `deploy.process`: Elastic Beanstalk validates the bundle; wait for it. */
  process: boolean;
  logger?: Logger | undefined;
  clock?: Clock | undefined;
  signal?: AbortSignal | undefined;
}

export interface EnsureVersionResult {
  label: string;
  /** False when the version existed with this bundle (a rerun): it is reused. */
  created: boolean;
  /** Versions deleted to stay under the account's quota. */
  pruned: string[];
}

/**
 * The application version of a bundle, idempotently: reused when the label exists with the same bundle,
 * an error when it exists with another; otherwise created, after deleting this application's oldest unused
 * versions when one more would exceed the account's quota (Elastic Beanstalk's lifecycle policy cannot help
 * once the quota is reached: creating the version is what fails).
 */
export async function ensureApplicationVersion(options: EnsureVersionOptions): Promise<EnsureVersionResult> {
  const sdk = await import('@aws-sdk/client-elastic-beanstalk');
  const { target, label } = options;
  const send = async <T>(doing: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw ebFailure(error, doing, 'EB_VERSION_FAILED');
    }
  };
  const existing = await send(`reading the version ${label}`, () =>
    target.client.send(
      new sdk.DescribeApplicationVersionsCommand({
        ApplicationName: target.application,
        VersionLabels: [label],
      }),
    ),
  );
  const found = existing.ApplicationVersions?.[0];
  if (found) {
    const same =
      found.SourceBundle?.S3Bucket === options.bucket &&
      found.SourceBundle?.S3Key === options.key &&
      (found.Description ?? '').includes(`sha256:${options.sha256}`);
    if (!same) {
      throw new ReletanError({
        code: 'EB_VERSION_CONFLICT',
        message: `application version ${label} of ${target.application} exists with another bundle (s3://${found.SourceBundle?.S3Bucket}/${found.SourceBundle?.S3Key}: ${found.Description ?? 'no description'})`,
        hint: 'a label names one bundle: build from a commit whose bundle is new, or delete that version if it was never deployed',
      });
    }
    options.logger?.debug(`application version ${label} exists with this bundle: reused`);
    return { label, created: false, pruned: [] };
  }

  const pruned = await makeRoomForOneVersion(options, sdk, send);
  await send(`creating the application version ${label}`, () =>
    target.client.send(
      new sdk.CreateApplicationVersionCommand({
        ApplicationName: target.application,
        VersionLabel: label,
        Description: options.description,
        SourceBundle: { S3Bucket: options.bucket, S3Key: options.key },
        Process: options.process,
      }),
    ),
  );
  if (options.process) await waitUntilProcessed(options, sdk);
  return { label, created: true, pruned };
}

type Sdk = typeof import('@aws-sdk/client-elastic-beanstalk');
type Send = <T>(doing: string, run: () => Promise<T>) => Promise<T>;

/** Deletes this application's oldest unused versions while one more would exceed the account's quota. */
async function makeRoomForOneVersion(options: EnsureVersionOptions, sdk: Sdk, send: Send): Promise<string[]> {
  const { target } = options;
  const attributes = await send('reading the account quota', () =>
    target.client.send(new sdk.DescribeAccountAttributesCommand({})),
  );
  const quota = attributes.ResourceQuotas?.ApplicationVersionQuota?.Maximum;
  if (quota === undefined) return [];
  const all = await listVersions(target, sdk, send);
  const needed = all.length + 1 - quota;
  if (needed <= 0) return [];
  const environments = await send(`reading the environments of ${target.application}`, () =>
    target.client.send(
      new sdk.DescribeEnvironmentsCommand({ ApplicationName: target.application, IncludeDeleted: false }),
    ),
  );
  const inUse = new Set(
    (environments.Environments ?? []).flatMap((environment) =>
      environment.VersionLabel ? [environment.VersionLabel] : [],
    ),
  );
  const ours = all.filter((version) => version.application === target.application);
  const prunable = choosePrunable({ versions: ours, inUse, keep: options.keepVersions, needed });
  for (const label of prunable) {
    await send(`deleting the old application version ${label}`, () =>
      target.client.send(
        new sdk.DeleteApplicationVersionCommand({
          ApplicationName: target.application,
          VersionLabel: label,
          DeleteSourceBundle: true,
        }),
      ),
    );
    options.logger?.info(`deleted application version ${label} (the account's quota is ${quota} versions)`);
  }
  if (prunable.length < needed) {
    throw new ReletanError({
      code: 'EB_VERSION_QUOTA',
      message: `the account has ${all.length} application versions of its quota of ${quota}, and ${target.application} has too few unused ones beyond the newest ${options.keepVersions} to make room`,
      input: { path: 'deploy.keepVersions' },
      hint: "lower deploy.keepVersions, delete other applications' old versions, or ask AWS for a higher application version quota",
    });
  }
  return prunable;
}

/** Every application version in the account and region (the quota counts them all), paginated. */
async function listVersions(
  target: ElasticBeanstalkTarget,
  sdk: Sdk,
  send: Send,
): Promise<(ApplicationVersionInfo & { application: string })[]> {
  const versions: (ApplicationVersionInfo & { application: string })[] = [];
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await send('listing the application versions', () =>
      target.client.send(
        new sdk.DescribeApplicationVersionsCommand({
          MaxRecords: 1000,
          ...(token ? { NextToken: token } : {}),
        }),
      ),
    );
    for (const version of page.ApplicationVersions ?? []) {
      if (!version.VersionLabel) continue;
      versions.push({
        application: version.ApplicationName ?? '',
        label: version.VersionLabel,
        createdAt: version.DateCreated?.getTime() ?? 0,
      });
    }
    nextToken = page.NextToken || undefined;
  } while (nextToken !== undefined);
  return versions;
}

/** `Process=true`: Elastic Beanstalk validates the bundle; the version is usable once `Processed`. */
async function waitUntilProcessed(options: EnsureVersionOptions, sdk: Sdk): Promise<void> {
  const { target, label } = options;
  const result = await waitUntil<void, string>({
    clock: options.clock ?? systemClock,
    ...(options.signal ? { signal: options.signal } : {}),
    backoff: { initialMs: 2_000, factor: 1.5, maxMs: 15_000, jitter: 0.3 },
    timeoutMs: 10 * 60_000,
    check: async () => {
      const response = await target.client
        .send(
          new sdk.DescribeApplicationVersionsCommand({
            ApplicationName: target.application,
            VersionLabels: [label],
          }),
        )
        .catch((error: unknown) => {
          throw ebFailure(error, `reading the version ${label}`, 'EB_VERSION_FAILED');
        });
      const status = response.ApplicationVersions?.[0]?.Status ?? 'Unknown';
      if (status === 'Processed') return { done: true, value: undefined };
      if (status === 'Failed') {
        throw new ReletanError({
          code: 'EB_VERSION_PROCESSING_FAILED',
          message: `Elastic Beanstalk could not process the bundle of ${label} (status Failed)`,
          hint: 'the bundle is not a valid source bundle for the platform (see the application version in the console); fix it and deploy again',
        });
      }
      return { done: false, state: status, reason: `version ${label} is ${status}` };
    },
    onWait: ({ reason }) => options.logger?.progress(reason ?? `waiting for ${label} to be processed`),
  });
  if (result.status === 'timed-out') {
    throw new ReletanError({
      code: 'EB_VERSION_PROCESSING_TIMEOUT',
      message: `Elastic Beanstalk did not finish processing ${label} in 10 minutes (status ${result.state})`,
      hint: 'look at the application version in the console; deploy again once it is Processed',
    });
  }
}
