import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createLogger, isReletanError, type Logger } from '@reletan/core';
import { makeTempDir, type TempDir } from '@reletan/core/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AwsAccess, createAwsAccess } from './aws-access.js';
import { classifyAwsError } from './classify-error.js';

const PROFILE_KEY_ID = 'AKIAPROFILEEXAMPLE01';
const PROFILE_SECRET = 'profile-secret-access-key-example';

let home: TempDir;
let access: AwsAccess | undefined;
const servers: { close(): Promise<void> }[] = [];

/**
 * Every test starts from an environment with no AWS settings at all: no variables from the machine
 * running the tests, shared config and credentials files that do not exist, and no instance metadata
 * lookups (which would wait for a timeout off EC2).
 */
beforeEach(async () => {
  home = await makeTempDir('reletan-aws-');
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) vi.stubEnv(name, undefined);
  vi.stubEnv('AWS_CONFIG_FILE', path.join(home.path, 'config'));
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', path.join(home.path, 'credentials'));
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  // The SDK's notice about Node versions it will drop, as the bins silence it.
  vi.stubEnv('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');
});

afterEach(async () => {
  access?.destroy();
  access = undefined;
  await Promise.all(servers.splice(0).map((server) => server.close()));
  vi.unstubAllEnvs();
  await home.cleanup();
});

/** A profile `ci` in the shared config and credentials files, as `aws configure --profile ci` writes them. */
async function writeProfile(region = 'eu-central-1'): Promise<void> {
  await writeFile(path.join(home.path, 'config'), `[profile ci]\nregion = ${region}\n`);
  await writeFile(
    path.join(home.path, 'credentials'),
    `[ci]\naws_access_key_id = ${PROFILE_KEY_ID}\naws_secret_access_key = ${PROFILE_SECRET}\n`,
  );
  vi.stubEnv('AWS_PROFILE', 'ci');
}

function useStaticCredentials(): void {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAENVEXAMPLE000001');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'env-secret-access-key-example');
  vi.stubEnv('AWS_SESSION_TOKEN', 'env-session-token-example');
}

interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * A local HTTP server speaking SSM's JSON protocol: it records every request and answers with `answer`
 * (called with the request's number, from 1).
 */
async function startSsmStandIn(answer: (count: number, request: RecordedRequest) => Answer) {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      };
      requests.push(request);
      const { status, body } = answer(requests.length, request);
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': `stand-in-${requests.length}`,
      });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      // The SDK keeps its connections alive; the server would otherwise wait for them.
      server.closeAllConnections();
      server.close(() => resolve());
    });
  servers.push({ close });
  return { url: `http://127.0.0.1:${port}`, requests };
}

const PARAMETERS: Answer = {
  status: 200,
  body: {
    Parameters: [{ Name: '/shop/prod/DB_PASSWORD', Type: 'SecureString', Value: 'decrypted-value-42' }],
  },
};
const THROTTLED: Answer = { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } };

function debugLogger(): { logger: Logger; output: () => string } {
  let text = '';
  const stream = {
    write(chunk: string) {
      text += chunk;
      return true;
    },
  };
  const logger = createLogger({ level: 'debug', color: false, stdout: stream, stderr: stream, env: {} });
  return { logger, output: () => text };
}

function readShopProd(client: SSMClient) {
  return client.send(new GetParametersByPathCommand({ Path: '/shop/prod', WithDecryption: true }));
}

describe('choosing the region', () => {
  it('leaves the region to AWS_REGION when none is given', async () => {
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    access = createAwsAccess();
    expect(await access.client(SSMClient).config.region()).toBe('eu-west-1');
  });

  it("prefers the call's region, then the access's region, over AWS_REGION", async () => {
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    access = createAwsAccess({ region: 'us-east-2' });
    expect(await access.client(SSMClient).config.region()).toBe('us-east-2');
    expect(await access.client(SSMClient, { region: 'ap-northeast-1' }).config.region()).toBe(
      'ap-northeast-1',
    );
  });

  it('takes the region and the credentials from the AWS_PROFILE profile in the shared files', async () => {
    await writeProfile('eu-central-1');
    access = createAwsAccess();
    const client = access.client(SSMClient);
    expect(await client.config.region()).toBe('eu-central-1');
    const credentials = await client.config.credentials();
    expect(credentials.accessKeyId).toBe(PROFILE_KEY_ID);
    expect(credentials.secretAccessKey).toBe(PROFILE_SECRET);
  });

  it('lets clientConfig override everything, last', async () => {
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    access = createAwsAccess({ region: 'us-east-2', maxAttempts: 2, clientConfig: { region: 'sa-east-1' } });
    const client = access.client(SSMClient, { region: 'ap-northeast-1' });
    expect(await client.config.region()).toBe('sa-east-1');
    expect(await client.config.maxAttempts()).toBe(2);
  });
});

