import { classifyAwsError, isAwsError } from '@reletan/aws';
import { type Clock, delaySequence, type Logger, systemClock } from '@reletan/core';
import {
  describeEnvironments,
  type ElasticBeanstalkTarget,
  type EnvironmentEvent,
  type EnvironmentState,
  ebFailure,
} from './environments.js';

/** What one tick tells a watcher about its environment. */
export interface WatchUpdate {
  state: EnvironmentState;
  /** The environment's events since the watch began that this tick brought, oldest first. */
  events: readonly EnvironmentEvent[];
  /** The version each instance reports (enhanced health), when the watcher asked for them; undefined with basic health. */
  instanceVersions: readonly (string | undefined)[] | undefined;
  now: number;
}

/** A watcher's verdict on an update: done (with a value), failed, or not yet. */
export type WatchVerdict<T> =
  | { done: true; value: T }
  | { done: false; failed?: undefined; needInstances?: boolean; reason?: string }
  | { done: false; failed: unknown };

export interface WatchOptions<T> {
  environment: string;
  /** Events from this time on are this watcher's. @default now */
  since?: number;
  check(update: WatchUpdate): WatchVerdict<T>;
}

export interface PollerOptions {
  target: ElasticBeanstalkTarget;
  /** @default the system clock */
  clock?: Clock;
  /** Stops every watch (they reject with `INTERRUPTED`). */
  signal?: AbortSignal;
  /** Every new event is logged once (`info`; errors as warnings), and throttling at debug level. */
  logger?: Logger;
  /** The interval after a tick that saw a change. @default 5000 */
  minIntervalMs?: number;
  /** The longest interval, reached when nothing changes for a while. @default 30000 */
  maxIntervalMs?: number;
  /** Jitter's randomness. @default Math.random */
  random?: () => number;
}

interface Watcher {
  options: WatchOptions<unknown>;
  since: number;
  needInstances: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** How many calls the poller made, for `--verbose` and the benchmark (Describe calls per environment-minute). */
export interface PollerStats {
  describeEnvironments: number;
  describeEvents: number;
  describeInstancesHealth: number;
  ticks: number;
  throttled: number;
}

/**
 * One poller for every environment of a run: each tick, one `DescribeEnvironments` for all the watched
 * environments and one `DescribeEvents` for the application since the last event seen (plus
 * `DescribeInstancesHealth` for an environment that looks deployed, to check every instance's version).
 * The interval starts at 5 s after a change and grows to 30 s while nothing changes; `Throttling` doubles
 * it with jitter. So a run stays well under one Describe call per second however many environments it
 * watches, and notices a change within one interval.
 */
export class EnvironmentPoller {
  readonly stats: PollerStats = {
    describeEnvironments: 0,
    describeEvents: 0,
    describeInstancesHealth: 0,
    ticks: 0,
    throttled: 0,
  };
  readonly #options: PollerOptions;
  readonly #clock: Clock;
  readonly #watchers = new Set<Watcher>();
  readonly #seenEvents = new Set<string>();
  readonly #previous = new Map<string, string>();
  #lastEventDate: number;
  #running = false;
  #interval: number;
  #enhanced = new Map<string, boolean>();

  constructor(options: PollerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#lastEventDate = this.#clock.now();
    this.#interval = options.minIntervalMs ?? 5_000;
  }

  /** Watches an environment until its check says done (the value) or failed (the error), or the run stops. */
  watch<T>(options: WatchOptions<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const since = options.since ?? this.#clock.now();
      // Events are read from the earliest point any watcher needs.
      this.#lastEventDate = Math.min(this.#lastEventDate, since);
      this.#watchers.add({
        options: options as WatchOptions<unknown>,
        since,
        needInstances: false,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      // A new watcher wants an answer soon: the next wait is the short one.
      this.#interval = this.#options.minIntervalMs ?? 5_000;
      if (!this.#running) void this.#loop();
    });
  }

