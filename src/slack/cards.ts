import type { Logger } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import { formatId } from '../domain/ids.ts';
import type { Services } from '../domain/services/index.ts';
import type { RequestOverview } from '../domain/services/queries.ts';
import { changeRequestCard } from './blocks/change-request-card.ts';
import { requestCard } from './blocks/request-card.ts';
import { type Chat, contentOf } from './chat.ts';
import type { Outbox, Schedule } from './outbox.ts';
import type { FoundMessage, PostedMessages } from '../domain/ports.ts';
import type { Environment } from '../domain/types.ts';

/** How long a refresh waits for a card another process claimed to be posted (that process's Chat retries meanwhile). */
const CLAIM_WAIT_MS = 120_000;
const CLAIM_POLL_MS = 250;
/**
 * Rewrites after another process's write crossed ours, at most. Only writes that read the state before its last
 * change can cross the newest one, so this never binds in practice; it keeps a fault from looping.
 */
const MAX_REWRITES = 5;
/** Cards whose last write by this process is remembered (the most recently written ones). */
const REMEMBERED = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A card as rendered now, and the channel it goes to when it has not been posted yet (none: not posted). */
interface Card {
  channel: string | null;
  text: string;
  blocks: KnownBlock[];
}

/** A rendering, with what it was rendered from (handed back to whoever asked for the refresh). */
type Rendered<T> = Card & { from: T };

type Shown = Omit<Card, 'channel'>;
type Where = { channel: string; ts: string };

/**
 * The cards: each request's card in its target environment's channel and each change request's card in production's,
 * posted once and kept up to date in place, wherever the work was started from. Failures are logged and never undo
 * or fail what already happened.
 *
 * Several processes may write one card at once, and Slack keeps whichever write arrives last, which may show an
 * older state than another that arrived before. Instead of rendering the card again after each write to compare, each
 * write is recorded in the card's row (`PostedMessages.recordWrite`): a count of writes and a fingerprint of the last
 * one's content. A writer reads the count before it reads the state (`before`); once its own write is made it records
 * it, and if a write with other content was recorded in between, either of the two may have been made last in Slack:
 * it renders and writes again. The other writer does the same when it records after this one, so that whichever of
 * two crossing writes is recorded last redoes its card from a state read after both: the last card shown is the
 * newest state. Writes that read the state after every change have the same content and never cross.
 */
export class Cards {
  /** Card refreshes run one after another per subject, each reading the state of its turn: the last one shown is the latest. */
  private readonly refreshes = new Map<string, Promise<unknown>>();
  /** Per subject, the refresh that has not read the state yet. */
  private readonly waitingRefreshes = new Map<string, Promise<unknown>>();
  /**
   * Per subject, the fingerprint this process last wrote and the count of writes recorded with it: while every write
   * recorded since has the same content, the card shows it, so it need not be sent again.
   */
  private readonly written = new Map<string, { fingerprint: string; writes: number }>();
  private readonly chat: Chat;
  /** Where its database work runs (see Outbox.read). */
  private readonly schedule: Schedule;

  constructor(
    private readonly services: Services,
    private readonly messages: PostedMessages,
    private readonly outbox: Outbox,
    private readonly logger: Logger,
  ) {
    this.chat = outbox.chat;
    this.schedule = outbox.read;
  }

  /** Where the request's card is, if it was posted (read at once, not behind acknowledgements). */
  async where(requestId: number): Promise<{ channel: string; ts: string } | undefined> {
    const card = await this.messages.find(formatId('request', requestId), 'card');
    return card && { channel: card.channel, ts: card.ts };
  }

  /** The card was written outside of these refreshes (a run's thread shows the run live): its next refresh writes it. */
  forget(subject: string) {
    this.written.delete(subject);
  }

  /**
   * Posts `text` in the thread of the request's card and in its channel (a thread reply broadcast): an outcome the
   * whole channel should see. Without a card, it is announced in the environment's channel.
   */
  async broadcast(requestId: number, text: string, environment: Environment) {
    const card = await this.schedule(() => this.where(requestId));
    if (!card) return this.outbox.announce(environment, text);
    await this.chat.post({ channel: card.channel, thread_ts: card.ts, reply_broadcast: true, text });
  }

  /** Refreshes a card without holding up the caller (see Outbox.later). */
  refreshRequestCardLater(requestId: number) {
    this.outbox.later(`the card of ${formatId('request', requestId)}`, () => this.refreshRequestCard(requestId).then(() => undefined));
  }

  refreshChangeRequestCardLater(id: number) {
    this.outbox.later(`the card of ${formatId('changeRequest', id)}`, () => this.refreshChangeRequestCard(id));
  }

  /**
   * Posts the request's card, or updates it in place when it was posted before. Resolves with the overview it was
   * last rendered from (none when the refresh failed), so that the caller need not read it again.
   */
  refreshRequestCard(requestId: number): Promise<RequestOverview | undefined> {
    return this.refreshCard(formatId('request', requestId), async () => {
      const overview = await this.services.requestOverview(requestId);
      return { channel: overview.environment.channel, ...requestCard(overview), from: overview };
    });
  }

  /** The change request's approval card in production's channel, posted once it is submitted, then kept up to date. */
  async refreshChangeRequestCard(id: number): Promise<void> {
    await this.refreshCard(formatId('changeRequest', id), async () => {
      const details = await this.services.changeRequests.show(id);
      return { channel: details.changeRequest.state === 'draft' ? null : details.production.channel, ...changeRequestCard(details), from: undefined };
    });
  }

