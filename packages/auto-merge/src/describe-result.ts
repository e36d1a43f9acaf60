import type { AutoMergeResult } from './types.js';

const LABELS: Record<AutoMergeResult['action'], string> = {
  merged: 'merged',
  waiting: 'waiting',
  skipped: 'skipped',
  'updated-branch': 'updated branch',
};

/** The one human line for a result: `merged https://github.com/acme/shop/pull/42: approved by ...`. */
export function describeResult(result: AutoMergeResult): string {
  const writes = result.action === 'merged' || result.action === 'updated-branch';
  const label = result.dryRun && writes ? 'dry run' : LABELS[result.action];
  return `${label} ${result.pr}: ${result.reason}`;
}
