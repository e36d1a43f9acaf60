import type { SSMClientConfig } from '@aws-sdk/client-ssm';
import { ReletanError } from '@reletan/core';
import type { LayerEntry } from './layers.js';

/** One AWS SSM parameter as the SSM layer uses it. */
export interface SsmParameter {
  /** The full name, e.g. `/shop/prod/DB_PASSWORD`. */
  name: string;
  /** Decrypted for SecureString parameters. */
  value: string;
}

/** Reads every parameter under a path. The default is {@link readSsmParameters}. */
export type SsmReader = (path: string) => Promise<readonly SsmParameter[]>;

export interface ReadSsmOptions {
  /** @default the AWS SDK's own resolution (AWS_REGION, the profile) */
  region?: string;
  /**
   * Attempts per request, retries included, with the SDK's standard retry strategy (exponential
   * backoff with jitter; throttling errors back off from 500 ms).
   * @default 5
   */
  maxAttempts?: number;
  /** Further client configuration (credentials, endpoint, requestHandler in tests). @default {} */
  clientConfig?: SSMClientConfig;
}

/** GetParametersByPath's largest page. */
const PAGE_SIZE = 10;

/**
 * Every parameter under `path` (recursively), SecureStrings decrypted, all pages. Throttling and
 * transient errors are retried by the AWS SDK's retry strategy; what still fails becomes a
 * `ENV_SSM_FAILED` error naming the path. The SDK is imported here, when a stage has an `ssmPath`.
 */
export async function readSsmParameters(path: string, options: ReadSsmOptions = {}): Promise<SsmParameter[]> {
  const { SSMClient, GetParametersByPathCommand } = await import('@aws-sdk/client-ssm');
  const client = new SSMClient({
    maxAttempts: options.maxAttempts ?? 5,
    retryMode: 'standard',
    ...(options.region ? { region: options.region } : {}),
    ...options.clientConfig,
  });
  const parameters: SsmParameter[] = [];
  const seenTokens = new Set<string>();
  let nextToken: string | undefined;
  try {
    do {
      const page = await client.send(
        new GetParametersByPathCommand({
          Path: path,
          Recursive: true,
          WithDecryption: true,
          MaxResults: PAGE_SIZE,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      for (const parameter of page.Parameters ?? []) {
        if (parameter.Name === undefined) continue;
        parameters.push({ name: parameter.Name, value: parameter.Value ?? '' });
      }
      nextToken = page.NextToken || undefined;
      // A token seen twice would page forever.
      if (nextToken !== undefined) {
        if (seenTokens.has(nextToken)) throw new Error('SSM returned the same NextToken twice');
        seenTokens.add(nextToken);
      }
    } while (nextToken !== undefined);
  } catch (error) {
    throw ssmError(path, error);
  } finally {
    client.destroy();
  }
  return parameters;
}

function ssmError(path: string, error: unknown): ReletanError {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const attempts = (error as { $metadata?: { attempts?: number } })?.$metadata?.attempts;
  const throttled = /Throttl|TooManyRequests|RequestLimitExceeded|Rate exceeded/i.test(`${name} ${message}`);
  const hint = throttled
    ? "SSM kept throttling the requests; retry later, or raise the account's Parameter Store throughput"
    : /Credential|AccessDenied|UnrecognizedClient|InvalidSignature|ExpiredToken/i.test(`${name} ${message}`)
      ? 'give the job AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a role) allowed ssm:GetParametersByPath on the path and kms:Decrypt on its key'
      : 'check the path, the region (AWS_REGION or stages.<s>.deploy.region) and the network';
  return new ReletanError({
    code: 'ENV_SSM_FAILED',
    message: `reading SSM parameters under ${path} failed${attempts ? ` after ${attempts} attempts` : ''}: ${name}: ${message}`,
    input: { path },
    hint,
    cause: error,
  });
}

/**
 * The SSM layer's entries: each parameter's key is the last segment of its name
 * (`/shop/prod/DB_PASSWORD` and `/shop/prod/db/DB_PASSWORD` both give `DB_PASSWORD`). Names that are not
 * valid keys and keys given by two parameters are reported by the merge, naming the parameters.
 */
export function ssmEntries(path: string, parameters: readonly SsmParameter[]): LayerEntry[] {
  const layer = `ssm:${path}`;
  return [...parameters]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((parameter) => ({
      key: parameter.name.slice(parameter.name.lastIndexOf('/') + 1),
      value: parameter.value,
      source: { layer, kind: 'ssm' as const, secret: true, parameter: parameter.name },
    }));
}
