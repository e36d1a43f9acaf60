import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '@reletan/core';

/**
 * Writes a built env file the way files holding secrets are written: to a temporary file in the same
 * directory, then renamed over the target, with mode 0600 (whatever the umask, and whatever mode an
 * earlier file had). A reader sees the old file or the new one, never half of one.
 */
export async function writeEnvFile(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, content, { mode: 0o600 });
}
