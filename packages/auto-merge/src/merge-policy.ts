import { type AutomergeConfig, type ReletanConfigInput, validateConfig } from '@reletan/config';
import type { MergePolicy } from './types.js';

/**
 * A policy from a partial `automerge` section (as a library user writes it), with the config's defaults
 * and validation: method `merge`, 1 approval, skip label `automerge:skip`, everything else off.
 * Throws a `CONFIG_INVALID` usage error naming the bad key.
 */
export function resolveMergePolicy(input: ReletanConfigInput['automerge'] = {}): MergePolicy {
  const policy: AutomergeConfig = validateConfig({ automerge: input }).automerge;
  return policy;
}