  /**
   * A refresh asked for while another of the same card still waits for its turn joins that one: it reads the state
   * when its turn comes, which includes what the later asker changed.
   */
  private refreshCard<T>(subject: string, render: () => Promise<Rendered<T>>): Promise<T | undefined> {
    const waiting = this.waitingRefreshes.get(subject);
    if (waiting) return waiting as Promise<T | undefined>;
    const reading = () => {
      if (this.waitingRefreshes.get(subject) === next) this.waitingRefreshes.delete(subject);
      return render();
    };
    const write = async () => {
      let from: T | undefined;
      await this.outbox.safely(`the card of ${subject}`, async () => {
        from = await this.writeCard(subject, reading);
      });
      return from;
    };
    const next: Promise<T | undefined> = (this.refreshes.get(subject) ?? Promise.resolve()).then(write);
    this.waitingRefreshes.set(subject, next);
    this.refreshes.set(subject, next);
    void next.then(() => {
      if (this.waitingRefreshes.get(subject) === next) this.waitingRefreshes.delete(subject);
      if (this.refreshes.get(subject) === next) this.refreshes.delete(subject);
    });
    return next;
  }

  /** Resolves with what the card was last rendered from. */
  private async writeCard<T>(subject: string, render: () => Promise<Rendered<T>>): Promise<T | undefined> {
    // The count of writes is read before the state (see the class comment), not beside it.
    const [posted, { channel, from, ...card }] = await this.schedule(async () => [await this.messages.find(subject, 'card'), await render()] as const);
    if (posted) return (await this.updateCard(subject, posted, card, render)) ?? from;
    if (!channel) return from;
    if (await this.messages.claim(subject, 'card', channel)) return (await this.postCard(subject, channel, card, render)) ?? from;
    // Another process is posting it, perhaps with an older state: this one's goes in once it is there.
    const there = await this.claimedCard(subject, channel);
    if (!there) {
      this.logger.warn(`The card of ${subject} was not posted within ${CLAIM_WAIT_MS / 1000} s by the process that claimed it; it is left to that process.`);
      return from;
    }
    const { channel: _, from: now, ...shown } = await this.schedule(render);
    if (there === 'mine') return (await this.postCard(subject, channel, shown, render)) ?? now;
    return (await this.updateCard(subject, there, shown, render)) ?? now;
  }

  /** Posts the card, then records the post: a card's first recorded write is its post (a record needs it posted). */
  private async postCard<T>(subject: string, channel: string, card: Shown, render: () => Promise<Rendered<T>>) {
    const { ts, channel: where } = await this.chat.post({ channel, ...card });
    await this.messages.save({ subject, role: 'card', channel: where, ts, linesPosted: 0 });
    return this.recordWrite(subject, { channel: where, ts }, 0, contentOf(card), render);
  }

  /**
   * Writes the card over `posted` (whose writes were read before `card` was rendered), then records it. The same
   * content is not sent again when this process wrote it and every write recorded since had that content too.
   */
  private async updateCard<T>(subject: string, posted: FoundMessage, card: Shown, render: () => Promise<Rendered<T>>) {
    const where = { channel: posted.channel, ts: posted.ts };
    const fingerprint = contentOf(card);
    const mine = this.written.get(subject);
    const shown = mine?.fingerprint === fingerprint && posted.content === fingerprint && posted.contentSince <= mine.writes;
    if (!shown) await this.chat.update({ ...where, ...card }, { always: true });
    return this.recordWrite(subject, where, posted.writes, fingerprint, render);
  }

  /**
   * Records the write just made (`before`: the count of writes read before its state was). When a write of other
   * content was recorded meanwhile, the two may have reached Slack in either order: renders from a state read now and
   * writes again, whatever this process wrote last. Resolves with what a rewrite was rendered from (none: no rewrite).
   */
  private async recordWrite<T>(subject: string, where: Where, before: number, fingerprint: string, render: () => Promise<Rendered<T>>): Promise<T | undefined> {
    let from: T | undefined;
    for (let rewrites = 0; ; rewrites++) {
      const { writes, contentSince } = await this.schedule(() => this.messages.recordWrite(subject, 'card', fingerprint));
      this.remember(subject, fingerprint, writes);
      // Every write recorded after `before` had this content: whatever order they reached Slack in, it shows this.
      if (contentSince <= before + 1) return from;
      if (rewrites === MAX_REWRITES) {
        this.logger.warn(`The card of ${subject} was written by other processes at the same time ${MAX_REWRITES} times in a row; it is left as it is.`);
        return from;
      }
      // The count just recorded was read before the state that follows: the next round's `before`.
      before = writes;
      const { channel: _, from: now, ...card } = await this.schedule(render);
      from = now;
      fingerprint = contentOf(card);
      await this.chat.update({ ...where, ...card }, { always: true });
    }
  }

  private remember(subject: string, fingerprint: string, writes: number) {
    this.written.delete(subject);
    this.written.set(subject, { fingerprint, writes });
    if (this.written.size > REMEMBERED) this.written.delete(this.written.keys().next().value!);
  }

  /** Waits for the card another process claimed to be posted; takes the claim over if that process dies first. */
  private async claimedCard(subject: string, channel: string): Promise<FoundMessage | 'mine' | undefined> {
    for (const deadline = Date.now() + CLAIM_WAIT_MS; Date.now() < deadline; ) {
      await sleep(CLAIM_POLL_MS);
      const posted = await this.schedule(() => this.messages.find(subject, 'card'));
      if (posted) return posted;
      if (await this.messages.claim(subject, 'card', channel)) return 'mine';
    }
    return undefined;
  }
}
