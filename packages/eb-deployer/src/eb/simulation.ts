/**
 * A stateful simulation of the Elastic Beanstalk API, for tests: environments with status, health,
 * events and per-instance versions that change over (virtual) time after UpdateEnvironment; application
 * versions under an account quota; throttling when called too fast; and scripted failures. It answers the
 * real `ElasticBeanstalkClient` through `aws-sdk-client-mock`, so the deployer under test sends real
 * commands and reads responses shaped as Elastic Beanstalk returns them.
 */
import type { Clock } from '@reletan/core';

export type SimulatedOutcome =
  /** Deploys in `deployMs`, then Ready, Green, every instance on the new version. */
  | 'ok'
  /** ERROR "Failed to deploy application." and "completed, but with errors"; the old version keeps running. */
  | 'fail'
  /** Deploys, then health goes Red. */
  | 'red'
  /** ERROR events, then Elastic Beanstalk reverts to the previous version by itself. */
  | 'revert'
  /** Never finishes updating (until aborted: then it returns to the previous version). */
  | 'hang';

export interface SimulatedEnvironmentOptions {
  name: string;
  /** The version the environment runs at the start. */
  label: string;
  /** @default 'WebServer' */
  tier?: 'WebServer' | 'Worker';
  /** Enhanced health (instances report their deployed version). @default true */
  enhanced?: boolean;
  /** @default 2 */
  instances?: number;
  /** How long a deploy takes. @default 120000 */
  deployMs?: number;
}

export interface EbSimulationOptions {
  clock: Clock;
  application: string;
  environments: readonly SimulatedEnvironmentOptions[];
  /** Application versions that exist at the start (besides each environment's own). */
  versions?: readonly { label: string; application?: string; createdAt?: number }[];
  /** The account's application version quota. @default 1000 */
  quota?: number;
  /** Calls allowed per second, on average (a token bucket); beyond it, `Throttling: Rate exceeded`. @default 5 */
  ratePerSecond?: number;
  /** Calls allowed at once (the bucket's size). @default 20 */
  burst?: number;
}

interface Deployment {
  label: string;
  previous: string;
  startedAt: number;
  outcome: SimulatedOutcome;
  abortedAt?: number;
  requestId: string;
}

interface SimulatedEnvironment {
  name: string;
  id: string;
  tier: 'WebServer' | 'Worker';
  enhanced: boolean;
  instances: number;
  deployMs: number;
  label: string;
  /** Health after settling, for an environment not updating: Green unless a deploy made it Red. */
  health: 'Green' | 'Yellow' | 'Red' | 'Grey';
  deployment?: Deployment;
  /** Busy (Updating) until this time, whatever else happens: another team's change. */
  busyUntil?: number;
  /** Outcomes of the next deploys, in order. */
  outcomes: SimulatedOutcome[];
}

export interface SimulatedEvent {
  EventDate: Date;
  Message: string;
  Severity: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';
  ApplicationName: string;
  EnvironmentName: string;
  VersionLabel?: string;
  RequestId?: string;
}

interface SimulatedVersion {
  application: string;
  label: string;
  createdAt: number;
  bucket?: string;
  key?: string;
  description?: string;
  status: 'Processed' | 'Unprocessed' | 'Processing' | 'Failed';
  processUntil?: number;
}

/** An error shaped as the SDK throws a service error. */
export function serviceError(name: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, attempts: 1, requestId: 'sim-request' },
  });
}

const DEPLOYED_EVENT = 'New application version was deployed to running EC2 instances.';

/** The simulation; `handlers` answer each command by name (see `installEbSimulation`). */
export class EbSimulation {
  readonly application: string;
  /** Every call, in order: its operation and (virtual) time. */
  readonly calls: { operation: string; at: number; input: unknown }[] = [];
  readonly #clock: Clock;
  readonly #environments = new Map<string, SimulatedEnvironment>();
  readonly #versions: SimulatedVersion[] = [];
  readonly #events: SimulatedEvent[] = [];
  readonly #quota: number;
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #tokensAt: number;
  #throttleNext = 0;
  #requests = 0;

