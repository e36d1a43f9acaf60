import type { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import { awsFailure } from '@reletan/aws';
import { ReletanError } from '@reletan/core';

/** An environment as the deployer reads it (from `DescribeEnvironments`). */
export interface EnvironmentState {
  name: string;
  /** `Launching`, `Updating`, `Ready`, `Terminating`, `Terminated`, … */
  status: string;
  /** `Green`, `Yellow`, `Red` or `Grey`. */
  health: string;
  /** Enhanced health's status (`Ok`, `Warning`, `Degraded`, `Severe`, …); undefined with basic health. */
  healthStatus: string | undefined;
  versionLabel: string | undefined;
  abortable: boolean;
  tier: string | undefined;
}

/** One Elastic Beanstalk event, oldest first once the poller has ordered them. */
export interface EnvironmentEvent {
  date: number;
  severity: string;
  message: string;
  environment: string | undefined;
  requestId: string | undefined;
}

/** The EB client and what every call needs. */
export interface ElasticBeanstalkTarget {
  client: ElasticBeanstalkClient;
  application: string;
  region: string;
}

/** The environments by name, read in one call; a name Elastic Beanstalk does not know is an error naming it. */
export async function describeEnvironments(
  target: ElasticBeanstalkTarget,
  names: readonly string[],
): Promise<Map<string, EnvironmentState>> {
  const { DescribeEnvironmentsCommand } = await import('@aws-sdk/client-elastic-beanstalk');
  const response = await target.client
    .send(
      new DescribeEnvironmentsCommand({
        ApplicationName: target.application,
        EnvironmentNames: [...names],
        IncludeDeleted: false,
      }),
    )
    .catch((error: unknown) => {
      throw ebFailure(error, `reading the environments ${names.join(', ')} of ${target.application}`);
    });
  const states = new Map<string, EnvironmentState>();
  for (const environment of response.Environments ?? []) {
    if (!environment.EnvironmentName || environment.Status === 'Terminated') continue;
    states.set(environment.EnvironmentName, {
      name: environment.EnvironmentName,
      status: environment.Status ?? 'Unknown',
      health: environment.Health ?? 'Grey',
      healthStatus: environment.HealthStatus,
      versionLabel: environment.VersionLabel,
      abortable: environment.AbortableOperationInProgress === true,
      tier: environment.Tier?.Name,
    });
  }
  const missing = names.filter((name) => !states.has(name));
  if (missing.length > 0) {
    throw new ReletanError({
      code: 'EB_ENVIRONMENT_NOT_FOUND',
      message: `Elastic Beanstalk has no environment ${missing.join(', ')} in application ${target.application} (${target.region})`,
      input: { path: 'deploy.environments' },
      hint: 'check the environment names, the application and the region in the reletan config, and that the credentials can see them (elasticbeanstalk:DescribeEnvironments)',
    });
  }
  return states;
}

/** The hints of Elastic Beanstalk failures, by the kind `classifyAwsError` finds. */
export function ebFailure(error: unknown, doing: string, code = 'EB_FAILED'): unknown {
  if (error instanceof ReletanError) return error;
  return awsFailure(error, {
    code,
    doing,
    hints: {
      throttled:
        'Elastic Beanstalk kept throttling the requests ("Rate exceeded"); wait a minute, and make sure no other tool polls the account at the same time',
      'access-denied':
        'give the credentials Elastic Beanstalk access (the AdministratorAccess-AWSElasticBeanstalk managed policy, or elasticbeanstalk:* on the application with s3 and cloudformation read)',
    },
  });
}
