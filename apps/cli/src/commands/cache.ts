import {
  collectCacheStats,
  decideFlush,
  flushServers,
  readRolloutStatus,
  requireStageCache,
  resolveCachePrefix,
  type ServerStats,
} from '@reletan/cache-coordinator';
import type { AppContext } from '@reletan/cli-kit';
import { createGitRunner, ReletanError, usageError } from '@reletan/core';

interface TimeoutOption {
  timeout?: string;
}

/** `reletan cache prefix STAGE [--release ID]`: the prefix on stdout, how it was derived on stderr. */
export async function printCachePrefix(
  context: AppContext,
  stage: string,
  options: { release?: string },
): Promise<number> {
  const { config, root } = await context.loadConfig({ required: true });
  const result = await resolveCachePrefix({
    config,
    stage,
    ...(options.release === undefined ? {} : { release: options.release }),
    git: createGitRunner({ cwd: root, env: context.env }),
  });
  const derivation =
    result.strategy === 'release'
      ? `release ${result.release?.release} (${describeReleaseSource(result.release?.source)})`
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
      release: result.release?.release ?? null,
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
 * `--force`. The rollouts listed on the servers survive the flush.
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
  context.logger.progress(`checking for rollouts in progress on ${servers.length} memcached server(s)`);
  const status = await readRolloutStatus(servers, { timeoutMs });
  const decision = decideFlush(status, { force: options.force ?? false });
  if (!decision.allowed) {
    throw new ReletanError({
      code: decision.code,
      message: decision.message,
      input: { path: `stages.${stage}.cache` },
      hint: decision.hint,
      details: status.servers
        .filter((server) => !server.reachable)
        .map((server) => `${server.server}: ${server.error ?? 'did not answer'}`),
    });
  }
  if (decision.warning) context.logger.warn(decision.warning);

  if (options.dryRun) {
    context.logger.result(
      {
        dryRun: true,
        stage,
        servers,
        rolloutInProgress: status.inProgress,
        rollouts: status.rollouts,
      },
      [
        `would flush ${servers.length} memcached server(s) of stage ${stage}:`,
        ...servers.map((s) => `  ${s}`),
      ].join('\n'),
    );
    return 0;
  }

  context.logger.progress(`flushing ${servers.length} memcached server(s)`);
  const results = await flushServers(servers, { timeoutMs });
  const failed = results.filter((result) => !result.flushed);
  if (failed.length > 0) {
    throw new ReletanError({
      code: 'CACHE_FLUSH_INCOMPLETE',
      message: `flushed ${results.length - failed.length} of ${results.length} memcached server(s) of stage ${stage}`,
      details: results.map((result) =>
        result.flushed ? `${result.server}: flushed` : `${result.server}: ${result.error ?? 'not flushed'}`,
      ),
      hint: 'a server that did not answer may or may not have been flushed; run the flush again once it answers',
    });
  }
  for (const result of results) {
    if (result.error) context.logger.warn(`${result.server}: ${result.error}`);
  }
  context.logger.result(
    { dryRun: false, stage, flushed: results },
    results.map((result) => `✓ flushed ${result.server}`).join('\n'),
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
