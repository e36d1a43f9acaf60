import { type Logger, ReletanError } from '@reletan/core';
import type { Block, KnownBlock } from '@slack/types';

/** A message: the text (shown in notifications, and where blocks cannot be), and optional Block Kit blocks. */
export interface SlackMessage {
  /** In Slack's mrkdwn. */
  text: string;
  blocks?: readonly (KnownBlock | Block)[];
}

export interface SlackNotifierOptions {
  /** The incoming-webhook URL. A secret: it is registered with the logger and never appears in an error. */
  url: string;
  /** Registers the URL as a secret. */
  logger?: Logger | undefined;
  /** How long one request may take. @default 10000 */
  timeoutMs?: number | undefined;
  /** Retries of network failures and 5xx answers (4xx answers, 429 included, are final). @default 2 */
  retries?: number | undefined;
  /** The first retry's wait; each next one doubles. @default 500 */
  retryMinMs?: number | undefined;
  /** @default the global fetch */
  fetch?: typeof fetch | undefined;
}

/** Posts messages to one Slack incoming webhook. */
export interface SlackNotifier {
  /** Posts a message; throws `SLACK_FAILED` (saying what Slack answered, never the URL) when it cannot. */
  post(message: SlackMessage): Promise<void>;
}

/**
 * A notifier on Slack's official `@slack/webhook` client (imported on the first post). Transient failures
 * are retried by the client's own retry policy; what still fails becomes `SLACK_FAILED`, with Slack's
 * answer and without the URL, whose path is the secret.
 */
export function createSlackNotifier(options: SlackNotifierOptions): SlackNotifier {
  options.logger?.secret(options.url);
  return {
    async post(message) {
      const { IncomingWebhook, IncomingWebhookHTTPError, IncomingWebhookRequestError } = await import(
        '@slack/webhook'
      );
      const webhook = new IncomingWebhook(options.url, {
        timeout: options.timeoutMs ?? 10_000,
        retryConfig: {
          retries: options.retries ?? 2,
          factor: 2,
          minTimeout: options.retryMinMs ?? 500,
        },
        ...(options.fetch ? { fetch: options.fetch as never } : {}),
      });
      try {
        await webhook.send({
          text: message.text,
          ...(message.blocks ? { blocks: [...message.blocks] } : {}),
        });
      } catch (error) {
        // No cause is kept: the client's errors carry the request, and so the URL.
        if (error instanceof IncomingWebhookHTTPError) {
          const body = error.body.trim().slice(0, 200);
          throw slackFailed(`the Slack webhook answered ${error.statusCode}${body ? `: ${body}` : ''}`);
        }
        if (error instanceof IncomingWebhookRequestError) {
          throw slackFailed(`could not reach the Slack webhook: ${reason(error.original)}`);
        }
        throw slackFailed(`could not post to the Slack webhook: ${reason(error)}`);
      }
    },
  };
}

/** The innermost message of a network failure ("connect ECONNREFUSED 127.0.0.1:443", not "fetch failed"). */
function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? reason(error.cause) : error.message;
}

function slackFailed(message: string): ReletanError {
  return new ReletanError({
    code: 'SLACK_FAILED',
    message,
    hint: 'check the webhook URL in the variable that holds it (a 404 or "no_service" means the webhook was removed)',
  });
}
