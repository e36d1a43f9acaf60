import { usageError } from '@reletan/core/errors';

/** The value of a `--timeout <ms>` option: a whole number of milliseconds, 1 to `max`; a usage error otherwise. */
export function parseTimeout(value: string | undefined, defaultMs = 2_000, max = 60_000): number {
  if (value === undefined) return defaultMs;
  const timeout = Number(value);
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > max) {
    throw usageError(
      'OPTION_INVALID',
      `--timeout must be a whole number of milliseconds (1 to ${max}), got "${value}"`,
      { input: { key: '--timeout' } },
    );
  }
  return timeout;
}
