import { formatDuration, type Logger } from '@reletan/core';
import { classifyAwsError } from './classify-error.js';

/*
 * The parts of the AWS SDK v3 middleware stack reletan uses, typed structurally: @reletan/aws depends on no
 * SDK package (each feature package depends on its own client), and its published types must check in a
 * consumer that has only @reletan/aws and @reletan/core installed.
 */

/** What the SDK passes to a middleware about the call; reletan reads only the names. */
export interface AwsMiddlewareContext {
  /** e.g. `SSMClient`. */
  clientName?: string;
  /** e.g. `GetParametersByPathCommand`. */
  commandName?: string;
  /** Set once the endpoint is resolved (the serialize step); a `URL` there. */
  endpointV2?: { url: { origin: string } };
}

export interface AwsHandlerArguments {
  input: object;
  /** The HTTP request, from the build step on. */
  request?: unknown;
}

export interface AwsHandlerOutput {
  output: unknown;
  response?: unknown;
}

/*
 * Method signatures, taken out as function types, so that their parameters compare both ways: each SDK
 * client types its middleware with its own input and output unions, which no single structural type
 * could otherwise accept.
 */
export type AwsHandler = {
  handle(args: AwsHandlerArguments): Promise<AwsHandlerOutput>;
}['handle'];

export type AwsMiddleware = {
  middleware(next: AwsHandler, context: AwsMiddlewareContext): AwsHandler;
}['middleware'];

/** Where a middleware goes: the steps reletan uses, one overload each as in the SDK's own stack. */
export interface AwsMiddlewarePlacement<Step extends string> {
  step: Step;
  name: string;
  priority?: 'high' | 'normal' | 'low';
}

export interface AwsMiddlewareStack {
  add(middleware: AwsMiddleware, options: AwsMiddlewarePlacement<'initialize'>): void;
  add(middleware: AwsMiddleware, options: AwsMiddlewarePlacement<'finalizeRequest'>): void;
}

/** The part of an AWS SDK v3 client reletan uses; every client (`SSMClient`, `S3Client`, ...) has it. */
export interface AwsClient {
  readonly middlewareStack: AwsMiddlewareStack;
  /** The resolved configuration; `region` is a provider there. */
  readonly config?: { readonly region?: unknown };
  /** Closes the client's sockets. */
  destroy?(): void;
}

/**
 * Shows every request of `client` at debug level: the operation and region when it starts, each failed
 * attempt, and the outcome (status, attempts, time). Never the input, the output or an error's message,
 * which may quote a value sent (a validation error can echo a parameter's value).
 */
export function addRequestLog(client: AwsClient, logger: Logger): void {
  // Outside the retry middleware: one start and one outcome per call, whatever the retries.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const region = await regionOf(client);
      const call = `AWS ${operationOf(context)}${region ? ` (${region})` : ''}`;
      logger.debug(call);
      const started = performance.now();
      const took = () => formatDuration(performance.now() - started);
      try {
        const result = await next(args);
        const metadata = metadataOf(result.output);
        const status = metadata.httpStatusCode ?? 'done';
        logger.debug(
          `${call}: ${status}${attemptsText(metadata.attempts)} in ${took()}${endpointOf(context)}`,
        );
        return result;
      } catch (error) {
        logger.debug(
          `${call} failed${attemptsText(classifyAwsError(error).attempts)} in ${took()}: ${answerOf(error)}${endpointOf(context)}`,
        );
        throw error;
      }
    },
    { step: 'initialize', name: 'reletanRequestLog', priority: 'high' },
  );
  // Inside the retry middleware: shows the attempts the SDK's retry strategy makes, which are otherwise silent.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        logger.debug(`AWS ${operationOf(context)} ${attemptOf(args.request)} failed: ${answerOf(error)}`);
        throw error;
      }
    },
    { step: 'finalizeRequest', name: 'reletanAttemptLog', priority: 'low' },
  );
}

/** "ThrottlingException (400)", "Error ECONNREFUSED": name, network code and status, never the message. */
function answerOf(error: unknown): string {
  const failure = classifyAwsError(error);
  const code = failure.networkCode ? ` ${failure.networkCode}` : '';
  const status = failure.statusCode === undefined ? '' : ` (${failure.statusCode})`;
  return `${failure.name}${code}${status}`;
}

/** `SSM GetParametersByPath` from `SSMClient` and `GetParametersByPathCommand`. */
function operationOf(context: AwsMiddlewareContext): string {
  const service = (context.clientName ?? 'AWS').replace(/Client$/, '');
  const operation = (context.commandName ?? 'request').replace(/Command$/, '');
  return `${service} ${operation}`;
}

/** The endpoint's origin only: its path or query could name a resource, and userinfo never belongs in a log. */
function endpointOf(context: AwsMiddlewareContext): string {
  const origin = context.endpointV2?.url?.origin;
  return typeof origin === 'string' ? `, endpoint ${origin}` : '';
}

function attemptsText(attempts: number | undefined): string {
  if (attempts === undefined) return '';
  return ` after ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}`;
}

/** "attempt 2 of 5", from the `amz-sdk-request` header the retry middleware sets on each attempt. */
function attemptOf(request: unknown): string {
  const headers = (request as { headers?: Record<string, unknown> } | undefined)?.headers;
  const header = headers?.['amz-sdk-request'];
  const match = typeof header === 'string' ? /attempt=(\d+)(?:;\s*max=(\d+))?/.exec(header) : null;
  if (!match) return 'attempt';
  return match[2] ? `attempt ${match[1]} of ${match[2]}` : `attempt ${match[1]}`;
}

function metadataOf(output: unknown): { httpStatusCode?: number; attempts?: number } {
  const metadata = (output as { $metadata?: { httpStatusCode?: unknown; attempts?: unknown } } | undefined)
    ?.$metadata;
  return {
    ...(typeof metadata?.httpStatusCode === 'number' ? { httpStatusCode: metadata.httpStatusCode } : {}),
    ...(typeof metadata?.attempts === 'number' ? { attempts: metadata.attempts } : {}),
  };
}

/** The client's region, as the SDK resolved it (a provider there); undefined when it has none. */
async function regionOf(client: AwsClient): Promise<string | undefined> {
  const region = client.config?.region;
  try {
    const value = typeof region === 'function' ? await (region as () => unknown)() : region;
    return typeof value === 'string' && value !== '' ? value : undefined;
  } catch {
    // "Region is missing": the SDK fails the call itself, with that message; the log only leaves it out.
    return undefined;
  }
}
