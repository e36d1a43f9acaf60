export { installEbSimulation } from './eb/install-simulation.js';
export { type ServedEbSimulation, serveEbSimulation } from './eb/serve-simulation.js';
export {
  EbSimulation,
  type EbSimulationOptions,
  type SimulatedEnvironmentOptions,
  type SimulatedEvent,
  type SimulatedOutcome,
  serviceError,
} from './eb/simulation.js';
export {
  type CreateFakeS3Options,
  createFakeS3,
  type FakeS3,
  type FakeS3Answer,
  type FakeS3Object,
  type FakeS3Request,
  type S3TestClientConfig,
  s3ErrorAnswer,
} from './s3/fake-s3.js';
export { type RunningS3rver, type StartS3rverOptions, startS3rver } from './s3/testing.js';
