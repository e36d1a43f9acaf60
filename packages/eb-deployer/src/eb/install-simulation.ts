import * as elasticBeanstalk from '@aws-sdk/client-elastic-beanstalk';
import { mockClient } from 'aws-sdk-client-mock';
import type { EbSimulation } from './simulation.js';

/**
 * Answers every `ElasticBeanstalkClient` of this process from the simulation (through
 * `aws-sdk-client-mock`, an optional peer dependency of the testing entry). Returns the mock: `restore()` it
 * after the test.
 */
export function installEbSimulation(simulation: EbSimulation) {
  const mock = mockClient(elasticBeanstalk.ElasticBeanstalkClient);
  const commands = elasticBeanstalk as unknown as Record<string, new (input: never) => never>;
  for (const [name, handler] of Object.entries(simulation.handlers())) {
    const command = commands[name];
    if (!command) throw new Error(`the SDK has no ${name}`);
    // As the SDK answers: a promise, rejected for a service error.
    mock
      .on(command)
      .callsFake((async (input: never) => handler(input)) as (input: unknown) => Promise<unknown>);
  }
  return mock;
}
