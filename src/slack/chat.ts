import { createHash } from 'node:crypto';
import type { Logger } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import { type ChatPostMessageArguments, type FilesCompleteUploadExternalArguments, type FilesGetUploadURLExternalArguments, WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError, type WebClient } from '@slack/web-api';

/** Slack allows about one message per second per channel; thread replies count too. */
export const POST_INTERVAL_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

/** Messages whose last written content is remembered (the most recently written ones). */
const REMEMBERED = 1000;

/**
 * How fast Chat's waits go by: the pause between posts to a channel, Retry-After and the back-off after errors are
 * each multiplied by `scale`, read at every wait. Slack's own pace is 1 (SLACK_PACE); a test about something else
 * than the pace runs it faster, and may set it back to 1 for a test about the pace.
 */
export interface Pace {
  readonly scale: number;
}
export const SLACK_PACE: Pace = { scale: 1 };

export interface Message {
  channel: string;
  text: string;
  blocks?: KnownBlock[];
  thread_ts?: string;
  /** A thread reply shown in the channel too. */
  reply_broadcast?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fingerprint of what a message shows. */
export const contentOf = (message: Pick<Message, 'text' | 'blocks'>) => createHash('sha256').update(JSON.stringify([message.text, message.blocks ?? null])).digest('base64');

/** Errors worth another try: rate limits (after Retry-After), HTTP 5xx, timeouts and broken connections. */
function retryDelay(error: unknown, attempt: number): number | undefined {
  if (error instanceof WebAPIRateLimitedError) return error.retryAfter * 1000;
  if (error instanceof WebAPIHTTPError && error.statusCode < 500) return undefined;
  if (error instanceof WebAPIHTTPError || error instanceof WebAPIRequestError) return Math.min(MAX_BACKOFF_MS, 250 * 2 ** attempt);
  return undefined;
}

/** Slack's own errors that say it could not do the call now, rather than that it will not. */
const TRANSIENT_REFUSALS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited']);

/** Slack answered and refused the call for a reason another try will not change (a channel gone, a message deleted). */
export const isRefusal = (error: unknown) => error instanceof WebAPIPlatformError && !TRANSIENT_REFUSALS.has(error.data.error);

/** What the calls report (metrics): each call's outcome, and each retry. */
export interface WebApiObserver {
  called(method: string, outcome: 'ok' | 'rate_limited' | 'error'): void;
  retried(method: string): void;
}

/**
 * The bot's messages: posts paced per channel to stay inside Slack's limits, and every call retried on
 * rate limits (honouring Retry-After) and server errors, so that a busy or failing Slack delays messages but loses none.
 */
export class Chat {
  /** Per channel: the post under way (posts to one channel go one at a time) and when the next one may start. */
  private readonly lanes = new Map<string, Promise<unknown>>();
  private readonly freeAt = new Map<string, number>();
  /**
   * What this process last wrote into each message, so that an edit that would change nothing is not sent (several
   * events ask for the same card). Only saves calls: another process may have written the message since.
   */
  private readonly written = new Map<string, string>();

  constructor(
    readonly client: WebClient,
    private readonly logger: Logger,
    private readonly attempts = 8,
    private readonly pace: Pace = SLACK_PACE,
    private readonly observer?: WebApiObserver,
  ) {}

  async post(message: Message): Promise<{ channel: string; ts: string }> {
    const posted = await this.retrying(`chat.postMessage to ${message.channel}`, () =>
      this.inLane(message.channel, async () => {
        const result = await this.client.chat.postMessage(message as ChatPostMessageArguments);
        return { channel: result.channel ?? message.channel, ts: result.ts! };
      }),
    );
    if (!message.thread_ts) this.remember(posted, contentOf(message));
    return posted;
  }

  /**
   * Edits a message in place; not sent when this process wrote the very same content into it last, unless `always`
   * (the caller knows that another process may have written it since).
   */
  async update(message: Message & { ts: string }, o: { always?: boolean } = {}): Promise<void> {
    const content = contentOf(message);
    if (!o.always && this.written.get(`${message.channel} ${message.ts}`) === content) return;
    await this.retrying(`chat.update in ${message.channel}`, () => this.client.chat.update(message));
    this.remember(message, content);
  }

  /** The link that opens a posted message in Slack. */
  async permalink(channel: string, ts: string): Promise<string> {
    const result = await this.retrying(`chat.getPermalink in ${channel}`, () => this.client.chat.getPermalink({ channel, message_ts: ts }));
    return result.permalink!;
  }

  /** The conversation id of the app's direct messages with `user`. */
  async dmChannel(user: string): Promise<string> {
    const result = await this.retrying(`conversations.open with ${user}`, () => this.client.conversations.open({ users: user }));
    return result.channel!.id!;
  }

  /**
   * Shares a file into a conversation in Slack's three steps: ask where to send the bytes, send them there, complete
   * the upload into the channel (with `comment` as its message).
   */
  async upload(o: { channel: string; threadTs?: string; filename: string; bytes: Buffer; title: string; altText: string; comment?: string }): Promise<void> {
    // Slack documents the alt text as `alt_txt`; the client's type calls it `alt_text`, which Slack does not read.
    const where = { filename: o.filename, length: o.bytes.length, alt_txt: o.altText } as unknown as FilesGetUploadURLExternalArguments;
    const target = await this.retrying('files.getUploadURLExternal', () => this.client.files.getUploadURLExternal(where));
    const sent = await fetch(target.upload_url!, { method: 'POST', body: o.bytes });
    if (!sent.ok) throw new Error(`the upload of ${o.filename} was answered ${sent.status}`);
    await this.retrying('files.completeUploadExternal', () =>
      this.client.files.completeUploadExternal({
        files: [{ id: target.file_id!, title: o.title }],
        channel_id: o.channel,
        ...(o.threadTs ? { thread_ts: o.threadTs } : {}),
        ...(o.comment ? { initial_comment: o.comment } : {}),
      } as FilesCompleteUploadExternalArguments),
    );
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
        if (error instanceof WebAPIRateLimitedError) this.hold(channel, error.retryAfter * 1000 * this.pace.scale);
        throw error;
      } finally {
        this.hold(channel, POST_INTERVAL_MS * this.pace.scale);
      }
    });
    const settled = turn.catch(() => undefined);
    this.lanes.set(channel, settled);
    void settled.then(() => {
      if (this.lanes.get(channel) === settled) this.lanes.delete(channel);
    });
    return turn;
  }

  private remember(where: { channel: string; ts: string }, content: string) {
    const key = `${where.channel} ${where.ts}`;
    this.written.delete(key);
    this.written.set(key, content);
    if (this.written.size > REMEMBERED) this.written.delete(this.written.keys().next().value!);
  }

  private hold(channel: string, ms: number) {
    this.freeAt.set(channel, Math.max(this.freeAt.get(channel) ?? 0, Date.now() + ms));
  }

  async retrying<T>(what: string, call: () => Promise<T>): Promise<T> {
    const method = what.split(' ')[0]!;
    for (let attempt = 0; ; attempt++) {
      try {
        const answer = await call();
        this.observer?.called(method, 'ok');
        return answer;
      } catch (error) {
        this.observer?.called(method, error instanceof WebAPIRateLimitedError ? 'rate_limited' : 'error');
        const delay = retryDelay(error, attempt);
        if (delay === undefined || attempt + 1 >= this.attempts) throw error;
        this.observer?.retried(method);
        const wait = delay * this.pace.scale;
        this.logger.warn(`${what} failed (${(error as Error).message}); trying again in ${wait} ms`);
        await sleep(wait);
      }
    }
  }
}
