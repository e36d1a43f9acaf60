import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '@reletan/core';
import { TEMP_PREFIX } from './working-tree.js';

/** Bumped whenever the same inputs would give other bytes (entry layout, modes, time, stored types). */
export const BUNDLE_FORMAT_VERSION = 1;

/** What the cache keeps beside each zip, so a hit answers without reading the zip's entries. */
export interface CachedBundleFacts {
  sha256: string;
  bytes: number;
  entries: number;
  uncompressedBytes: number;
}

/** A stable hash of the inputs: the same tree, extra files and settings give the same key. */
export function bundleCacheKey(inputs: Record<string, unknown>): string {
  return createHash('sha256').update(stableJson(inputs)).digest('hex').slice(0, 40);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function cachedZipPath(cacheDir: string, key: string): string {
  return path.join(cacheDir, `${key}.zip`);
}

function factsPath(cacheDir: string, key: string): string {
  return path.join(cacheDir, `${key}.json`);
}

/**
 * The cached bundle for `key`, checked against its recorded size and SHA-256 (a zip cut short by a crash
 * or changed by hand is not reused, and is removed); undefined when there is none.
 */
export async function findCachedBundle(
  cacheDir: string,
  key: string,
): Promise<CachedBundleFacts | undefined> {
  const zip = cachedZipPath(cacheDir, key);
  let facts: CachedBundleFacts;
  try {
    facts = JSON.parse(await readFile(factsPath(cacheDir, key), 'utf8')) as CachedBundleFacts;
    const stats = await stat(zip);
    if (stats.size !== facts.bytes || (await sha256OfFile(zip)) !== facts.sha256) throw new Error('changed');
  } catch {
    await removeCached(cacheDir, key);
    return undefined;
  }
  // The cache keeps the most recently used bundles: a hit counts as a use.
  const now = new Date();
  await utimes(zip, now, now).catch(() => {});
  return facts;
}

/** Records the facts of a zip just renamed into the cache (after it, so facts never describe a missing zip). */
export async function recordCachedBundle(
  cacheDir: string,
  key: string,
  facts: CachedBundleFacts,
): Promise<void> {
  await writeFileAtomic(factsPath(cacheDir, key), `${JSON.stringify(facts)}\n`, { mode: 0o600 });
}

/**
 * Keeps the `keep` most recently used bundles and removes the others, with temporary files that a build
 * killed before its cleanup left behind (older than an hour, so a build running now keeps its own).
 */
export async function pruneBundleCache(cacheDir: string, keep: number, now = Date.now()): Promise<void> {
  const names = await readdir(cacheDir).catch(() => [] as string[]);
  const zips: { key: string; used: number }[] = [];
  await Promise.all(
    names.map(async (name) => {
      const stats = await stat(path.join(cacheDir, name)).catch(() => undefined);
      if (!stats) return;
      if (name.endsWith('.zip')) zips.push({ key: name.slice(0, -'.zip'.length), used: stats.mtimeMs });
      else if (name.startsWith(TEMP_PREFIX) && now - stats.mtimeMs > 3_600_000) {
        await rm(path.join(cacheDir, name), { force: true });
      }
    }),
  );
  zips.sort((a, b) => b.used - a.used || (a.key < b.key ? -1 : 1));
  await Promise.all(zips.slice(keep).map((zip) => removeCached(cacheDir, zip.key)));
}

async function removeCached(cacheDir: string, key: string): Promise<void> {
  await rm(cachedZipPath(cacheDir, key), { force: true });
  await rm(factsPath(cacheDir, key), { force: true });
}

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
