import type { Logger } from '@slack/bolt';
import type { PipelineConfig } from '../config/schema.ts';
import { DomainError } from '../domain/errors.ts';
import { formatId } from '../domain/ids.ts';
import type { Services } from '../domain/services/index.ts';
import type { Reminder } from '../domain/services/schedules.ts';
import { durationMs } from '../domain/time.ts';
import type { Digest, Escalation } from '../domain/services/digests.ts';
import { AUTO_DEPLOYER } from '../domain/services/access.ts';
import { DIGEST_SHOWN, digestMessage, driftReportMessage, escalationText, reminderText, scheduledDeploymentRefused } from './blocks/scheduled.ts';
import type { Chat } from './chat.ts';
import type { Cards } from './cards.ts';
import type { Outbox } from './outbox.ts';
import type { PostedMessages } from '../domain/ports.ts';
import type { ThreadLog } from './threads/thread-log.ts';
import { inSlack } from './blocks/format.ts';

/** How long ticks and deliveries are remembered: far longer than any retry or clock skew between replicas. */
const MEMORY_MS = 7 * 24 * 3_600_000;

export interface ScheduledWorkDeps {
  /** The announcing services: what the scheduler does is seen in Slack like what people do. */
  services: Services;
  schedules: PipelineConfig['schedules'];
  chat: Chat;
  messages: PostedMessages;
  cards: Cards;
  outbox: Outbox;
  threads: ThreadLog;
  /** Runs a deployment the way the app runs deployments started in Slack (after the tick, in the background). */
  background: <T>(work: () => Promise<T>) => Promise<T>;
  /** Forgets old ticks and deliveries. */
  prune(before: Date): Promise<void>;
  logger: Logger;
}

/** A post into a request card's thread; without a card (no channel), to `withoutCard` by direct message. */
async function intoCardThread(deps: ScheduledWorkDeps, requestId: number, text: string, withoutCard: string[]) {
  const card = await deps.messages.find(formatId('request', requestId), 'card');
  if (card) await deps.chat.post({ channel: card.channel, thread_ts: card.ts, text });
  else await Promise.all(withoutCard.map((user) => deps.outbox.tell(user, text)));
}

/** A reminder mentions the approvers who have not voted. */
const remind = (deps: ScheduledWorkDeps, reminder: Reminder) =>
  intoCardThread(deps, reminder.request.id, reminderText(reminder, deps.schedules.approvalReminder.times), reminder.waitingOn);

/** The admins called in after the last reminder, in the card's thread; without a card, by direct message. */
const escalate = (deps: ScheduledWorkDeps, escalation: Escalation) =>
  intoCardThread(deps, escalation.request.id, escalationText(escalation, deps.schedules.approvalReminder.times), escalation.calledIn);

/** One approver's digest by direct message, each request a link to its card where it has one. */
async function sendDigest(deps: ScheduledWorkDeps, digest: Digest) {
  const links = new Map<number, string>();
  for (const { request } of digest.items.slice(0, DIGEST_SHOWN)) {
    const card = await deps.messages.find(formatId('request', request.id), 'card');
    const link = card && (await deps.chat.permalink(card.channel, card.ts).catch(() => undefined));
    if (link) links.set(request.id, link);
  }
  const { text, blocks } = digestMessage(digest, links);
  await deps.chat.dm(digest.approver, text, blocks);
}

/** A deployment the scheduler took: run as the person who scheduled it; a refusal is told to them. */
async function deployScheduled(deps: ScheduledWorkDeps, due: { requestId: number; by: string; at: Date }) {
  try {
    await deps.services.deploy({ user: due.by, via: 'scheduler' }, due.requestId);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    deps.cards.refreshRequestCardLater(due.requestId);
    await deps.outbox.tell(due.by, scheduledDeploymentRefused(due.requestId, due.at, inSlack(error.words)));
  }
}

