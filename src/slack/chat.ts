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
  /** Per channel: the post under way (posts to one channel go one at a time) and when the next one may start. */
  private readonly lanes = new Map<string, Promise<unknown>>();
  private readonly freeAt = new Map<string, number>();

  constructor(
    readonly client: WebClient,
    private readonly logger: Logger,
    private readonly attempts = 8,
  ) {}

  async post(message: Message): Promise<{ channel: string; ts: string }> {
    return this.retrying(`chat.postMessage to ${message.channel}`, () =>
      this.inLane(message.channel, async () => {
        const result = await this.client.chat.postMessage(message);
        return { channel: result.channel ?? message.channel, ts: result.ts! };
      }),
    );
  }

  async update(message: Message & { ts: string }): Promise<void> {
    await this.retrying(`chat.update in ${message.channel}`, () => this.client.chat.update(message));
  }

  /** A direct message (the app's Messages tab). */
  dm(user: string, text: string, blocks?: KnownBlock[]) {
    return this.post({ channel: user, text, blocks });
  }

  /**
   * Runs a post after the channel's previous one, a full interval after it was answered (measured from the answer,
   * so that network delays never squeeze two posts into one of Slack's seconds); a rate limit holds the channel longer.
   */
  private inLane<T>(channel: string, post: () => Promise<T>): Promise<T> {
    const turn = (this.lanes.get(channel) ?? Promise.resolve()).then(async () => {
      const wait = (this.freeAt.get(channel) ?? 0) - Date.now();
      if (wait > 0) await sleep(wait);
      try {
        return await post();
      } catch (error) {
        if (error instanceof WebAPIRateLimitedError) this.hold(channel, error.retryAfter * 1000);
        throw error;
      } finally {
        this.hold(channel, POST_INTERVAL_MS);
      }
    });
    const settled = turn.catch(() => undefined);
    this.lanes.set(channel, settled);
    void settled.then(() => {
      if (this.lanes.get(channel) === settled) this.lanes.delete(channel);
    });
    return turn;
  }

  private hold(channel: string, ms: number) {
    this.freeAt.set(channel, Math.max(this.freeAt.get(channel) ?? 0, Date.now() + ms));
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
