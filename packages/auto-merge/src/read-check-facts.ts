import type { Logger } from '@reletan/core';
import type { Octokit } from '@reletan/github';
import { gitHubMessage } from '@reletan/github';
import { ruleRequirement } from './explain-block.js';
import type { CheckFacts } from './types.js';

export interface CheckFactsTarget {
  owner: string;
  repo: string;
  /** The PR's base branch, whose protection and rules apply. */
  baseRef: string;
  /** The head sha whose statuses and check runs count. */
  sha: string;
}

interface BranchRule {
  type: string;
  parameters?: Record<string, unknown>;
}

/**
 * Reads what the API shows a plain token about why a PR is blocked or unstable: the base branch's rules
 * (rulesets, readable with read access), its protection summary (GET branch), and the head sha's combined
 * status and check runs. Each read is best effort: what cannot be read is listed in `unreadable`, never fatal,
 * because the explanation must not turn a "not ready" outcome into a failure.
 */
export async function readCheckFacts(
  github: Octokit,
  target: CheckFactsTarget,
  logger?: Logger,
): Promise<CheckFacts> {
  const { owner, repo, baseRef, sha } = target;
  const unreadable: string[] = [];
  const attempt = async <T>(what: string, read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (error) {
      logger?.debug(`could not read ${what}: ${gitHubMessage(error)}`);
      unreadable.push(what);
      return undefined;
    }
  };

  const [rules, branch, combined, checkRuns] = await Promise.all([
    attempt(
      `the rules of ${baseRef}`,
      async () =>
        (await github.paginate(github.rest.repos.getBranchRules, {
          owner,
          repo,
          branch: baseRef,
          per_page: 100,
        })) as BranchRule[],
    ),
    attempt(`the protection of ${baseRef}`, async () => {
      const { data } = await github.rest.repos.getBranch({ owner, repo, branch: baseRef });
      return data;
    }),
    attempt('commit statuses', async () => {
      const { data } = await github.rest.repos.getCombinedStatusForRef({
        owner,
        repo,
        ref: sha,
        per_page: 100,
      });
      return data.statuses;
    }),
    attempt('check runs', () =>
      github.paginate(github.rest.checks.listForRef, { owner, repo, ref: sha, per_page: 100 }),
    ),
  ]);

  const requiredChecks = new Set<string>();
  let requiredApprovingReviews: number | undefined;
  const otherRequirements: string[] = [];
  if (rules) {
    for (const rule of rules) {
      const parameters = rule.parameters ?? {};
      if (rule.type === 'required_status_checks' && Array.isArray(parameters.required_status_checks)) {
        for (const check of parameters.required_status_checks as { context?: unknown }[]) {
          if (typeof check.context === 'string') requiredChecks.add(check.context);
        }
      }
      if (rule.type === 'pull_request' && typeof parameters.required_approving_review_count === 'number') {
        requiredApprovingReviews = Math.max(
          requiredApprovingReviews ?? 0,
          parameters.required_approving_review_count,
        );
      }
      for (const requirement of ruleRequirement(rule)) {
        if (!otherRequirements.includes(requirement)) otherRequirements.push(requirement);
      }
    }
  }
  if (branch) {
    const protection = branch.protection?.required_status_checks;
    for (const context of protection?.contexts ?? []) requiredChecks.add(context);
    for (const check of protection?.checks ?? []) requiredChecks.add(check.context);
    if (typeof branch.required_approving_review_count === 'number') {
      requiredApprovingReviews = Math.max(
        requiredApprovingReviews ?? 0,
        branch.required_approving_review_count,
      );
    }
  }

  return {
    requiredChecks: [...requiredChecks],
    allRequiredChecksKnown: rules !== undefined && branch !== undefined,
    ...(requiredApprovingReviews ? { requiredApprovingReviews } : {}),
    otherRequirements,
    statuses: (combined ?? []).map((status) => ({ context: status.context, state: status.state })),
    checkRuns: (checkRuns ?? []).map((run) => ({
      name: run.name,
      status: run.status,
      conclusion: run.conclusion ?? null,
    })),
    unreadable,
  };
}
