import type { CheckFacts, CheckRunFact, MergeMethod, StatusFact } from './types.js';

type Outcome = 'passed' | 'failed' | 'pending';

const PASSING_CONCLUSIONS = new Set(['success', 'neutral', 'skipped']);
const SEVERITY: Record<Outcome, number> = { passed: 0, pending: 1, failed: 2 };
const MAX_NAMES = 8;

function statusOutcome(status: StatusFact): Outcome {
  if (status.state === 'success') return 'passed';
  if (status.state === 'failure' || status.state === 'error') return 'failed';
  return 'pending';
}

function checkRunOutcome(run: CheckRunFact): Outcome {
  if (run.status !== 'completed') return 'pending';
  return run.conclusion !== null && PASSING_CONCLUSIONS.has(run.conclusion) ? 'passed' : 'failed';
}

/**
 * Each check's outcome on the head sha, by name. GitHub matches a required check against both commit status
 * contexts and check run names; when one name reports several times, the worst outcome stands.
 */
function outcomesByName(facts: CheckFacts): Map<string, Outcome> {
  const outcomes = new Map<string, Outcome>();
  const record = (name: string, outcome: Outcome) => {
    const previous = outcomes.get(name);
    if (previous === undefined || SEVERITY[outcome] > SEVERITY[previous]) outcomes.set(name, outcome);
  };
  for (const status of facts.statuses) record(status.context, statusOutcome(status));
  for (const run of facts.checkRuns) record(run.name, checkRunOutcome(run));
  return outcomes;
}

function names(list: readonly string[]): string {
  const shown = list.slice(0, MAX_NAMES).join(', ');
  return list.length > MAX_NAMES ? `${shown} and ${list.length - MAX_NAMES} more` : shown;
}

function withOutcome(outcomes: Map<string, Outcome>, wanted: Outcome): string[] {
  return [...outcomes].filter(([, outcome]) => outcome === wanted).map(([name]) => name);
}

export interface BlockedContext {
  /** Approvals counted from the reviews (each reviewer's latest decision). */
  approvals: number;
  /** The merge method the policy would use. */
  method: MergeMethod;
}

/**
 * Says what blocks a PR GitHub reports as `blocked`, as precisely as the API shows it to a plain token:
 * required checks that failed, are still running or never reported; approvals the base branch's rules
 * require beyond those given; and rules whose state the API does not expose (code owners, conversations,
 * signed commits, ...). Pure.
 */
export function explainBlocked(facts: CheckFacts, context: BlockedContext): string {
  const outcomes = outcomesByName(facts);
  const parts: string[] = [];
  const failed: string[] = [];
  const pending: string[] = [];
  const missing: string[] = [];
  for (const name of facts.requiredChecks) {
    const outcome = outcomes.get(name);
    if (outcome === 'failed') failed.push(name);
    else if (outcome === 'pending') pending.push(name);
    else if (outcome === undefined) missing.push(name);
  }
  if (failed.length > 0) parts.push(`required checks failed: ${names(failed)}`);
  if (pending.length > 0) parts.push(`required checks still running: ${names(pending)}`);
  if (missing.length > 0) parts.push(`required checks not reported on this commit: ${names(missing)}`);
  if (!facts.allRequiredChecksKnown) {
    // Some requirements could not be read: name the other checks that are not passing, saying so.
    const required = new Set(facts.requiredChecks);
    const others = (outcome: Outcome) => withOutcome(outcomes, outcome).filter((name) => !required.has(name));
    const unseen = ' (this token cannot see whether they are required)';
    const otherFailed = others('failed');
    const otherPending = others('pending');
    const prefix = required.size > 0 ? 'other ' : '';
    if (otherFailed.length > 0) parts.push(`${prefix}checks failed: ${names(otherFailed)}${unseen}`);
    if (otherPending.length > 0) parts.push(`${prefix}checks still running: ${names(otherPending)}${unseen}`);
  }
  if (facts.requiredApprovingReviews !== undefined && facts.requiredApprovingReviews > context.approvals) {
    parts.push(
      `the base branch requires ${facts.requiredApprovingReviews} approving reviews, it has ${context.approvals}`,
    );
  }
  // Linear history only stands in the way of merge commits; squash and rebase satisfy it.
  const others = facts.otherRequirements.filter((requirement) => requirement !== LINEAR_HISTORY);
  if (context.method === 'merge' && facts.otherRequirements.includes(LINEAR_HISTORY)) {
    parts.push(`the base branch requires linear history, which a merge commit breaks (use squash or rebase)`);
  }
  if (others.length > 0) {
    parts.push(
      `${parts.length > 0 ? 'the base branch also requires' : "the base branch's rules require"} ${others.join(', ')}`,
    );
  }
  if (parts.length === 0) {
    parts.push(
      "the API shows no failing check or missing approval; branch protection this token cannot read (admin only) may require more, e.g. a code owner's review",
    );
  }
  const gaps = facts.unreadable.length > 0 ? ` (could not read ${facts.unreadable.join(', ')})` : '';
  return `blocked: ${parts.join('; ')}${gaps}`;
}

/** Says which checks fail on an `unstable` PR (GitHub: "mergeable with non-passing commit status"). Pure. */
export function explainUnstable(facts: CheckFacts): string {
  return unstableReason(withOutcome(outcomesByName(facts), 'failed'));
}

/** Why an `unstable` PR waits, naming the failing checks when they are known. */
export function unstableReason(failing: readonly string[]): string {
  const which = failing.length > 0 ? `: ${names(failing)}` : '';
  return `checks that are not required are failing${which} (automerge.allowUnstable is off)`;
}

/** The text {@link ruleRequirement} gives the `required_linear_history` rule. */
export const LINEAR_HISTORY = 'linear history';

/**
 * What a branch rule (GET /repos/{owner}/{repo}/rules/branches/{branch}) requires that the API does not
 * report the state of, in words; none for rules that cannot block a merge or whose state is read elsewhere
 * (required approvals and status checks).
 */
export function ruleRequirement(rule: { type: string; parameters?: Record<string, unknown> }): string[] {
  const parameters = rule.parameters ?? {};
  switch (rule.type) {
    case 'pull_request': {
      const found: string[] = [];
      if (parameters.require_code_owner_review === true) found.push("a code owner's approval");
      if (parameters.required_review_thread_resolution === true)
        found.push('all review conversations resolved');
      if (parameters.require_last_push_approval === true) {
        found.push('approval of the last push by someone other than its author');
      }
      return found;
    }
    case 'required_signatures':
      return ['signed commits'];
    case 'required_linear_history':
      return [LINEAR_HISTORY];
    case 'merge_queue':
      return ['merging through the merge queue'];
    case 'required_deployments': {
      const environments = parameters.required_deployment_environments;
      return [
        Array.isArray(environments) && environments.length > 0
          ? `successful deployments to ${environments.join(', ')}`
          : 'successful deployments',
      ];
    }
    case 'code_scanning':
      return ['code scanning results'];
    case 'workflows':
      return ['required workflows passing'];
    default:
      return [];
  }
}