  constructor(options: EbSimulationOptions) {
    this.#clock = options.clock;
    this.application = options.application;
    this.#quota = options.quota ?? 1000;
    this.#rate = options.ratePerSecond ?? 5;
    this.#burst = options.burst ?? 20;
    this.#tokens = this.#burst;
    this.#tokensAt = options.clock.now();
    const start = options.clock.now();
    for (const [index, environment] of options.environments.entries()) {
      this.#environments.set(environment.name, {
        name: environment.name,
        id: `e-${String(index).padStart(10, 'x')}`,
        tier: environment.tier ?? 'WebServer',
        enhanced: environment.enhanced ?? true,
        instances: environment.instances ?? 2,
        deployMs: environment.deployMs ?? 120_000,
        label: environment.label,
        health: 'Green',
        outcomes: [],
      });
      this.#addVersion(options.application, environment.label, start - 86_400_000);
    }
    for (const version of options.versions ?? []) {
      this.#addVersion(version.application ?? options.application, version.label, version.createdAt ?? start);
    }
  }

  /** The next deploy of `environment` ends this way (then the next one, …; afterwards `ok`). */
  scriptDeploy(environment: string, ...outcomes: SimulatedOutcome[]): this {
    this.#environment(environment).outcomes.push(...outcomes);
    return this;
  }

  /** `environment` is Updating (someone else's change) for `ms` from now. */
  makeBusy(environment: string, ms: number): this {
    this.#environment(environment).busyUntil = this.#clock.now() + ms;
    return this;
  }

  /** The next `count` calls fail with `Throttling: Rate exceeded`, whatever the rate. */
  throttle(count: number): this {
    this.#throttleNext += count;
    return this;
  }

  /** An environment as Elastic Beanstalk would describe it now. */
  environment(name: string) {
    return this.#describe(this.#environment(name));
  }

  /** The application versions of the application, oldest first. */
  versionLabels(application = this.application): string[] {
    return this.#versions
      .filter((version) => version.application === application)
      .map((version) => version.label);
  }

  /** Describe* calls made so far (the ones the poller makes). */
  describeCalls(): number {
    return this.calls.filter((call) => call.operation.startsWith('Describe')).length;
  }

  /** Handlers by command name, for `aws-sdk-client-mock`'s `callsFake`. */
  handlers(): Record<string, (input: never) => unknown> {
    const wrap =
      <I>(operation: string, handler: (input: I) => unknown) =>
      (input: I) => {
        this.calls.push({ operation, at: this.#clock.now(), input });
        this.#spendToken();
        return handler(input);
      };
    return {
      DescribeEnvironmentsCommand: wrap('DescribeEnvironments', (input: { EnvironmentNames?: string[] }) => ({
        Environments: [...this.#environments.values()]
          .filter(
            (environment) => !input.EnvironmentNames || input.EnvironmentNames.includes(environment.name),
          )
          .map((environment) => this.#describe(environment)),
      })),
      DescribeEventsCommand: wrap(
        'DescribeEvents',
        (input: { StartTime?: Date; EnvironmentName?: string; MaxRecords?: number }) => {
          this.#settleAll();
          const since = input.StartTime?.getTime() ?? 0;
          const events = this.#events
            .filter((event) => event.EventDate.getTime() >= since)
            .filter((event) => !input.EnvironmentName || event.EnvironmentName === input.EnvironmentName)
            .filter((event) => event.EventDate.getTime() <= this.#clock.now());
          // Newest first, as Elastic Beanstalk returns them.
          return { Events: [...events].reverse().slice(0, input.MaxRecords ?? 1000) };
        },
      ),
      DescribeInstancesHealthCommand: wrap(
        'DescribeInstancesHealth',
        (input: { EnvironmentName?: string }) => {
          const environment = this.#environment(input.EnvironmentName ?? '');
          if (!environment.enhanced) {
            throw serviceError(
              'InvalidRequestException',
              `Enhanced health reporting is not enabled for environment ${environment.name}`,
            );
          }
          const state = this.#state(environment);
          return {
            InstanceHealthList: Array.from({ length: environment.instances }, (_, index) => ({
              InstanceId: `i-${environment.id.slice(2)}${index}`,
              HealthStatus: state.health === 'Green' ? 'Ok' : state.health === 'Red' ? 'Severe' : 'Pending',
              Color: state.health,
              // During a rolling update the first instance runs the new version first.
              Deployment: {
                VersionLabel: index === 0 ? state.firstInstanceLabel : state.label,
                Status: 'Deployed',
              },
            })),
          };
        },
      ),
      UpdateEnvironmentCommand: wrap(
        'UpdateEnvironment',
        (input: { EnvironmentName?: string; VersionLabel?: string }) => {
          const environment = this.#environment(input.EnvironmentName ?? '');
          const label = input.VersionLabel ?? '';
          if (
            !this.#versions.some(
              (version) => version.label === label && version.application === this.application,
            )
          ) {
            throw serviceError('InvalidParameterValue', `No Application Version named '${label}' found.`);
          }
          if (this.#state(environment).status !== 'Ready') {
            throw serviceError(
              'InvalidParameterValue',
              `Environment named ${environment.name} is in an invalid state for this operation. Must be Ready.`,
            );
          }
          const now = this.#clock.now();
          const requestId = `req-${++this.#requests}`;
          environment.deployment = {
            label,
            previous: environment.label,
            startedAt: now,
            outcome: environment.outcomes.shift() ?? 'ok',
            requestId,
          };
          this.#event(environment, now, 'INFO', 'Environment update is starting.', requestId);
          return { EnvironmentName: environment.name, Status: 'Updating', VersionLabel: environment.label };
        },
      ),
      AbortEnvironmentUpdateCommand: wrap('AbortEnvironmentUpdate', (input: { EnvironmentName?: string }) => {
        const environment = this.#environment(input.EnvironmentName ?? '');
        const deployment = environment.deployment;
        if (!deployment || this.#state(environment).status !== 'Updating') {
          throw serviceError(
            'InvalidParameterValue',
            `Environment ${environment.name} has no abortable operation in progress.`,
          );
        }
        deployment.abortedAt = this.#clock.now();
        this.#event(environment, this.#clock.now(), 'INFO', 'Aborting the update.', deployment.requestId);
        return {};
      }),
      DescribeApplicationVersionsCommand: wrap(
        'DescribeApplicationVersions',
        (input: {
          ApplicationName?: string;
          VersionLabels?: string[];
          MaxRecords?: number;
          NextToken?: string;
        }) => {
          this.#settleAll();
          const all = this.#versions
            .filter((version) => !input.ApplicationName || version.application === input.ApplicationName)
            .filter((version) => !input.VersionLabels || input.VersionLabels.includes(version.label))
            .sort((a, b) => b.createdAt - a.createdAt);
          const start = Number(input.NextToken ?? 0);
          const size = input.MaxRecords ?? 1000;
          const page = all.slice(start, start + size);
          return {
            ApplicationVersions: page.map((version) => ({
              ApplicationName: version.application,
              VersionLabel: version.label,
              DateCreated: new Date(version.createdAt),
              Status: version.status,
              Description: version.description,
              ...(version.bucket ? { SourceBundle: { S3Bucket: version.bucket, S3Key: version.key } } : {}),
            })),
            ...(start + size < all.length ? { NextToken: String(start + size) } : {}),
          };
        },
      ),
      CreateApplicationVersionCommand: wrap(
        'CreateApplicationVersion',
        (input: {
          ApplicationName?: string;
          VersionLabel?: string;
          SourceBundle?: { S3Bucket?: string; S3Key?: string };
          Description?: string;
          Process?: boolean;
        }) => {
          const label = input.VersionLabel ?? '';
          if (
            this.#versions.some(
              (version) => version.label === label && version.application === input.ApplicationName,
            )
          ) {
            throw serviceError('InvalidParameterValue', `Application Version ${label} already exists.`);
          }
          if (this.#versions.length >= this.#quota) {
            throw serviceError(
              'TooManyApplicationVersionsException',
              `You cannot have more than ${this.#quota} Application Versions. Either remove some Application Versions or request a limit increase.`,
            );
          }
          const now = this.#clock.now();
          const version: SimulatedVersion = {
            application: input.ApplicationName ?? '',
            label,
            createdAt: now,
            ...(input.SourceBundle?.S3Bucket ? { bucket: input.SourceBundle.S3Bucket } : {}),
            ...(input.SourceBundle?.S3Key ? { key: input.SourceBundle.S3Key } : {}),
            ...(input.Description ? { description: input.Description } : {}),
            status: input.Process ? 'Processing' : 'Unprocessed',
            ...(input.Process ? { processUntil: now + 20_000 } : {}),
          };
          this.#versions.push(version);
          return {
            ApplicationVersion: {
              ApplicationName: version.application,
              VersionLabel: label,
              Status: version.status,
            },
          };
        },
      ),
      DeleteApplicationVersionCommand: wrap(
        'DeleteApplicationVersion',
        (input: { ApplicationName?: string; VersionLabel?: string }) => {
          const inUse = [...this.#environments.values()].some(
            (environment) => this.#state(environment).label === input.VersionLabel,
          );
          if (inUse) {
            throw serviceError(
              'SourceBundleDeletionException',
              `Unable to delete version ${input.VersionLabel}: it is deployed.`,
            );
          }
          const at = this.#versions.findIndex(
            (version) =>
              version.application === input.ApplicationName && version.label === input.VersionLabel,
          );
          if (at !== -1) this.#versions.splice(at, 1);
          return {};
        },
      ),
      DescribeAccountAttributesCommand: wrap('DescribeAccountAttributes', () => ({
        ResourceQuotas: { ApplicationVersionQuota: { Maximum: this.#quota } },
      })),
      CreateStorageLocationCommand: wrap('CreateStorageLocation', () => ({
        S3Bucket: 'elasticbeanstalk-ap-northeast-1-123456789012',
      })),
    };
  }

  #addVersion(application: string, label: string, createdAt: number): void {
    if (this.#versions.some((version) => version.application === application && version.label === label))
      return;
    this.#versions.push({ application, label, createdAt, status: 'Processed' });
  }

  #environment(name: string): SimulatedEnvironment {
    const environment = this.#environments.get(name);
    if (!environment)
      throw serviceError('InvalidParameterValue', `No Environment found for EnvironmentName = '${name}'.`);
    return environment;
  }

  /** A token bucket of `ratePerSecond`: Elastic Beanstalk's API throttles bursts with "Rate exceeded". */
  #spendToken(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#tokensAt) / 1000) * this.#rate);
    this.#tokensAt = now;
    if (this.#throttleNext > 0) {
      this.#throttleNext -= 1;
      throw serviceError('Throttling', 'Rate exceeded');
    }
    if (this.#tokens < 1) throw serviceError('Throttling', 'Rate exceeded');
    this.#tokens -= 1;
  }

  #event(
    environment: SimulatedEnvironment,
    at: number,
    severity: SimulatedEvent['Severity'],
    message: string,
    requestId?: string,
  ): void {
    this.#events.push({
      EventDate: new Date(at),
      Message: message,
      Severity: severity,
      ApplicationName: this.application,
      EnvironmentName: environment.name,
      ...(requestId ? { RequestId: requestId } : {}),
    });
    this.#events.sort((a, b) => a.EventDate.getTime() - b.EventDate.getTime());
  }

  /** Applies every deploy that has ended by now (its final label, health and events), once. */
  #settleAll(): void {
    for (const environment of this.#environments.values()) this.#state(environment);
    for (const version of this.#versions) {
      if (
        version.status === 'Processing' &&
        version.processUntil !== undefined &&
        version.processUntil <= this.#clock.now()
      )
        version.status = 'Processed';
    }
  }

  /** The environment's state now, settling a deploy that has ended. */
  #state(environment: SimulatedEnvironment): {
    status: 'Ready' | 'Updating';
    health: SimulatedEnvironment['health'];
    label: string;
    firstInstanceLabel: string;
    abortable: boolean;
  } {
    const now = this.#clock.now();
    const deployment = environment.deployment;
    if (deployment) {
      const end = deployment.startedAt + environment.deployMs;
      const midway = deployment.startedAt + environment.deployMs / 3;
      if (deployment.abortedAt !== undefined) {
        const restoredAt = deployment.abortedAt + 20_000;
        if (now >= restoredAt) {
          this.#finish(environment, deployment, restoredAt, 'aborted');
          return this.#state(environment);
        }
        return {
          status: 'Updating',
          health: 'Grey',
          label: environment.label,
          firstInstanceLabel: environment.label,
          abortable: false,
        };
      }
      if (deployment.outcome === 'hang' || now < end) {
        if (now >= midway && !this.#hasEvent(environment, deployment, 'Deploying new version')) {
          this.#event(
            environment,
            midway,
            'INFO',
            'Deploying new version to instance(s).',
            deployment.requestId,
          );
        }
        const first = now >= midway ? deployment.label : environment.label;
        return {
          status: 'Updating',
          health: 'Grey',
          label: environment.label,
          firstInstanceLabel: first,
          abortable: true,
        };
      }
      this.#finish(environment, deployment, end, deployment.outcome);
    }
    const busy = environment.busyUntil !== undefined && now < environment.busyUntil;
    return {
      status: busy ? 'Updating' : 'Ready',
      health: busy ? 'Grey' : environment.health,
      label: environment.label,
      firstInstanceLabel: environment.label,
      abortable: false,
    };
  }

  #hasEvent(environment: SimulatedEnvironment, deployment: Deployment, text: string): boolean {
    return this.#events.some(
      (event) =>
        event.EnvironmentName === environment.name &&
        event.RequestId === deployment.requestId &&
        event.Message.includes(text),
    );
  }

  #finish(
    environment: SimulatedEnvironment,
    deployment: Deployment,
    at: number,
    outcome: SimulatedOutcome | 'aborted',
  ): void {
    environment.deployment = undefined;
    const id = deployment.requestId;
    switch (outcome) {
      case 'ok':
      case 'red':
        environment.label = deployment.label;
        environment.health = outcome === 'ok' ? 'Green' : 'Red';
        this.#event(environment, at, 'INFO', DEPLOYED_EVENT, id);
        this.#event(environment, at, 'INFO', 'Environment update completed successfully.', id);
        if (outcome === 'ok') return;
        this.#event(
          environment,
          at + 1_000,
          'WARN',
          'Environment health has transitioned from Ok to Severe.',
          id,
        );
        return;
      case 'fail':
        this.#event(
          environment,
          at,
          'ERROR',
          '[Instance: i-0abc] Command failed on instance. Return code: 1 Output: Engine execution has encountered an error.',
          id,
        );
        this.#event(environment, at, 'ERROR', 'Failed to deploy application.', id);
        this.#event(environment, at, 'ERROR', 'Environment update completed, but with errors.', id);
        return;
      case 'revert':
        this.#event(environment, at, 'ERROR', 'Failed to deploy application.', id);
        this.#event(
          environment,
          at,
          'ERROR',
          'During an aborted deployment, some instances may have deployed the new application version. To ensure all instances are running the same version, re-deploy the appropriate application version. The environment was reverted to the previous configuration.',
          id,
        );
        return;
      case 'aborted':
        this.#event(
          environment,
          at,
          'INFO',
          'Environment update was aborted; the previous version is restored.',
          id,
        );
        return;
      case 'hang':
        return;
    }
  }

  #describe(environment: SimulatedEnvironment) {
    const state = this.#state(environment);
    return {
      EnvironmentName: environment.name,
      EnvironmentId: environment.id,
      ApplicationName: this.application,
      VersionLabel: state.label,
      Status: state.status,
      Health: state.health,
      ...(environment.enhanced
        ? { HealthStatus: state.health === 'Green' ? 'Ok' : state.health === 'Red' ? 'Severe' : 'Pending' }
        : {}),
      AbortableOperationInProgress: state.abortable,
      Tier: {
        Name: environment.tier,
        Type: environment.tier === 'Worker' ? 'SQS/HTTP' : 'Standard',
        Version: '1.0',
      },
      DateUpdated: new Date(this.#clock.now()),
    };
  }
}
