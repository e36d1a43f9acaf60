/** `reletan automerge <pr>`: a PR URL, or a number in the config's or git origin's repository. */
export {
  type AutomergeCommandOptions as AutomergeOptions,
  automergeCommand as automerge,
} from '@reletan/auto-merge';
