import { isDeepStrictEqual } from 'node:util';
import type { Logger } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import { formatId } from '../domain/ids.ts';
import type { Services } from '../domain/services/index.ts';
import { changeRequestCard } from './blocks/change-request-card.ts';
import { requestCard } from './blocks/request-card.ts';
import type { Chat } from './chat.ts';
import type { Outbox, Schedule } from './outbox.ts';
import type { PostedMessage, PostedMessages } from '../domain/ports.ts';

/** How long a refresh waits for a card another process claimed to be posted (that process's Chat retries meanwhile). */
const CLAIM_WAIT_MS = 120_000;
const CLAIM_POLL_MS = 250;
/** How often a card write is checked against a newer state and redone (enough for any real interleaving). */
const STALE_ROUNDS = 3;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A card as rendered now, and the channel it goes to when it has not been posted yet (none: not posted). */
interface Card {
  channel: string | null;
  text: string;
  blocks: KnownBlock[];
}

/**
 * The cards: each request's card in its target environment's channel and each change request's card in production's,
 * posted once and kept up to date in place, wherever the work was started from. Failures are logged and never undo
 * or fail what already happened.
 */
export class Cards {
  /** Card refreshes run one after another per subject, each reading the state of its turn: the last one shown is the latest. */
  private readonly refreshes = new Map<string, Promise<void>>();
  /** Per subject, the refresh that has not read the state yet. */
  private readonly waitingRefreshes = new Map<string, Promise<void>>();
  private readonly chat: Chat;
  /** Where its database reads run (see Outbox.read). */
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

  /** Refreshes a card without holding up the caller (see Outbox.later). */
  refreshRequestCardLater(requestId: number) {
    this.outbox.later(`the card of ${formatId('request', requestId)}`, () => this.refreshRequestCard(requestId));
  }

  refreshChangeRequestCardLater(id: number) {
    this.outbox.later(`the card of ${formatId('changeRequest', id)}`, () => this.refreshChangeRequestCard(id));
  }

  /** Posts the request's card, or updates it in place when it was posted before. */
  refreshRequestCard(requestId: number): Promise<void> {
    return this.refreshCard(formatId('request', requestId), async () => {
      const overview = await this.services.requestOverview(requestId);
      return { channel: overview.environment.channel, ...requestCard(overview) };
    });
  }

  /** The change request's approval card in production's channel, posted once it is submitted, then kept up to date. */
  refreshChangeRequestCard(id: number): Promise<void> {
    return this.refreshCard(formatId('changeRequest', id), async () => {
      const details = await this.services.changeRequests.show(id);
      return { channel: details.changeRequest.state === 'draft' ? null : details.production.channel, ...changeRequestCard(details) };
    });
  }

  /**
   * A refresh asked for while another of the same card still waits for its turn joins that one: it reads the state
   * when its turn comes, which includes what the later asker changed.
   */
  private refreshCard(subject: string, render: () => Promise<Card>): Promise<void> {
    const waiting = this.waitingRefreshes.get(subject);
    if (waiting) return waiting;
    const reading = () => {
      if (this.waitingRefreshes.get(subject) === next) this.waitingRefreshes.delete(subject);
      return render();
    };
    const next: Promise<void> = (this.refreshes.get(subject) ?? Promise.resolve()).then(() => this.outbox.safely(`the card of ${subject}`, () => this.writeCard(subject, reading)));
    this.waitingRefreshes.set(subject, next);
    this.refreshes.set(subject, next);
    void next.then(() => {
      if (this.waitingRefreshes.get(subject) === next) this.waitingRefreshes.delete(subject);
      if (this.refreshes.get(subject) === next) this.refreshes.delete(subject);
    });
    return next;
  }

  private async writeCard(subject: string, render: () => Promise<Card>) {
    const [{ channel, ...card }, posted] = await this.schedule(() => Promise.all([render(), this.messages.find(subject, 'card')]));
    if (posted) return this.updateCard(posted, card, render);
    if (!channel) return;
    if (await this.messages.claim(subject, 'card', channel)) return this.postCard(subject, channel, card, render);
    // Another process is posting it, perhaps with an older state: this one's goes in once it is there.
    const there = await this.claimedCard(subject, channel);
    if (!there) return this.logger.warn(`The card of ${subject} was not posted within ${CLAIM_WAIT_MS / 1000} s by the process that claimed it; it is left to that process.`);
    const { channel: _, ...now } = await this.schedule(render);
    if (there === 'mine') return this.postCard(subject, channel, now, render);
    await this.updateCard(there, now, render);
  }

  private async postCard(subject: string, channel: string, card: Omit<Card, 'channel'>, render: () => Promise<Card>) {
    const { ts, channel: where } = await this.chat.post({ channel, ...card });
    await this.messages.save({ subject, role: 'card', channel: where, ts, linesPosted: 0 });
    await this.updateCard({ channel: where, ts }, card, render, true);
  }

  /**
   * Writes the card, then reads the state again: another replica may have written a newer card meanwhile, which
   * this older one just overwrote. Whoever wrote last sees the newest state and writes it, so that one stays.
   */
  private async updateCard(where: { channel: string; ts: string }, card: Omit<Card, 'channel'>, render: () => Promise<Card>, written = false) {
    for (let round = 0; round < STALE_ROUNDS; round++) {
      if (!written) await this.chat.update({ ...where, ...card });
      const { channel: _, ...now } = await this.schedule(render);
      if (isDeepStrictEqual(now, card)) return;
      card = now;
      written = false;
    }
  }

  /** Waits for the card another process claimed to be posted; takes the claim over if that process dies first. */
  private async claimedCard(subject: string, channel: string): Promise<PostedMessage | 'mine' | undefined> {
    for (const deadline = Date.now() + CLAIM_WAIT_MS; Date.now() < deadline; ) {
      await sleep(CLAIM_POLL_MS);
      const posted = await this.schedule(() => this.messages.find(subject, 'card'));
      if (posted) return posted;
      if (await this.messages.claim(subject, 'card', channel)) return 'mine';
    }
    return undefined;
  }
}