  async #loop(): Promise<void> {
    this.#running = true;
    const min = this.#options.minIntervalMs ?? 5_000;
    const max = this.#options.maxIntervalMs ?? 30_000;
    const random = this.#options.random ?? Math.random;
    try {
      while (this.#watchers.size > 0) {
        let wait: number;
        try {
          const changed = await this.#tick();
          this.#interval = changed ? min : Math.min(max, Math.round(this.#interval * 1.5));
          wait = this.#interval;
        } catch (error) {
          if (classifyAwsError(error).kind !== 'throttled') throw error;
          // Elastic Beanstalk asked us to slow down: twice the interval (up to twice the longest), jittered.
          this.stats.throttled += 1;
          this.#interval = Math.min(max * 2, this.#interval * 2);
          wait = delaySequence({ initialMs: this.#interval, jitter: 0.5 }, random).next().value as number;
          this.#options.logger?.debug(
            `Elastic Beanstalk throttled a Describe call; next poll in ${Math.round(wait / 1000)} s`,
          );
        }
        if (this.#watchers.size === 0) break;
        await this.#clock.sleep(wait, this.#options.signal);
      }
    } catch (error) {
      // AWS failures say what was being done; an interruption or a bug is passed on as it is.
      const failure = isAwsError(error)
        ? ebFailure(error, `watching the environments of ${this.#options.target.application}`)
        : error;
      for (const watcher of this.#watchers) watcher.reject(failure);
      this.#watchers.clear();
    } finally {
      this.#running = false;
    }
  }

  /** One round of Describe calls; true when something changed (a new event, a new status or version). */
  async #tick(): Promise<boolean> {
    this.stats.ticks += 1;
    const { target } = this.#options;
    const names = [...new Set([...this.#watchers].map((watcher) => watcher.options.environment))];
    this.stats.describeEnvironments += 1;
    const states = await describeEnvironments(target, names);
    const events = await this.#newEvents();
    let changed = events.length > 0;
    for (const [name, state] of states) {
      const key = `${state.status}|${state.health}|${state.versionLabel}`;
      if (this.#previous.get(name) !== key) changed = true;
      this.#previous.set(name, key);
    }
    const instances = new Map<string, (string | undefined)[] | undefined>();
    for (const name of names) {
      if (
        [...this.#watchers].some((watcher) => watcher.options.environment === name && watcher.needInstances)
      ) {
        instances.set(name, await this.#instanceVersions(name));
      }
    }
    const now = this.#clock.now();
    for (const watcher of [...this.#watchers]) {
      const name = watcher.options.environment;
      const state = states.get(name);
      // A watcher added while this tick was reading is answered by the next one.
      if (!state) continue;
      const update = {
        state,
        events: events.filter((event) => event.environment === name && event.date >= watcher.since),
        now,
      };
      let verdict = watcher.options.check({ ...update, instanceVersions: instances.get(name) });
      // An environment that looks deployed: its instances are read at once, in this tick, not the next.
      if (
        !verdict.done &&
        verdict.failed === undefined &&
        'needInstances' in verdict &&
        verdict.needInstances &&
        !instances.has(name)
      ) {
        instances.set(name, await this.#instanceVersions(name));
        verdict = watcher.options.check({ ...update, events: [], instanceVersions: instances.get(name) });
      }
      if (verdict.done) {
        this.#watchers.delete(watcher);
        watcher.resolve(verdict.value);
      } else if (verdict.failed !== undefined) {
        this.#watchers.delete(watcher);
        watcher.reject(verdict.failed);
      } else {
        watcher.needInstances = 'needInstances' in verdict && verdict.needInstances === true;
        // Instances still on the old version: the deploy is about to end, so poll again soon.
        if (watcher.needInstances) changed = true;
      }
    }
    return changed;
  }

  /** The application's events since the last one seen, oldest first, each once; logged as they arrive. */
  async #newEvents(): Promise<EnvironmentEvent[]> {
    const { DescribeEventsCommand } = await import('@aws-sdk/client-elastic-beanstalk');
    const { target } = this.#options;
    this.stats.describeEvents += 1;
    const response = await target.client.send(
      new DescribeEventsCommand({
        ApplicationName: target.application,
        // Inclusive, so events of the same second as the last one seen are not missed (seen ones are skipped).
        StartTime: new Date(this.#lastEventDate),
        MaxRecords: 1000,
      }),
    );
    const fresh: EnvironmentEvent[] = [];
    for (const event of [...(response.Events ?? [])].reverse()) {
      const date = event.EventDate?.getTime() ?? this.#clock.now();
      const key = `${date}|${event.EnvironmentName}|${event.RequestId}|${event.Message}`;
      if (this.#seenEvents.has(key)) continue;
      this.#seenEvents.add(key);
      const parsed = {
        date,
        severity: event.Severity ?? 'INFO',
        message: event.Message ?? '',
        environment: event.EnvironmentName,
        requestId: event.RequestId,
      };
      fresh.push(parsed);
      this.#lastEventDate = Math.max(this.#lastEventDate, date);
      const line = `${parsed.environment ?? target.application}: ${parsed.severity} ${parsed.message}`;
      if (parsed.severity === 'ERROR' || parsed.severity === 'FATAL') this.#options.logger?.warn(line);
      else if (parsed.severity !== 'TRACE' && parsed.severity !== 'DEBUG') this.#options.logger?.info(line);
    }
    return fresh;
  }

  /** The version each instance of an environment runs; undefined when the environment has basic health. */
  async #instanceVersions(name: string): Promise<(string | undefined)[] | undefined> {
    if (this.#enhanced.get(name) === false) return undefined;
    const { DescribeInstancesHealthCommand } = await import('@aws-sdk/client-elastic-beanstalk');
    this.stats.describeInstancesHealth += 1;
    try {
      const response = await this.#options.target.client.send(
        new DescribeInstancesHealthCommand({ EnvironmentName: name, AttributeNames: ['Deployment'] }),
      );
      return (response.InstanceHealthList ?? []).map((instance) => instance.Deployment?.VersionLabel);
    } catch (error) {
      const { kind, name: errorName } = classifyAwsError(error);
      // Basic health: the operation is refused; the environment's own version is all there is.
      if (kind === 'invalid-request' || errorName === 'InvalidRequestException') {
        this.#enhanced.set(name, false);
        return undefined;
      }
      throw error;
    }
  }
}
