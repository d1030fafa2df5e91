import type { Logger } from '@slack/bolt';
import type { PipelineConfig } from '../config/schema.ts';
import { DomainError } from '../domain/errors.ts';
import { formatId } from '../domain/ids.ts';
import type { Services } from '../domain/services/index.ts';
import type { Reminder } from '../domain/services/schedules.ts';
import { durationMs } from '../domain/time.ts';
import { driftReportMessage, reminderText, scheduledDeploymentRefused } from './blocks/scheduled.ts';
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

/** The reminder goes into the approval card's thread; without a card (no channel), to each approver directly. */
async function remind(deps: ScheduledWorkDeps, reminder: Reminder) {
  const text = reminderText(reminder, deps.schedules.approvalReminder.times);
  const card = await deps.messages.find(formatId('request', reminder.request.id), 'card');
  if (card) await deps.chat.post({ channel: card.channel, thread_ts: card.ts, text });
  else await Promise.all(reminder.waitingOn.map((user) => deps.outbox.tell(user, text)));
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

/**
 * The scheduler's jobs. `tick` (every 30 s by default) looks for due work: runs of dead processes to mark
 * interrupted, threads left unfinished (Slack was down, or their writer died), approval reminders, requests to expire, scheduled deployments. `driftReport` compares each staging
 * instance with production. Each piece of work is taken in the database, so a replica that runs a tick late, or
 * twice, repeats nothing.
 */
export function scheduledJobs(deps: ScheduledWorkDeps): Record<'tick' | 'driftReport', () => Promise<void>> {
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
      await safely('expire requests', () => services.scheduler.expireStaleRequests(durationMs(schedules.expireAfter)!));
      await safely('start scheduled deployments', async () => {
        for (const due of await services.scheduler.takeDueDeployments()) {
          void deps.background(() => deployScheduled(deps, due)).catch((error) => deps.logger.error(`The scheduled deployment of ${formatId('request', due.requestId)} failed: ${(error as Error).message}`));
        }
      });
      await safely('forget old ticks', () => deps.prune(new Date(Date.now() - MEMORY_MS)));
    },
    async driftReport() {
      for (const report of await services.scheduler.driftReport()) {
        if (!report.environment.channel) continue;
        await deps.chat.post({ channel: report.environment.channel, ...driftReportMessage(report) });
      }
    },
  };
}
