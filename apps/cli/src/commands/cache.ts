import {
  type CacheFlushResult,
  collectCacheStats,
  runCacheFlush,
  type ServerStats,
} from '@reletan/cache-coordinator';
import {
  type CachePrefixResult,
  requireStageCache,
  resolveCachePrefix,
} from '@reletan/cache-coordinator/stage';
import type { AppContext } from '@reletan/cli-kit';
import { usageError, withAppHints } from '@reletan/core';

interface TimeoutOption {
  timeout?: string;
}

/**
 * The library advises in words ("force the flush"); these commands say it with their own flags and
 * commands, as they always have.
 */
const CACHE_HINTS = {
  RELEASE_UNKNOWN: 'pass the release id with --release ID',
  CACHE_RELEASE_MISSING: 'pass --release ID, or run where HEAD is a tagged commit of a git repository',
  CACHE_UNREACHABLE: 'check the servers with "reletan cache stats STAGE"',
  CACHE_ROLLOUT_IN_PROGRESS:
    'wait for the rollout to finish (it flushes when its strategy is flush-after-rollout), or pass --force',
  CACHE_SERVER_UNREACHABLE:
    'try again once every server answers ("reletan cache stats STAGE"), or pass --force if it is gone for good',
};

/** `reletan cache prefix STAGE [--release ID]`: the prefix on stdout, how it was derived on stderr. */
export async function printCachePrefix(
  context: AppContext,
  stage: string,
  options: { release?: string },
): Promise<number> {
  const { config, root } = await context.loadConfig({ required: true });
  let result: CachePrefixResult;
  try {
    result = await resolveCachePrefix({
      config,
      stage,
      ...(options.release === undefined ? {} : { release: options.release }),
      git: context.git(root),
    });
  } catch (error) {
    throw withAppHints(error, CACHE_HINTS);
  }
  const derivation =
    result.strategy === 'release'
      ? `release ${result.release?.id} (${describeReleaseSource(result.release?.source)})`
      : result.strategy === 'schema'
        ? `schemaVersion ${result.schemaVersion}`
        : 'the same in every release: the deployer flushes after each rollout';
  context.logger.info(
    `${result.prefixKey} of stage ${stage}: strategy ${result.strategy}, app ${result.app} (${result.appSource}), ${derivation}`,
  );
  context.logger.result(
    {
      stage,
      strategy: result.strategy,
      app: result.app,
      appSource: result.appSource,
      release: result.release?.id ?? null,
      releaseSource: result.release?.source ?? null,
      schemaVersion: result.schemaVersion ?? null,
      prefixKey: result.prefixKey,
      prefix: result.prefix,
      env: result.entry,
    },
    result.prefix,
  );
  return 0;
}

function describeReleaseSource(source: string | undefined): string {
  if (source === 'tag') return 'the tag at HEAD';
  if (source === 'commit') return 'the commit at HEAD: it has no tag';
  return 'given with --release';
}

/** `reletan cache stats STAGE`: every server, up or down, within the timeout; exit 1 when one is down. */
export async function showCacheStats(
  context: AppContext,
  stage: string,
  options: TimeoutOption,
): Promise<number> {
  const { config } = await context.loadConfig({ required: true });
  const { servers } = requireStageCache(config, stage);
  const timeoutMs = parseTimeout(options.timeout);
  context.logger.progress(`asking ${servers.length} memcached server(s) of stage ${stage}`);
  const stats = await collectCacheStats(servers, { timeoutMs });
  const down = stats.filter((server) => !server.up);
  context.logger.result({ stage, servers: stats }, statsTable(stats));
  if (down.length === 0) return 0;
  context.logger.warn(
    `${down.length} of ${stats.length} memcached server(s) of stage ${stage} did not answer`,
  );
  return 1;
}

function statsTable(stats: readonly ServerStats[]): string {
  const headers = ['server', 'state', 'items', 'hit ratio', 'evictions', ''];
  const rows = stats.map((server) =>
    server.up
      ? [
          server.server,
          'up',
          String(server.items ?? '?'),
          server.hitRatio === null || server.hitRatio === undefined
            ? 'no gets'
            : `${(server.hitRatio * 100).toFixed(1)}%`,
          String(server.evictions ?? '?'),
          server.version ? `memcached ${server.version}` : '',
        ]
      : [server.server, 'DOWN', '-', '-', '-', server.error ?? ''],
  );
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] as string).length)),
  );
  const numeric = new Set([2, 3, 4]);
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        numeric.has(column) ? cell.padStart(widths[column] as number) : cell.padEnd(widths[column] as number),
      )
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/**
 * `reletan cache flush STAGE`: empties every key on the stage's servers, refused while a rollout of any
 * app or stage is in progress on them (old instances would refill the cache in the old format) unless
 * `--force`. The rollouts listed on the servers survive the flush. The check, the plan and `--dry-run`
 * are the library's (`runCacheFlush`); this prints them.
 */
export async function flushCache(
  context: AppContext,
  stage: string,
  options: TimeoutOption & { force?: boolean; dryRun?: boolean },
): Promise<number> {
  const { config } = await context.loadConfig({ required: true });
  const { servers } = requireStageCache(config, stage);
  const timeoutMs = parseTimeout(options.timeout);
  context.logger.warn(
    `flush empties every key on ${servers.join(', ')}: every app and every prefix stored there, not only stage ${stage}'s`,
  );
  let result: CacheFlushResult;
  try {
    result = await runCacheFlush(servers, {
      force: options.force ?? false,
      dryRun: options.dryRun ?? false,
      stage,
      input: { path: `stages.${stage}.cache` },
      timeoutMs,
      logger: context.logger,
    });
  } catch (error) {
    throw withAppHints(error, CACHE_HINTS);
  }

  if (result.dryRun) {
    context.logger.result(
      {
        dryRun: true,
        stage,
        servers,
        rolloutInProgress: result.status.inProgress,
        rollouts: result.status.rollouts,
        steps: result.steps,
      },
      [
        `would flush ${servers.length} memcached server(s) of stage ${stage}:`,
        ...servers.map((s) => `  ${s}`),
      ].join('\n'),
    );
    return 0;
  }

  for (const flushed of result.flushed) {
    if (flushed.error) context.logger.warn(`${flushed.server}: ${flushed.error}`);
  }
  context.logger.result(
    { dryRun: false, stage, flushed: result.flushed, steps: result.steps },
    result.flushed.map((flushed) => `✓ flushed ${flushed.server}`).join('\n'),
  );
  return 0;
}

function parseTimeout(value: string | undefined): number {
  if (value === undefined) return 2_000;
  const timeout = Number(value);
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 60_000) {
    throw usageError(
      'OPTION_INVALID',
      `--timeout must be a whole number of milliseconds (1 to 60000), got "${value}"`,
      {
        input: { key: '--timeout' },
      },
    );
  }
  return timeout;
}
