import { classifyAwsError } from '@reletan/aws';
import { type Clock, type Logger, ReletanError } from '@reletan/core';
import {
  type ElasticBeanstalkTarget,
  type EnvironmentEvent,
  type EnvironmentState,
  ebFailure,
} from './environments.js';
import type { EnvironmentPoller, WatchUpdate } from './poller.js';

/** The ERROR events that mean a deploy failed (Elastic Beanstalk's own wording). */
export const FAILURE_PATTERNS: readonly RegExp[] = [
  /Failed to deploy application/i,
  /completed, but with errors/i,
  /reverted to the previous (configuration|version)/i,
  /health has been set to RED/i,
  /Failed to deploy (the )?configuration/i,
];

/** What a watch fails with at the deadline: the update is then aborted, outside the watch. */
const TIMEOUT = Symbol('deadline');

/** How long a deployed environment may stay neither healthy nor Red (Grey, Yellow) before it counts as failed. */
export const HEALTH_RECOVERY_MS = 120_000;

export interface RolloutServices {
  target: ElasticBeanstalkTarget;
  poller: EnvironmentPoller;
  clock: Clock;
  signal?: AbortSignal | undefined;
  logger?: Logger | undefined;
}

export interface UpdateEnvironmentOptions {
  environment: string;
  /** The version to run. */
  label: string;
  /** Health colours that count as deployed (`deploy.healthy`). */
  healthy: readonly string[];
  /** When to give up (ms since the epoch): the update is aborted, if it can be, and the rollout fails. */
  deadline: number;
  /** Progress for the step's line ("Updating: 1 of 2 instances on shop-v1.4.0"). */
  progress?: (message: string) => void;
  /** Called once Elastic Beanstalk accepted the update: the environment is changing from here on. */
  onUpdateStarted?: (from: string | undefined) => Promise<void> | void;
}

export interface EnvironmentRolloutResult {
  environment: string;
  label: string;
  /** The version it ran before (the rollback target). */
  from: string | undefined;
  /** It already ran `label`, healthy: nothing was changed. */
  skipped: boolean;
  durationMs: number;
}

/**
 * Puts `label` on one environment and waits until it is deployed: the environment runs the label, is
 * Ready, its health is one of `healthy`, and (enhanced health) every instance reports the label. First
 * waits (bounded by the deadline) for the environment to be Ready, showing why it is not; skips an
 * environment that already runs the label. Fails (exit 1) on Elastic Beanstalk's failure events, on health
 * Red after the update, on a revert, or at the deadline (after aborting the update when it is abortable).
 */
export async function rollOutEnvironment(
  services: RolloutServices,
  options: UpdateEnvironmentOptions,
): Promise<EnvironmentRolloutResult> {
  const { clock } = services;
  const started = clock.now();
  const { environment, label } = options;
  for (let attempt = 1; ; attempt++) {
    const ready = await waitUntilReady(services, options);
    if (ready.versionLabel === label && options.healthy.includes(ready.health)) {
      return {
        environment,
        label,
        from: ready.versionLabel,
        skipped: true,
        durationMs: clock.now() - started,
      };
    }
    const updateRequested = clock.now();
    try {
      const { UpdateEnvironmentCommand } = await import('@aws-sdk/client-elastic-beanstalk');
      await services.target.client.send(
        new UpdateEnvironmentCommand({ EnvironmentName: environment, VersionLabel: label }),
      );
    } catch (error) {
      // Someone started another change between our read and our update: wait for it, then try again.
      if (attempt < 3 && /invalid state for this operation/i.test(classifyAwsError(error).message)) continue;
      throw ebFailure(error, `updating ${environment} to ${label}`, 'EB_UPDATE_FAILED');
    }
    await options.onUpdateStarted?.(ready.versionLabel);
    options.progress?.(`updating from ${ready.versionLabel ?? 'no version'}`);
    await watchDeployment(services, options, updateRequested);
    return {
      environment,
      label,
      from: ready.versionLabel,
      skipped: false,
      durationMs: clock.now() - started,
    };
  }
}

/** Waits until `environment` is Ready, saying why not (another deploy, a configuration change…). */
async function waitUntilReady(
  services: RolloutServices,
  options: Pick<UpdateEnvironmentOptions, 'environment' | 'deadline' | 'progress'>,
): Promise<EnvironmentState> {
  let said: string | undefined;
  return services.poller.watch<EnvironmentState>({
    environment: options.environment,
    check: ({ state, now }) => {
      if (state.status === 'Ready') return { done: true, value: state };
      if (now >= options.deadline) {
        return {
          done: false,
          failed: new ReletanError({
            code: 'EB_ENVIRONMENT_BUSY',
            message: `${options.environment} stayed ${state.status} until the deploy's deadline; nothing was changed on it`,
            input: { path: 'deploy.timeoutMinutes' },
            hint: 'see what is changing it in the Elastic Beanstalk console (events), then deploy again',
          }),
        };
      }
      const why = `${options.environment} is ${state.status}${state.abortable ? ' (an update is in progress)' : ''}: waiting for it to be Ready`;
      if (why !== said) {
        services.logger?.info(why);
        said = why;
      }
      options.progress?.(`waiting: ${state.status}`);
      return { done: false, reason: why };
    },
  });
}

