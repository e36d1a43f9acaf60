/** `reletan-ci automerge`: the build's own PR, or `--pr URL|NUMBER` — the same command as `reletan automerge`. */
export { type AutomergeOptions, automerge } from 'reletan/commands/automerge';
