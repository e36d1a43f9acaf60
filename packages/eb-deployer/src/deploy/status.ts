import type { AwsAccess } from '@reletan/aws';
import { classifyAwsError } from '@reletan/aws';
import type { ReletanConfig } from '@reletan/config';
import { describeEnvironments, ebFailure } from '../eb/environments.js';
import { stageTarget } from './stage-target.js';

export interface EnvironmentStatus {
  name: string;
  role: 'web' | 'worker';
  versionLabel: string | undefined;
  status: string;
  health: string;
  healthStatus: string | undefined;
  /** An update is in progress that `AbortEnvironmentUpdate` can stop. */
  abortable: boolean;
  /** The instances and the versions they report (enhanced health); undefined with basic health. */
  instances: { id: string; versionLabel: string | undefined; healthStatus: string | undefined }[] | undefined;
}

export interface StageStatus {
  stage: string;
  application: string;
  region: string;
  environments: EnvironmentStatus[];
}

/** `reletan status STAGE`: every environment's version, status, health and instances, in plan order. */
export async function readStageStatus(options: {
  config: ReletanConfig;
  stage: string;
  aws: AwsAccess;
}): Promise<StageStatus> {
  const { deploy, target, order } = await stageTarget(options.config, options.stage, options.aws);
  const states = await describeEnvironments(target, order);
  const { DescribeInstancesHealthCommand } = await import('@aws-sdk/client-elastic-beanstalk');
  const environments: EnvironmentStatus[] = [];
  for (const name of order) {
    const state = states.get(name);
    if (!state) continue;
    let instances: EnvironmentStatus['instances'];
    if (state.healthStatus !== undefined) {
      try {
        const response = await target.client.send(
          new DescribeInstancesHealthCommand({
            EnvironmentName: name,
            AttributeNames: ['Deployment', 'HealthStatus'],
          }),
        );
        instances = (response.InstanceHealthList ?? []).map((instance) => ({
          id: instance.InstanceId ?? '?',
          versionLabel: instance.Deployment?.VersionLabel,
          healthStatus: instance.HealthStatus,
        }));
      } catch (error) {
        if (classifyAwsError(error).kind !== 'invalid-request')
          throw ebFailure(error, `reading the instances of ${name}`);
      }
    }
    environments.push({
      name,
      role: deploy.environments.find((environment) => environment.name === name)?.role ?? 'web',
      versionLabel: state.versionLabel,
      status: state.status,
      health: state.health,
      healthStatus: state.healthStatus,
      abortable: state.abortable,
      instances,
    });
  }
  return { stage: options.stage, application: deploy.application, region: deploy.region, environments };
}
