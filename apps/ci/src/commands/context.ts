import type { AppContext } from '@reletan/cli-kit';
import { detectCiContext } from '@reletan/core';

/** `reletan-ci context`: the CI context, as JSON with --json, as aligned lines otherwise. */
export async function printContext(context: AppContext): Promise<number> {
  const ci = await detectCiContext({ env: context.env, cwd: context.cwd, git: context.git() });
  for (const warning of ci.warnings) context.logger.warn(warning);
  const rows: [string, string | null][] = [
    ['provider', ci.provider],
    ['repository', ci.repository ? `${ci.repository.owner}/${ci.repository.name}` : null],
    ['branch', ci.branch],
    ['tag', ci.tag],
    ['sha', ci.sha],
    [
      'pull request',
      ci.pullRequest
        ? ci.pullRequest.url
        : ci.pullRequests.length > 1
          ? `ambiguous: ${ci.pullRequests.join(', ')}`
          : null,
    ],
    ['build', ci.buildUrl],
  ];
  context.logger.result(ci, rows.map(([label, value]) => `${label.padEnd(13)}${value ?? '-'}`).join('\n'));
  return 0;
}
