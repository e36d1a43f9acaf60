import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateConfig } from '@reletan/config';
import { formatError, type GitRunner, isReletanError, type ReletanError } from '@reletan/core';
import { captureLogger, type TestRepo } from '@reletan/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { finishFlow, startFlow } from './flow.js';
import { commitFile, createDevelopRepo } from './test-support.js';

interface Received {
  path: string;
  contentType: string | undefined;
  body: unknown;
}

let server: Server | undefined;
const repos: TestRepo[] = [];
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  await Promise.all(repos.splice(0).map((repo) => repo.cleanup()));
});

/** A local stand-in for Slack's incoming-webhook endpoint. */
async function webhookServer(status = 200): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  server = createServer(async (request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    received.push({
      path: request.url ?? '',
      contentType: request.headers['content-type'],
      body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
    });
    response.writeHead(status, { 'content-type': 'text/plain' });
    response.end(status === 200 ? 'ok' : 'invalid_token');
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/services/T0001/B0001/s3cretWebhookPart`, received };
}

async function releaseReadyToFinish() {
  const repo = await createDevelopRepo();
  repos.push(repo);
  const config = validateConfig({
    github: { repository: 'acme/shop' },
    notify: { slackWebhookEnv: 'SLACK_WEBHOOK_URL' },
  });
  await startFlow({ git: repo.git, config, kind: 'release', version: '1.0.0', env: {} });
  await commitFile(repo, 'VERSION', '1.0.0\n', 'Bump version to 1.0.0');
  return { repo, config };
}

/** Everything an error shows (message, hint, details, causes, the --verbose rendering) is free of the URL. */
function expectNoUrl(error: unknown) {
  expect(isReletanError(error)).toBe(true);
  const reletanError = error as ReletanError;
  const shown = [
    reletanError.message,
    reletanError.hint ?? '',
    ...reletanError.details,
    String(reletanError.cause ?? ''),
    formatError(error, { verbose: true }),
  ];
  for (const text of shown) expect(text).not.toContain('s3cretWebhookPart');
}

describe('posting the release notes to Slack on finish', () => {
  it('posts the notes once when notify.slackWebhookEnv names a set variable, and never prints the URL', async () => {
    const { repo, config } = await releaseReadyToFinish();
    const slack = await webhookServer();
    const { logger, output: text } = captureLogger();
    const result = await finishFlow({
      git: repo.git,
      config,
      kind: 'release',
      push: true,
      logger,
      env: { SLACK_WEBHOOK_URL: slack.url },
    });
    expect(result.slackPosted).toBe(true);
    expect(slack.received).toEqual([
      {
        path: '/services/T0001/B0001/s3cretWebhookPart',
        contentType: 'application/json',
        body: {
          text: '*Release v1.0.0*\n• <https://github.com/acme/shop/pull/1|#1> Add the cart\n• <https://github.com/acme/shop/pull/2|#2> Fix the price rounding',
        },
      },
    ]);
    expect(result.operations).toContain('POST the release notes to the Slack webhook in $SLACK_WEBHOOK_URL');
    logger.info(`posted to ${slack.url}`);
    expect(text()).not.toContain('s3cretWebhookPart');
    expect(JSON.stringify(result)).not.toContain('s3cretWebhookPart');
  });

  it('posts nothing, and says so, when the variable is not set or empty', async () => {
    for (const env of [{}, { SLACK_WEBHOOK_URL: '' }]) {
      const { repo, config } = await releaseReadyToFinish();
      const slack = await webhookServer();
      const { logger, output: text } = captureLogger();
      const result = await finishFlow({ git: repo.git, config, kind: 'release', env, logger });
      expect(result.slackPosted).toBe(false);
      expect(slack.received).toEqual([]);
      expect(text()).toContain(
        'notify.slackWebhookEnv names SLACK_WEBHOOK_URL, which is not set: the release notes are not posted to Slack',
      );
      await new Promise((resolve) => server?.close(resolve));
      server = undefined;
    }
  });

  it('posts once: a rerun after a later step failed does not post again', async () => {
    const { repo, config } = await releaseReadyToFinish();
    const slack = await webhookServer();
    const env = { SLACK_WEBHOOK_URL: slack.url };
    // The step after the post (deleting the local branch) fails once.
    let failed = false;
    const git: GitRunner = {
      cwd: repo.git.cwd,
      output: (args, options) => repo.git.output(args, options),
      run: async (args, options) => {
        if (args[0] === 'branch' && args[1] === '-d' && !failed) {
          failed = true;
          return { exitCode: 1, stdout: '', stderr: 'error: simulated failure' };
        }
        return repo.git.run(args, options);
      },
    };
    const error = await finishFlow({ git, config, kind: 'release', env }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'GIT_FAILED', message: 'git branch -d release/1.0.0 failed' });
    expect(slack.received).toHaveLength(1);

    const resumed = await finishFlow({ git, config, kind: 'release', env });
    expect(slack.received).toHaveLength(1);
    expect(resumed.slackPosted).toBe(false);
    expect(resumed.alreadyDone).toContain('the release notes are already posted to Slack');
    expect(resumed.operations).toEqual(['git branch -d release/1.0.0']);
  });

  it('fails without the URL in the error when Slack refuses, and a rerun posts it and completes', async () => {
    const { repo, config } = await releaseReadyToFinish();
    const refusing = await webhookServer(403);
    const error = await finishFlow({
      git: repo.git,
      config,
      kind: 'release',
      env: { SLACK_WEBHOOK_URL: refusing.url },
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'SLACK_FAILED',
      message: 'the Slack webhook answered 403: invalid_token',
    });
    expectNoUrl(error);
    await new Promise((resolve) => server?.close(resolve));

    const slack = await webhookServer();
    const resumed = await finishFlow({
      git: repo.git,
      config,
      kind: 'release',
      env: { SLACK_WEBHOOK_URL: slack.url },
    });
    expect(resumed.slackPosted).toBe(true);
    expect(resumed.operations).toEqual([
      'POST the release notes to the Slack webhook in $SLACK_WEBHOOK_URL',
      'git config reletan.v1.0.0.slackPosted true',
      'git branch -d release/1.0.0',
    ]);
  });
});
