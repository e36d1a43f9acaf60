import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createAwsAccess } from '@reletan/aws';
import { createLogger, isReletanError } from '@reletan/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readSsmParameters, ssmEntries } from './ssm.js';

const ssm = mockClient(SSMClient);
afterEach(() => ssm.reset());

const testConfig = {
  region: 'ap-northeast-1',
  credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test-secret-key' },
};

function throttling(): Error {
  return Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400, attempts: 5 },
  });
}

describe('reading an SSM path (aws-sdk-client-mock)', () => {
  it('reads every page, following NextToken to the end', async () => {
    ssm
      .on(GetParametersByPathCommand)
      .resolvesOnce({
        Parameters: [{ Name: '/shop/prod/A', Type: 'String', Value: '1' }],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        Parameters: [{ Name: '/shop/prod/B', Type: 'SecureString', Value: 'decrypted-b' }],
        NextToken: 'page-3',
      })
      .resolvesOnce({
        Parameters: [{ Name: '/shop/prod/db/C', Type: 'SecureString', Value: 'decrypted-c' }],
      });
    const parameters = await readSsmParameters('/shop/prod', { clientConfig: testConfig });
    expect(parameters.map((parameter) => [parameter.name, parameter.value])).toEqual([
      ['/shop/prod/A', '1'],
      ['/shop/prod/B', 'decrypted-b'],
      ['/shop/prod/db/C', 'decrypted-c'],
    ]);
    expect(ssm.commandCalls(GetParametersByPathCommand).map((call) => call.args[0].input.NextToken)).toEqual([
      undefined,
      'page-2',
      'page-3',
    ]);
  });

  it('asks SSM to decrypt SecureStrings and to read the path recursively, on every page', async () => {
    ssm
      .on(GetParametersByPathCommand)
      .resolvesOnce({ Parameters: [], NextToken: 'next' })
      .resolvesOnce({ Parameters: [] });
    await readSsmParameters('/shop/prod', { clientConfig: testConfig });
    const inputs = ssm.commandCalls(GetParametersByPathCommand).map((call) => call.args[0].input);
    expect(inputs).toHaveLength(2);
    for (const input of inputs) {
      expect(input).toMatchObject({
        Path: '/shop/prod',
        WithDecryption: true,
        Recursive: true,
        MaxResults: 10,
      });
    }
  });

  it("turns a throttling error into ENV_SSM_FAILED, naming the path and the attempts in the error's metadata", async () => {
    ssm.on(GetParametersByPathCommand).rejects(throttling());
    const error = await readSsmParameters('/shop/prod', { clientConfig: testConfig }).catch(
      (caught) => caught,
    );
    expect(isReletanError(error) && error.code).toBe('ENV_SSM_FAILED');
    expect(error.message).toBe(
      'reading SSM parameters under /shop/prod failed after 5 attempts: ThrottlingException: Rate exceeded',
    );
    expect(error.hint).toMatch(/throttl/);
  });

  it('says which credentials and permissions are needed when access is denied', async () => {
    ssm.on(GetParametersByPathCommand).rejects(
      Object.assign(new Error('not authorized to perform ssm:GetParametersByPath'), {
        name: 'AccessDeniedException',
      }),
    );
    const error = await readSsmParameters('/shop/prod', { clientConfig: testConfig }).catch(
      (caught) => caught,
    );
    expect(error.hint).toMatch(/ssm:GetParametersByPath.*kms:Decrypt/);
  });

  it('stops on a NextToken that repeats instead of paging forever', async () => {
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [], NextToken: 'same' });
    const error = await readSsmParameters('/shop/prod', { clientConfig: testConfig }).catch(
      (caught) => caught,
    );
    expect(error.message).toMatch(/same NextToken twice/);
    expect(ssm.commandCalls(GetParametersByPathCommand)).toHaveLength(2);
  });
});

describe('reading through the AWS access of the command', () => {
  it('makes its client with the access it is given, in the region asked for, and leaves the access open', async () => {
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [{ Name: '/shop/prod/A', Value: '1' }] });
    const aws = createAwsAccess({ clientConfig: testConfig });
    const client = vi.spyOn(aws, 'client');
    const destroy = vi.spyOn(aws, 'destroy');
    const parameters = await readSsmParameters('/shop/prod', { aws, region: 'eu-west-1' });
    expect(parameters).toEqual([{ name: '/shop/prod/A', value: '1' }]);
    expect(client).toHaveBeenCalledWith(SSMClient, { region: 'eu-west-1' });
    expect(destroy).not.toHaveBeenCalled();
    aws.destroy();
  });

  it('says which credentials are needed when the token has expired', async () => {
    ssm.on(GetParametersByPathCommand).rejects(
      Object.assign(new Error('The security token included in the request is expired'), {
        name: 'ExpiredTokenException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400, attempts: 1 },
      }),
    );
    const error = await readSsmParameters('/shop/prod', { clientConfig: testConfig }).catch(
      (caught) => caught,
    );
    expect(isReletanError(error) && error.code).toBe('ENV_SSM_FAILED');
    expect(error.hint).toMatch(/AWS_PROFILE.*ssm:GetParametersByPath.*kms:Decrypt/);
  });

  it('points at the path, the region and the network when SSM cannot be reached', async () => {
    ssm
      .on(GetParametersByPathCommand)
      .rejects(
        Object.assign(new Error('getaddrinfo ENOTFOUND ssm.nowhere-1.amazonaws.com'), { code: 'ENOTFOUND' }),
      );
    const error = await readSsmParameters('/shop/prod', { clientConfig: testConfig }).catch(
      (caught) => caught,
    );
    expect(error.message).toBe(
      'reading SSM parameters under /shop/prod failed: Error: getaddrinfo ENOTFOUND ssm.nowhere-1.amazonaws.com',
    );
    expect(error.hint).toBe(
      'check the path, the region (AWS_REGION or stages.<s>.deploy.region) and the network',
    );
  });
});

