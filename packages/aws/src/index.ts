export {
  type AwsAccess,
  type AwsAccessOptions,
  type AwsClientConfig,
  type AwsClientConstructor,
  type AwsClientOptions,
  createAwsAccess,
} from './aws-access.js';
export { type AwsFailureOptions, awsFailure, DEFAULT_AWS_HINTS } from './aws-failure.js';
export {
  type AwsErrorClassification,
  type AwsErrorKind,
  type AwsErrorLike,
  classifyAwsError,
  isAwsError,
} from './classify-error.js';
export type {
  AwsClient,
  AwsHandler,
  AwsHandlerArguments,
  AwsHandlerOutput,
  AwsMiddleware,
  AwsMiddlewareContext,
  AwsMiddlewarePlacement,
  AwsMiddlewareStack,
} from './request-log.js';
