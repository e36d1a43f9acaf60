import { type Logger, usageError } from '@reletan/core';
import { type AwsClient, addRequestLog } from './request-log.js';

/**
 * What reletan passes to an AWS SDK v3 client's constructor: the retry settings, the region when one was
 * chosen, and the access's `clientConfig`. Everything else comes from the SDK's own configuration chain.
 */
export interface AwsClientConfig {
  region?: string;
  maxAttempts: number;
  retryMode: 'standard';
  [key: string]: unknown;
}

/** An AWS SDK v3 client class, e.g. `SSMClient` from `@aws-sdk/client-ssm`. */
export type AwsClientConstructor<C extends AwsClient> = new (config: AwsClientConfig) => C;

export interface AwsAccessOptions {
  /**
   * The region of every client this access makes, unless a call names its own.
   * @default the SDK's own chain: `AWS_REGION`, then the profile's `region` (`AWS_PROFILE`, ~/.aws/config)
   */
  region?: string;
  /**
   * Attempts per request, retries included, with the SDK's standard retry strategy (exponential backoff with
   * jitter; longer for throttling errors).
   * @default 5
   */
  maxAttempts?: number;
  /** Shows every request at debug level (`--verbose`): operation, region, status, attempts. @default none */
  logger?: Logger;
  /**
   * Further client configuration, applied last, over reletan's own settings (credentials, endpoint or
   * requestHandler in tests). Typed `object` so that a client's own config type (`SSMClientConfig`, an
   * interface without an index signature) is accepted as it is.
   * @default {}
   */
  clientConfig?: object;
}

export interface AwsClientOptions {
  /** @default the access's region, else the SDK's own chain */
  region?: string;
}

/** One way to make AWS clients, shared by a command's packages. */
export interface AwsAccess {
  /** The access-level region, when one was given. */
  readonly region: string | undefined;
  /**
   * A client of the given class, made once per (class, region) and then reused, with standard retries,
   * the request log, and the region only when one was chosen. Pass the class the caller imported itself
   * (lazily), e.g. `aws.client(SSMClient)`.
   */
  client<C extends AwsClient>(Client: AwsClientConstructor<C>, options?: AwsClientOptions): C;
  /** Destroys every client made so far (closing their sockets); later calls make new ones. */
  destroy(): void;
}

/**
 * The AWS access of a command: clients made one way, on the SDK's own configuration chain, so that
 * `AWS_PROFILE`, the shared config and credentials files, roles, `AWS_REGION` and `AWS_ENDPOINT_URL` /
 * `AWS_ENDPOINT_URL_<SERVICE>` work as they do for the AWS CLI. Imports no SDK code.
 */
export function createAwsAccess(options: AwsAccessOptions = {}): AwsAccess {
  const maxAttempts = options.maxAttempts ?? 5;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw usageError(
      'AWS_MAX_ATTEMPTS_INVALID',
      `maxAttempts must be a whole number from 1, not ${maxAttempts}`,
      {
        hint: 'pass 1 for no retries, or leave it out for 5 attempts',
      },
    );
  }
  const clients = new Map<AwsClientConstructor<AwsClient>, Map<string, AwsClient>>();

  return {
    region: options.region,
    client<C extends AwsClient>(Client: AwsClientConstructor<C>, clientOptions: AwsClientOptions = {}): C {
      const region = clientOptions.region ?? options.region;
      let byRegion = clients.get(Client);
      if (!byRegion) {
        byRegion = new Map();
        clients.set(Client, byRegion);
      }
      // '' stands for "the SDK's chain": no chosen region is ever empty.
      const key = region ?? '';
      const cached = byRegion.get(key);
      if (cached) return cached as C;
      const client = new Client({
        maxAttempts,
        retryMode: 'standard',
        // Only a region someone chose: an explicit `region: undefined` would stop the SDK's own lookup.
        ...(region ? { region } : {}),
        // No SDK `logger`: the SDK's logger middleware would log inputs and outputs.
        ...options.clientConfig,
      });
      if (options.logger) addRequestLog(client, options.logger);
      byRegion.set(key, client);
      return client;
    },
    destroy() {
      for (const byRegion of clients.values()) for (const client of byRegion.values()) client.destroy?.();
      clients.clear();
    },
  };
}
