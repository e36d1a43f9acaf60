import { ReletanError } from '@reletan/core';

export interface PostToSlackOptions {
  /** The incoming-webhook URL (a secret: register it with the logger). */
  url: string;
  /** The message, in Slack's mrkdwn. */
  text: string;
  /** @default the global fetch */
  fetch?: typeof fetch | undefined;
}

/** Posts a message to a Slack incoming webhook. The URL never appears in an error. */
export async function postToSlack(options: PostToSlackOptions): Promise<void> {
  const request = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await request(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: options.text }),
    });
  } catch (error) {
    throw new ReletanError({
      code: 'SLACK_FAILED',
      message: `could not reach the Slack webhook: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`,
      hint: 'check the webhook URL, then run the finish again: the steps already done are not redone',
    });
  }
  if (!response.ok) {
    const detail = (await response.text().catch(() => '')).slice(0, 200);
    throw new ReletanError({
      code: 'SLACK_FAILED',
      message: `the Slack webhook answered ${response.status}${detail ? `: ${detail}` : ''}`,
      hint: 'check the webhook URL, then run the finish again: the steps already done are not redone',
    });
  }
}
