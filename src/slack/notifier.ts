import { isDeepStrictEqual } from 'node:util';
import type { Logger } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import { formatId } from '../domain/ids.ts';
import { mention } from '../domain/pipeline.ts';
import type { Services } from '../domain/services/index.ts';
import { INTERRUPTED } from '../domain/services/interrupted.ts';
import type { DeploymentRequest, Environment } from '../domain/types.ts';
import { escape } from './blocks/format.ts';
import { changeRequestCard } from './blocks/change-request-card.ts';
import { requestCard } from './blocks/request-card.ts';
import type { Chat } from './chat.ts';
import type { PostedMessage, PostedMessages } from './posted-messages.ts';

/** How long a refresh waits for a card another process claimed to be posted (that process's Chat retries meanwhile). */
const CLAIM_WAIT_MS = 120_000;
const CLAIM_POLL_MS = 250;
/** How often a card write is checked against a newer state and redone (enough for any real interleaving). */
const STALE_ROUNDS = 3;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a piece of work when its turn comes. */
export type Schedule = <T>(work: () => Promise<T>) => Promise<T>;

/** A card as rendered now, and the channel it goes to when it has not been posted yet (none: not posted). */
interface Card {
  channel: string | null;
  text: string;
  blocks: KnownBlock[];
}

/**
 * Tells people what happened, wherever it was started from: each request's card in its target environment's
 * channel, kept up to date in place, and every outcome sent to the requester by direct message.
 * Failures are logged and never undo or fail what already happened.
 */
export class Notifier {
  /** Card refreshes run one after another per subject, each reading the state of its turn: the last one shown is the latest. */
  private readonly refreshes = new Map<string, Promise<void>>();
  /** Per subject, the refresh that has not read the state yet. */
  private readonly waitingRefreshes = new Map<string, Promise<void>>();
  /** Announcements under way; the work they announce does not wait for Slack. */
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly services: Services,
    private readonly chat: Chat,
    private readonly messages: PostedMessages,
    private readonly logger: Logger,
    /** Where its database reads run: the Slack app queues them behind acknowledgements (see Background). */
    private readonly schedule: Schedule = (read) => read(),
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

  /** Refreshes a card without holding up the caller (see `later`). */
  refreshRequestCardLater(requestId: number) {
    this.later(`the card of ${formatId('request', requestId)}`, () => this.refreshRequestCard(requestId));
  }

  refreshChangeRequestCardLater(id: number) {
    this.later(`the card of ${formatId('changeRequest', id)}`, () => this.refreshChangeRequestCard(id));
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
    const next: Promise<void> = (this.refreshes.get(subject) ?? Promise.resolve()).then(() => this.safely(`the card of ${subject}`, () => this.writeCard(subject, reading)));
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

  /** A direct message to the requester about an outcome of their request. */
  async tellRequester(request: DeploymentRequest, text: string) {
    await this.safely(`the message to ${request.requester}`, () => this.chat.dm(request.requester, text));
  }

  async tell(user: string, text: string) {
    await this.safely(`the message to ${user}`, () => this.chat.dm(user, text));
  }

  /** An announcement in an environment's channel (locks, reverts). */
  async announce(environment: Environment, text: string) {
    const channel = environment.channel;
    if (channel) await this.safely(`the announcement in ${environment.name}`, () => this.chat.post({ channel, text }));
  }

  /** What the requester is told about their request's new state, if anything. */
  async outcomeOf(request: DeploymentRequest): Promise<string | undefined> {
    const { environment } = await this.schedule(() => this.services.requestOverview(request.id));
    return this.outcome(request, environment);
  }

  private outcome(request: DeploymentRequest, env: Environment): string | undefined {
    const id = formatId('request', request.id);
    switch (request.state) {
      case 'approved':
        return `:white_check_mark: ${id} was approved${request.decidedBy ? ` by ${mention(request.decidedBy)}` : ''}: it waits in the ${env.name} queue for a deployer.`;
      case 'rejected':
        return `:no_entry: ${id} was rejected by ${mention(request.decidedBy ?? '?')}: ${sentence(escape(request.reason ?? ''))} Make the changes it asks for and send again.`;
      case 'deployed':
        return `:tada: ${id} is deployed to ${env.name} by ${mention(request.deployedBy ?? '?')}.`;
      case 'failed':
        if (request.reason === INTERRUPTED) {
          return `:warning: The deployment of ${id} to ${env.name} was interrupted: the process running it stopped. ${env.name} is unchanged; ${id} stays in the queue and can be deployed again.`;
        }
        return `:x: The deployment of ${id} to ${env.name} failed: ${escape(request.reason ?? 'see the log')}. It stays in the queue; \`/sandbox logs ${id}\` shows why.`;
      case 'expired':
        return `:zzz: ${id} expired in the ${env.name} queue: ${escape(request.reason ?? 'nobody decided in time')}. Send the changes again if they are still wanted.`;
      case 'reverted':
        return `:rewind: ${id} was reverted in ${env.name}. These changes cannot be deployed again as-is: make more changes and send again.`;
      default:
        return undefined;
    }
  }

  private async safely(what: string, work: () => Promise<unknown>) {
    try {
      await work();
    } catch (error) {
      this.logger.error(`Could not post ${what}: ${(error as Error).message}`);
    }
  }
}

/** A reason as a sentence: its own full stop, question or exclamation mark kept, a full stop added otherwise. */
const sentence = (text: string) => (/[.!?…]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`);
