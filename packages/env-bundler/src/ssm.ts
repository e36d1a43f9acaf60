import type { SSMClientConfig } from '@aws-sdk/client-ssm';
import { type AwsAccess, type AwsErrorKind, awsFailure, createAwsAccess } from '@reletan/aws';
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
  /**
   * The command's AWS access (its logger shows each request under `--verbose`); the caller keeps it and
   * destroys it. `maxAttempts` and `clientConfig` only shape the access made when none is given.
   * @default createAwsAccess({ maxAttempts, clientConfig }), destroyed after the read
   */
  aws?: AwsAccess;
  /** @default the access's region, else the AWS SDK's own resolution (AWS_REGION, the profile) */
  region?: string;
  /**
   * Attempts per request, retries included, with the SDK's standard retry strategy (exponential
   * backoff with jitter; longer for throttling errors). Only when `aws` is not given.
   * @default 5
   */
  maxAttempts?: number;
  /**
   * Further client configuration (credentials, endpoint, requestHandler in tests). Only when `aws` is not
   * given.
   * @default {}
   */
  clientConfig?: SSMClientConfig;
}

/** GetParametersByPath's largest page. */
const PAGE_SIZE = 10;

const CREDENTIALS_HINT =
  'give the job AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a role) allowed ssm:GetParametersByPath on the path and kms:Decrypt on its key';
const LOCATION_HINT = 'check the path, the region (AWS_REGION or stages.<s>.deploy.region) and the network';

/** What to do about each kind of failed read: the permissions it needs, the config key of its region. */
const SSM_HINTS: Record<AwsErrorKind, string> = {
  throttled:
    "SSM kept throttling the requests; retry later, or raise the account's Parameter Store throughput",
  credentials: CREDENTIALS_HINT,
  'access-denied': CREDENTIALS_HINT,
  'not-found': LOCATION_HINT,
  'invalid-request': LOCATION_HINT,
  network: LOCATION_HINT,
  server: LOCATION_HINT,
  other: LOCATION_HINT,
};

/**
 * Every parameter under `path` (recursively), SecureStrings decrypted, all pages. Throttling and
 * transient errors are retried by the AWS SDK's retry strategy; what still fails becomes a
 * `ENV_SSM_FAILED` error naming the path. The SDK is imported here, when a stage has an `ssmPath`.
 */
export async function readSsmParameters(path: string, options: ReadSsmOptions = {}): Promise<SsmParameter[]> {
  const { SSMClient, GetParametersByPathCommand } = await import('@aws-sdk/client-ssm');
  const aws =
    options.aws ??
    createAwsAccess({
      ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
      ...(options.clientConfig ? { clientConfig: options.clientConfig } : {}),
    });
  const parameters: SsmParameter[] = [];
  const seenTokens = new Set<string>();
  let nextToken: string | undefined;
  try {
    const client = aws.client(SSMClient, options.region ? { region: options.region } : {});
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
    throw awsFailure(error, {
      code: 'ENV_SSM_FAILED',
      doing: `reading SSM parameters under ${path}`,
      input: { path },
      hints: SSM_HINTS,
    });
  } finally {
    // An access the caller gave is the caller's, with clients other reads may still use.
    if (!options.aws) aws.destroy();
  }
  return parameters;
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
