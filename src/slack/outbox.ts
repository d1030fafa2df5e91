import type { Logger } from '@slack/bolt';
import type { Environment } from '../domain/types.ts';
import type { Chat } from './chat.ts';

/** Runs a piece of work when its turn comes. */
export type Schedule = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * Messages about work that happened: direct messages and announcements in an environment's channel, posted without
 * holding up the work they announce. Failures are logged and never undo or fail what already happened.
 */
export class Outbox {
  /** Announcements under way; the work they announce does not wait for Slack. */
  private readonly pending = new Set<Promise<void>>();

  constructor(
    readonly chat: Chat,
    private readonly logger: Logger,
    /** Where the database reads of announcements run: the Slack app queues them behind acknowledgements (see Background). */
    readonly read: Schedule = (work) => work(),
  ) {}

  /** Announces without holding up the caller (Slack may be slow, or pace posts to one channel); see `drain`. */
  later(what: string, announce: () => Promise<void>) {
    const running: Promise<void> = this.safely(what, announce).finally(() => this.pending.delete(running));
    this.pending.add(running);
  }

  /** Resolves once every announcement made so far has been posted (or has failed). */
  async drain() {
    while (this.pending.size) await Promise.all(this.pending);
  }

  /** A direct message. */
  async tell(user: string, text: string) {
    await this.safely(`the message to ${user}`, () => this.chat.dm(user, text));
  }

  /** An announcement in an environment's channel (locks, reverts). */
  async announce(environment: Environment, text: string) {
    const channel = environment.channel;
    if (channel) await this.safely(`the announcement in ${environment.name}`, () => this.chat.post({ channel, text }));
  }

  async safely(what: string, work: () => Promise<unknown>) {
    try {
      await work();
    } catch (error) {
      this.logger.error(`Could not post ${what}: ${(error as Error).message}`);
    }
  }
}