/** An automatic deployment (`autoDeploy`), as the scheduler; one another replica started first is left to it. */
async function deployAutomatically(deps: ScheduledWorkDeps, requestId: number) {
  try {
    await deps.services.deploy(AUTO_DEPLOYER, requestId);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    deps.logger.info(`The automatic deployment of ${formatId('request', requestId)} did not start: ${error.message}`);
  }
}

/**
 * Starts the next automatic deployment of each `autoDeploy` environment, if one is due: at each tick, and as soon as
 * a request is approved or a deployment ends (a replica that comes second is refused by the deployment's own claim).
 */
export async function startAutoDeployments(deps: ScheduledWorkDeps) {
  for (const request of await deps.services.scheduler.dueAutoDeployments()) {
    void deps.background(() => deployAutomatically(deps, request.id)).catch((error) => deps.logger.error(`The automatic deployment of ${formatId('request', request.id)} failed: ${(error as Error).message}`));
  }
}

/**
 * The scheduler's jobs. `tick` (every 30 s by default) looks for due work: runs of dead processes to mark
 * interrupted, threads left unfinished (Slack was down, or their writer died), approval reminders and, after the last,
 * the admins called in, requests to expire, scheduled deployments, automatic deployments (`autoDeploy`), and reads the
 * branches of the instances kept in git. `digest` tells each approver what waits for
 * their vote. `driftReport` compares each staging
 * instance with production. Each piece of work is taken in the database, so a replica that runs a tick late, or
 * twice, repeats nothing.
 */
export function scheduledJobs(deps: ScheduledWorkDeps): Record<'tick' | 'driftReport' | 'digest', () => Promise<void>> {
  const { services, schedules } = deps;
  const reminders = { after: durationMs(schedules.approvalReminder.after)!, every: durationMs(schedules.approvalReminder.every)!, times: schedules.approvalReminder.times };
  const safely = async (what: string, work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (error) {
      deps.logger.warn(`The scheduler could not ${what}: ${(error as Error).message}`);
    }
  };
  return {
    async tick() {
      await safely('recover interrupted runs', () => services.recoverInterruptedRuns());
      // Not awaited: while Slack is down a pass can take minutes; passes never pile up (see ThreadLog.resume).
      void deps.threads.resume();
      await safely('send approval reminders', async () => {
        for (const reminder of await services.scheduler.takeDueReminders(reminders)) await safely(`remind about ${formatId('request', reminder.request.id)}`, () => remind(deps, reminder));
      });
      await safely('call admins in', async () => {
        for (const escalation of await services.scheduler.takeDueEscalations(reminders)) await safely(`call admins in on ${formatId('request', escalation.request.id)}`, () => escalate(deps, escalation));
      });
      await safely('expire requests', () => services.scheduler.expireStaleRequests(durationMs(schedules.expireAfter)!));
      await safely('start scheduled deployments', async () => {
        for (const due of await services.scheduler.takeDueDeployments()) {
          void deps.background(() => deployScheduled(deps, due)).catch((error) => deps.logger.error(`The scheduled deployment of ${formatId('request', due.requestId)} failed: ${(error as Error).message}`));
        }
      });
      await safely('start automatic deployments', () => startAutoDeployments(deps));
      await safely('read the instances kept in git', async () => {
        for (const { instance, reason } of await services.scheduler.refreshAll()) deps.logger.warn(`The scheduler could not refresh ${instance}: ${reason}`);
      });
      await safely('forget old ticks', () => deps.prune(new Date(Date.now() - MEMORY_MS)));
      await safely("forget the API's answers kept a day", () => services.tokens.forgetOldAnswers());
    },
    // Once per `schedules.digest` time: the scheduler runs each of its ticks on one replica.
    async digest() {
      for (const digest of await services.scheduler.approvalDigests(durationMs(schedules.expireAfter)!)) {
        await safely(`send the digest to ${digest.approver}`, () => sendDigest(deps, digest));
      }
    },
    async driftReport() {
      for (const report of await services.scheduler.driftReport()) {
        if (!report.environment.channel) continue;
        await deps.chat.post({ channel: report.environment.channel, ...driftReportMessage(report) });
      }
    },
  };
}