describe('one client per class and region', () => {
  it('reuses the client it made for the same class and region, and makes another for another region', () => {
    access = createAwsAccess({ region: 'eu-west-1' });
    const first = access.client(SSMClient);
    expect(access.client(SSMClient)).toBe(first);
    expect(access.client(SSMClient, { region: 'eu-west-1' })).toBe(first);
    expect(access.client(SSMClient, { region: 'us-east-1' })).not.toBe(first);
  });

  it('destroys every client it made, and makes new ones afterwards', () => {
    access = createAwsAccess({ region: 'eu-west-1' });
    const first = access.client(SSMClient);
    const destroy = vi.spyOn(first, 'destroy');
    access.destroy();
    expect(destroy).toHaveBeenCalledOnce();
    expect(access.client(SSMClient)).not.toBe(first);
  });

  it('refuses a maxAttempts that is not a whole number from 1', () => {
    for (const maxAttempts of [0, -1, 1.5, Number.NaN]) {
      const error = (() => {
        try {
          createAwsAccess({ maxAttempts });
        } catch (caught) {
          return caught;
        }
      })();
      expect(isReletanError(error) && [error.code, error.kind]).toEqual([
        'AWS_MAX_ATTEMPTS_INVALID',
        'usage',
      ]);
    }
  });
});

describe('endpoints from AWS_ENDPOINT_URL_<SERVICE> (a local SSM stand-in)', () => {
  it("sends SSM requests to AWS_ENDPOINT_URL_SSM, signed with the profile's access key in its region", async () => {
    await writeProfile('eu-central-1');
    const ssm = await startSsmStandIn(() => PARAMETERS);
    vi.stubEnv('AWS_ENDPOINT_URL_SSM', ssm.url);
    access = createAwsAccess();
    const page = await readShopProd(access.client(SSMClient));
    expect(page.Parameters?.map((parameter) => parameter.Value)).toEqual(['decrypted-value-42']);
    expect(ssm.requests).toHaveLength(1);
    const [request] = ssm.requests;
    expect(request?.headers['x-amz-target']).toBe('AmazonSSM.GetParametersByPath');
    expect(request?.body).toEqual({ Path: '/shop/prod', WithDecryption: true });
    expect(request?.headers.authorization).toMatch(
      new RegExp(`^AWS4-HMAC-SHA256 Credential=${PROFILE_KEY_ID}/\\d{8}/eu-central-1/ssm/aws4_request,`),
    );
    expect(request?.headers.authorization).not.toContain(PROFILE_SECRET);
  });

  it('sends requests to AWS_ENDPOINT_URL when no service-specific endpoint is set', async () => {
    useStaticCredentials();
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    const ssm = await startSsmStandIn(() => PARAMETERS);
    vi.stubEnv('AWS_ENDPOINT_URL', ssm.url);
    access = createAwsAccess();
    await readShopProd(access.client(SSMClient));
    expect(ssm.requests).toHaveLength(1);
  });
});

describe("retries by the SDK's standard strategy (a local SSM stand-in)", () => {
  beforeEach(() => {
    useStaticCredentials();
    vi.stubEnv('AWS_REGION', 'eu-west-1');
  });

  it('retries a throttling answer up to maxAttempts requests, then fails with the attempts counted', async () => {
    const ssm = await startSsmStandIn(() => THROTTLED);
    vi.stubEnv('AWS_ENDPOINT_URL_SSM', ssm.url);
    access = createAwsAccess({ maxAttempts: 3 });
    const error = await readShopProd(access.client(SSMClient)).catch((caught: unknown) => caught);
    expect(ssm.requests).toHaveLength(3);
    expect(ssm.requests.map((request) => request.headers['amz-sdk-request'])).toEqual([
      'attempt=1; max=3',
      'attempt=2; max=3',
      'attempt=3; max=3',
    ]);
    expect(classifyAwsError(error)).toMatchObject({
      kind: 'throttled',
      name: 'ThrottlingException',
      message: 'Rate exceeded',
      attempts: 3,
      statusCode: 400,
      requestId: 'stand-in-3',
    });
  }, 15_000);

  it('reads the answer that comes after a throttled attempt', async () => {
    const ssm = await startSsmStandIn((count) => (count === 1 ? THROTTLED : PARAMETERS));
    vi.stubEnv('AWS_ENDPOINT_URL_SSM', ssm.url);
    access = createAwsAccess({ maxAttempts: 3 });
    const page = await readShopProd(access.client(SSMClient));
    expect(page.Parameters).toHaveLength(1);
    expect(page.$metadata.attempts).toBe(2);
    expect(ssm.requests).toHaveLength(2);
  }, 15_000);

  it('does not retry an answer that retrying cannot change (access denied)', async () => {
    const ssm = await startSsmStandIn(() => ({
      status: 400,
      body: { __type: 'AccessDeniedException', message: 'not authorized to perform ssm:GetParametersByPath' },
    }));
    vi.stubEnv('AWS_ENDPOINT_URL_SSM', ssm.url);
    access = createAwsAccess({ maxAttempts: 3 });
    const error = await readShopProd(access.client(SSMClient)).catch((caught: unknown) => caught);
    expect(ssm.requests).toHaveLength(1);
    expect(classifyAwsError(error)).toMatchObject({ kind: 'access-denied', attempts: 1 });
  });

  it('reports an endpoint that nobody answers as a network failure', async () => {
    const closed = await startSsmStandIn(() => PARAMETERS);
    await servers.pop()?.close();
    vi.stubEnv('AWS_ENDPOINT_URL_SSM', closed.url);
    access = createAwsAccess({ maxAttempts: 1 });
    const error = await readShopProd(access.client(SSMClient)).catch((caught: unknown) => caught);
    expect(classifyAwsError(error)).toMatchObject({
      kind: 'network',
      networkCode: 'ECONNREFUSED',
      attempts: 1,
    });
  });

  it('reports missing credentials as a credentials failure, without sending anything', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', undefined);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', undefined);
    vi.stubEnv('AWS_SESSION_TOKEN', undefined);
    const ssm = await startSsmStandIn(() => PARAMETERS);
    vi.stubEnv('AWS_ENDPOINT_URL_SSM', ssm.url);
    access = createAwsAccess({ maxAttempts: 1 });
    const error = await readShopProd(access.client(SSMClient)).catch((caught: unknown) => caught);
    expect(classifyAwsError(error).kind).toBe('credentials');
    expect(ssm.requests).toHaveLength(0);
  });
});