/** Watches an update until it is deployed, or fails; aborts it at the deadline. */
async function watchDeployment(
  services: RolloutServices,
  options: UpdateEnvironmentOptions,
  since: number,
): Promise<void> {
  const { environment, label, healthy } = options;
  const errors: EnvironmentEvent[] = [];
  let deployedAt: number | undefined;
  let timedOut: EnvironmentState | undefined;
  try {
    await services.poller.watch<void>({
      environment,
      since,
      check: (update: WatchUpdate) => {
        const { state, now } = update;
        const fail = (message: string) => ({
          done: false as const,
          failed: deployFailed(environment, label, state, errors, message),
        });
        for (const event of update.events) {
          if (event.severity === 'ERROR' || event.severity === 'FATAL') errors.push(event);
        }
        const failedEvent = errors.find((event) =>
          FAILURE_PATTERNS.some((pattern) => pattern.test(event.message)),
        );
        if (failedEvent && state.status === 'Ready') {
          return fail('Elastic Beanstalk reported the deploy failed');
        }
        if (now >= options.deadline) {
          timedOut = state;
          return { done: false, failed: TIMEOUT };
        }
        if (state.status !== 'Ready') {
          options.progress?.(`${state.status}${state.health ? `, health ${state.health}` : ''}`);
          return { done: false };
        }
        if (state.versionLabel !== label) {
          return fail(
            `${environment} is Ready on ${state.versionLabel ?? 'no version'}, not ${label} (Elastic Beanstalk reverted the update)`,
          );
        }
        deployedAt ??= now;
        if (state.health === 'Red') return fail(`${environment} runs ${label}, but its health is Red`);
        if (!healthy.includes(state.health)) {
          if (now - deployedAt > HEALTH_RECOVERY_MS) {
            return fail(
              `${environment} runs ${label}, but its health stayed ${state.health} for ${Math.round(HEALTH_RECOVERY_MS / 60_000)} minutes (wanted ${healthy.join(' or ')})`,
            );
          }
          options.progress?.(`deployed; health ${state.health}, waiting for ${healthy.join(' or ')}`);
          return { done: false };
        }
        const instances = update.instanceVersions;
        if (instances === undefined && state.healthStatus !== undefined)
          return { done: false, needInstances: true };
        const behind = (instances ?? []).filter((version) => version !== label).length;
        if (behind > 0) {
          options.progress?.(
            `${(instances ?? []).length - behind} of ${(instances ?? []).length} instances on ${label}`,
          );
          return { done: false, needInstances: true };
        }
        return { done: true, value: undefined };
      },
    });
  } catch (error) {
    if (error !== TIMEOUT) throw error;
    const abortable = timedOut?.abortable === true;
    if (abortable) await abortUpdate(services, environment);
    throw new ReletanError({
      code: 'EB_DEPLOY_TIMEOUT',
      message: `${environment} did not finish deploying ${label} by the deadline${abortable ? '; its update was aborted' : ''} (status ${timedOut?.status}, health ${timedOut?.health})`,
      input: { path: 'deploy.timeoutMinutes' },
      details: errors.map(formatEvent),
      hint: "look at the environment's events and logs; raise deploy.timeoutMinutes if deploys are simply slow",
    });
  }
}

/** `AbortEnvironmentUpdate`: stops an update in progress; Elastic Beanstalk returns to the previous version. */
export async function abortUpdate(
  services: Pick<RolloutServices, 'target' | 'logger'>,
  environment: string,
): Promise<void> {
  const { AbortEnvironmentUpdateCommand } = await import('@aws-sdk/client-elastic-beanstalk');
  try {
    await services.target.client.send(new AbortEnvironmentUpdateCommand({ EnvironmentName: environment }));
    services.logger?.warn(`aborted the update of ${environment}`);
  } catch (error) {
    throw ebFailure(error, `aborting the update of ${environment}`, 'EB_ABORT_FAILED');
  }
}

export function formatEvent(event: EnvironmentEvent): string {
  return `${new Date(event.date).toISOString()} ${event.environment ?? ''} ${event.severity}: ${event.message}`.trim();
}

function deployFailed(
  environment: string,
  label: string,
  state: EnvironmentState,
  errors: readonly EnvironmentEvent[],
  why: string,
): ReletanError {
  return new ReletanError({
    code: 'EB_DEPLOY_FAILED',
    message: `deploying ${label} to ${environment} failed: ${why}`,
    details: [
      `now: ${state.status}, health ${state.health}${state.healthStatus ? ` (${state.healthStatus})` : ''}, version ${state.versionLabel ?? 'none'}`,
      ...errors.map(formatEvent),
    ],
    hint: "look at the failing events above and the environment's logs (eb logs, or the console's Logs page)",
  });
}
