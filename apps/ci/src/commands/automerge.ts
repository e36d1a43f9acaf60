/** `reletan-ci automerge`: the build's own PR, or `--pr URL|NUMBER`. */
export {
  type AutomergeCommandOptions as AutomergeOptions,
  automergeCommand as automerge,
} from '@reletan/auto-merge';
