/** One step of a flow, as it is shown by `--dry-run` and in results. */
export type FlowStep =
  | { type: 'git'; args: string[] }
  | { type: 'github-release'; repository: string; tag: string }
  | { type: 'slack'; variable: string };

/** A word as a POSIX shell would need it typed, so printed commands can be pasted. */
function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_/.:@%+=,^-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The line `--dry-run` prints for a step. */
export function describeStep(step: FlowStep): string {
  switch (step.type) {
    case 'git':
      return `git ${step.args.map(shellQuote).join(' ')}`;
    case 'github-release':
      return `POST /repos/${step.repository}/releases (tag_name ${step.tag})`;
    case 'slack':
      return `POST the release notes to the Slack webhook in $${step.variable}`;
  }
}