/**
 * The real SSM client over a fake HTTP exchange, shaped as SSM's JSON protocol does: aws-sdk-client-mock
 * replaces Client#send, so the SDK's retry middleware never runs under it.
 */
function fakeTransport(responses: { status: number; body: Record<string, unknown> }[]) {
  const requests: { target: string; body: Record<string, unknown> }[] = [];
  const requestHandler = {
    async handle(request: { headers: Record<string, string>; body: string | Uint8Array }) {
      const text =
        typeof request.body === 'string' ? request.body : Buffer.from(request.body).toString('utf8');
      requests.push({ target: request.headers['x-amz-target'] ?? '', body: JSON.parse(text) });
      const next = responses.shift();
      if (!next) throw new Error('unexpected request');
      return {
        response: {
          statusCode: next.status,
          reason: next.status === 200 ? 'OK' : 'Bad Request',
          headers: {
            'content-type': 'application/x-amz-json-1.1',
            'x-amzn-requestid': `req-${requests.length}`,
          },
          body: Buffer.from(JSON.stringify(next.body)),
        },
      };
    },
    destroy() {},
  };
  return { requests, clientConfig: { ...testConfig, requestHandler: requestHandler as never } };
}

const THROTTLED = { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } };

describe("throttling retried by the SDK's own retry strategy (a fake HTTP transport)", () => {
  it('retries a ThrottlingException, then reads every page', async () => {
    ssm.restore();
    const { requests, clientConfig } = fakeTransport([
      THROTTLED,
      {
        status: 200,
        body: { Parameters: [{ Name: '/shop/prod/A', Type: 'SecureString', Value: 'one' }], NextToken: 't2' },
      },
      THROTTLED,
      { status: 200, body: { Parameters: [{ Name: '/shop/prod/B', Type: 'SecureString', Value: 'two' }] } },
    ]);
    const parameters = await readSsmParameters('/shop/prod', { clientConfig });
    expect(parameters.map((parameter) => parameter.value)).toEqual(['one', 'two']);
    expect(requests.map((request) => request.target)).toEqual(Array(4).fill('AmazonSSM.GetParametersByPath'));
    expect(requests.map((request) => request.body)).toEqual([
      { Path: '/shop/prod', Recursive: true, WithDecryption: true, MaxResults: 10 },
      { Path: '/shop/prod', Recursive: true, WithDecryption: true, MaxResults: 10 },
      { Path: '/shop/prod', Recursive: true, WithDecryption: true, MaxResults: 10, NextToken: 't2' },
      { Path: '/shop/prod', Recursive: true, WithDecryption: true, MaxResults: 10, NextToken: 't2' },
    ]);
  }, 15_000);

  it('reports throttling that outlasted the retries as ENV_SSM_FAILED after maxAttempts requests', async () => {
    ssm.restore();
    const { requests, clientConfig } = fakeTransport([THROTTLED, THROTTLED, THROTTLED]);
    const error = await readSsmParameters('/shop/prod', { clientConfig, maxAttempts: 2 }).catch(
      (caught) => caught,
    );
    expect(requests).toHaveLength(2);
    expect(isReletanError(error) && error.code).toBe('ENV_SSM_FAILED');
    expect(error.message).toBe(
      'reading SSM parameters under /shop/prod failed after 2 attempts: ThrottlingException: Rate exceeded',
    );
    expect(error.hint).toMatch(/throttl/);
  }, 15_000);
});

describe('the SSM read under --verbose (a fake HTTP transport)', () => {
  it("shows each request through the access's logger, and never a value read", async () => {
    ssm.restore();
    const { clientConfig } = fakeTransport([
      {
        status: 200,
        body: { Parameters: [{ Name: '/shop/prod/A', Type: 'SecureString', Value: 'decrypted-a' }] },
      },
    ]);
    let text = '';
    const stream = { write: (chunk: string) => (text += chunk) };
    const logger = createLogger({ level: 'debug', color: false, stdout: stream, stderr: stream, env: {} });
    const aws = createAwsAccess({ logger, clientConfig });
    await readSsmParameters('/shop/prod', { aws });
    aws.destroy();
    expect(text).toMatch(/^AWS SSM GetParametersByPath \(ap-northeast-1\)\n/);
    expect(text).toMatch(/: 200 after 1 attempt in /);
    expect(text).not.toContain('decrypted-a');
    expect(text).not.toContain('test-secret-key');
  });
});

describe('SSM parameter names as keys', () => {
  it('takes the last path segment as the key, whatever the depth', () => {
    const entries = ssmEntries('/shop/prod', [
      { name: '/shop/prod/db/DB_PASSWORD', value: 'x' },
      { name: '/shop/prod/API_TOKEN', value: 'y' },
    ]);
    expect(entries.map((entry) => [entry.key, entry.source.parameter, entry.source.secret])).toEqual([
      ['API_TOKEN', '/shop/prod/API_TOKEN', true],
      ['DB_PASSWORD', '/shop/prod/db/DB_PASSWORD', true],
    ]);
  });
});
