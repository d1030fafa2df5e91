import type { Logger } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import { WebAPIHTTPError, WebAPIRateLimitedError, WebAPIRequestError, type WebClient } from '@slack/web-api';

/** Slack allows about one message per second per channel; thread replies count too. */
export const POST_INTERVAL_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

export interface Message {
  channel: string;
  text: string;
  blocks?: KnownBlock[];
  thread_ts?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Errors worth another try: rate limits (after Retry-After), HTTP 5xx, timeouts and broken connections. */
function retryDelay(error: unknown, attempt: number): number | undefined {
  if (error instanceof WebAPIRateLimitedError) return error.retryAfter * 1000;
  if (error instanceof WebAPIHTTPError && error.statusCode < 500) return undefined;
  if (error instanceof WebAPIHTTPError || error instanceof WebAPIRequestError) return Math.min(MAX_BACKOFF_MS, 250 * 2 ** attempt);
  return undefined;
}

/**
 * The bot's messages: posts paced per channel to stay inside Slack's limits, and every call retried on
 * rate limits (honouring Retry-After) and server errors, so that a busy or failing Slack delays messages but loses none.
 */
export class Chat {
  private readonly nextPost = new Map<string, number>();

  constructor(
    readonly client: WebClient,
    private readonly logger: Logger,
    private readonly attempts = 8,
  ) {}

  async post(message: Message): Promise<{ channel: string; ts: string }> {
    return this.retrying(`chat.postMessage to ${message.channel}`, async () => {
      await this.slot(message.channel);
      const result = await this.client.chat.postMessage(message).catch((error) => {
        if (error instanceof WebAPIRateLimitedError) this.holdChannel(message.channel, error.retryAfter * 1000);
        throw error;
      });
      return { channel: result.channel ?? message.channel, ts: result.ts! };
    });
  }

  async update(message: Message & { ts: string }): Promise<void> {
    await this.retrying(`chat.update in ${message.channel}`, () => this.client.chat.update(message));
  }

  /** A direct message (the app's Messages tab). */
  dm(user: string, text: string, blocks?: KnownBlock[]) {
    return this.post({ channel: user, text, blocks });
  }

  /** Waits for the channel's next free posting slot. */
  private async slot(channel: string) {
    const now = Date.now();
    const at = Math.max(now, this.nextPost.get(channel) ?? 0);
    this.nextPost.set(channel, at + POST_INTERVAL_MS);
    if (at > now) await sleep(at - now);
  }

  private holdChannel(channel: string, ms: number) {
    this.nextPost.set(channel, Math.max(this.nextPost.get(channel) ?? 0, Date.now() + ms));
  }

  async retrying<T>(what: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const wait = retryDelay(error, attempt);
        if (wait === undefined || attempt + 1 >= this.attempts) throw error;
        this.logger.warn(`${what} failed (${(error as Error).message}); trying again in ${wait} ms`);
        await sleep(wait);
      }
    }
  }
}
