import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatError } from '@reletan/core';
import { captureLogger } from '@reletan/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlackNotifier } from './notifier.js';

const SECRET_PART = 's3cretWebhookPart';
let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A local stand-in for Slack's incoming-webhook endpoint, answering each request with the next status. */
async function webhookServer(statuses: number[] = [200]) {
  const received: { path: string; contentType: string | undefined; body: unknown }[] = [];
  server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    received.push({
      path: request.url ?? '',
      contentType: request.headers['content-type'],
      body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
    });
    const status = statuses[Math.min(received.length - 1, statuses.length - 1)] ?? 200;
    response.writeHead(status, { 'content-type': 'text/plain' });
    response.end(status === 200 ? 'ok' : status === 403 ? 'invalid_token' : 'internal_error');
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/services/T0001/B0001/${SECRET_PART}`, received };
}

function expectNoUrl(error: unknown) {
  const text = `${formatError(error, { verbose: true })}\n${JSON.stringify(error)}`;
  expect(text).not.toContain(SECRET_PART);
}

describe('posting to a Slack webhook', () => {
  it('posts the text and the blocks as JSON to the webhook', async () => {
    const slack = await webhookServer();
    const blocks = [
      { type: 'section' as const, text: { type: 'mrkdwn' as const, text: '*v1.2.0* is live' } },
    ];
    await createSlackNotifier({ url: slack.url }).post({ text: 'v1.2.0 is live', blocks });
    expect(slack.received).toEqual([
      {
        path: `/services/T0001/B0001/${SECRET_PART}`,
        contentType: 'application/json',
        body: { text: 'v1.2.0 is live', blocks },
      },
    ]);
  });

  it('registers the URL as a secret, so nothing the logger prints shows it', async () => {
    const slack = await webhookServer();
    const { logger, output } = captureLogger();
    createSlackNotifier({ url: slack.url, logger });
    logger.info(`posting to ${slack.url}`);
    expect(output()).not.toContain(SECRET_PART);
  });

  it('fails with what Slack answered, without the URL, and does not retry a 4xx', async () => {
    const slack = await webhookServer([403]);
    const error = await createSlackNotifier({ url: slack.url, retryMinMs: 1 })
      .post({ text: 'hello' })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'SLACK_FAILED',
      message: 'the Slack webhook answered 403: invalid_token',
    });
    expect(slack.received).toHaveLength(1);
    expectNoUrl(error);
  });

  it('retries a 5xx answer, and succeeds when Slack recovers', async () => {
    const slack = await webhookServer([500, 503, 200]);
    await createSlackNotifier({ url: slack.url, retries: 2, retryMinMs: 1 }).post({ text: 'hello' });
    expect(slack.received).toHaveLength(3);
  });

  it('keeps the URL out of the error when the webhook cannot be reached', async () => {
    const { url } = await webhookServer();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
    const error = await createSlackNotifier({ url, retries: 1, retryMinMs: 1 })
      .post({ text: 'hello' })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SLACK_FAILED' });
    expect((error as Error).message).toMatch(/^could not reach the Slack webhook: .*ECONNREFUSED/);
    expectNoUrl(error);
  });
});