describe('every request shown at debug level (--verbose)', () => {
  beforeEach(() => {
    useStaticCredentials();
    vi.stubEnv('AWS_REGION', 'ap-northeast-1');
  });

  it('shows the service, operation and region, then the status and attempts', async () => {
    const ssm = await startSsmStandIn(() => PARAMETERS);
    vi.stubEnv('AWS_ENDPOINT_URL_SSM', ssm.url);
    const { logger, output } = debugLogger();
    access = createAwsAccess({ logger });
    await readShopProd(access.client(SSMClient));
    const lines = output().trimEnd().split('\n');
    expect(lines[0]).toBe('AWS SSM GetParametersByPath (ap-northeast-1)');
    expect(lines[1]).toMatch(
      new RegExp(
        `^AWS SSM GetParametersByPath \\(ap-northeast-1\\): 200 after 1 attempt in \\S+, endpoint ${ssm.url}$`,
      ),
    );
  });

  it('shows each failed attempt and the final failure', async () => {
    const ssm = await startSsmStandIn(() => THROTTLED);
    vi.stubEnv('AWS_ENDPOINT_URL_SSM', ssm.url);
    const { logger, output } = debugLogger();
    access = createAwsAccess({ logger, maxAttempts: 2 });
    await readShopProd(access.client(SSMClient)).catch(() => {});
    const lines = output().trimEnd().split('\n');
    expect(lines).toEqual([
      'AWS SSM GetParametersByPath (ap-northeast-1)',
      'AWS SSM GetParametersByPath attempt 1 of 2 failed: ThrottlingException (400)',
      'AWS SSM GetParametersByPath attempt 2 of 2 failed: ThrottlingException (400)',
      expect.stringMatching(
        /^AWS SSM GetParametersByPath \(ap-northeast-1\) failed after 2 attempts in \S+: ThrottlingException \(400\), endpoint http:\/\/127\.0\.0\.1:\d+$/,
      ),
    ]);
  }, 15_000);

  it('shows a request that got no answer by its network code', async () => {
    const closed = await startSsmStandIn(() => PARAMETERS);
    await servers.pop()?.close();
    vi.stubEnv('AWS_ENDPOINT_URL_SSM', closed.url);
    const { logger, output } = debugLogger();
    access = createAwsAccess({ logger, maxAttempts: 1 });
    await readShopProd(access.client(SSMClient)).catch(() => {});
    expect(output()).toContain('AWS SSM GetParametersByPath attempt 1 of 1 failed: ');
    expect(output()).toMatch(/ failed after 1 attempt in \S+: \w+ ECONNREFUSED, endpoint http:/);
  });

  it('never shows a credential, the input or a value read', async () => {
    const ssm = await startSsmStandIn(() => PARAMETERS);
    vi.stubEnv('AWS_ENDPOINT_URL_SSM', ssm.url);
    const { logger, output } = debugLogger();
    access = createAwsAccess({ logger });
    await readShopProd(access.client(SSMClient));
    expect(output()).toContain('GetParametersByPath');
    for (const shown of [
      'AKIAENVEXAMPLE000001',
      'env-secret-access-key-example',
      'env-session-token-example',
      '/shop/prod',
      'decrypted-value-42',
    ]) {
      expect(output()).not.toContain(shown);
    }
  });

  it('shows nothing without a logger at debug level', async () => {
    const ssm = await startSsmStandIn(() => PARAMETERS);
    vi.stubEnv('AWS_ENDPOINT_URL_SSM', ssm.url);
    let text = '';
    const stream = { write: (chunk: string) => (text += chunk) };
    access = createAwsAccess({ logger: createLogger({ level: 'info', stdout: stream, stderr: stream }) });
    await readShopProd(access.client(SSMClient));
    expect(text).toBe('');
  });
});
