import type { Logger } from '@slack/bolt';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import { postedMessageRepository } from '../db/repositories/posted-messages.ts';
import type { LogSink, PostedMessages, RunStep } from '../domain/ports.ts';
import type { Services } from '../domain/services/index.ts';
import type { LogLine, Run, DeploymentRequest } from '../domain/types.ts';
import type { Settings } from '../settings.ts';
import { formatId } from '../domain/ids.ts';
import { announcingServices } from '../slack/announcing-services.ts';
import { Cards } from '../slack/cards.ts';
import { Chat, type Pace, type WebApiObserver } from '../slack/chat.ts';
import { Outbox, type Schedule } from '../slack/outbox.ts';
import { ThreadLog, type ThreadLogDeps } from '../slack/threads/thread-log.ts';
import { openRuntime, type RegisteredRuntime, type RuntimeOptions } from './runtime.ts';

export interface AnnouncedRuntime {
  runtime: RegisteredRuntime;
  /** The services, announcing in Slack what they do. */
  services: Services;
  /** Set by the Slack app: a request may be deployed now (approved, or its queue moved on); automatic deployments look. */
  hooks: { deployable?: (request: DeploymentRequest) => void };
  chat: Chat;
  cards: Cards;
  outbox: Outbox;
  threads: ThreadLog;
  /** Where the bot's messages are (cards, run threads), shared by every process. */
  messages: PostedMessages;
  /** Resolves once every announcement and thread started so far is written. */
  drain(): Promise<void>;
  /** Waits for the announcements and threads under way, then closes the database. */
  close(): Promise<void>;
}

/**
 * Our own Web API calls fail fast and are retried by `Chat`, which honours Retry-After per call instead of
 * pausing every request of the process; they time out after 10 s rather than hanging.
 */
export const webClientOptions = (settings: Settings, logger: Logger): WebClientOptions => ({
  slackApiUrl: settings.SLACK_API_URL,
  retryConfig: { retries: 0 },
  rejectRateLimitedCalls: true,
  timeout: 10_000,
  logger,
});

/** Sends every log line to several sinks: Slack threads, and a terminal's live log for the command line. */
export class FanOut implements LogSink {
  constructor(readonly sinks: LogSink[] = []) {}
  started = async (run: Run) => void (await Promise.all(this.sinks.map((s) => s.started?.(run))));
  line = (run: Run, line: LogLine) => this.sinks.forEach((s) => s.line(run, line));
  progress = (run: Run, step: RunStep) => this.sinks.forEach((s) => s.progress?.(run, step));
  finished = (run: Run) => this.sinks.forEach((s) => s.finished?.(run));
}

/** The request cards, as the thread log finds them: its runs' threads go under them. `of` is asked at each use (the services need the thread log first). */
export function requestCards(of: () => { services: Services; cards: Cards }): ThreadLogDeps['cards'] {
  return {
    where: (requestId) => of().cards.where(requestId),
    overview: (requestId) => of().services.requestOverview(requestId),
    posted: async (requestId) => {
      await of().cards.refreshRequestCard(requestId);
      return of().cards.where(requestId);
    },
  };
}

/**
 * Once a request's run ended (live, or completed by a recovery), its card is written again from the database: its
 * thread edited it live. Not awaited: the card waits for its turn (see Background), the thread must not.
 */
export const refreshCardAfterRun = (cards: Cards) => async (run: Run) => {
  if (run.requestId === null || run.kind === 'sync') return;
  cards.forget(formatId('request', run.requestId));
  cards.refreshRequestCardLater(run.requestId);
};

/**
 * Opens the runtime with its work announced in Slack: request cards, run threads, direct messages. The Slack app
 * runs on it, and so does the command line whenever a bot token is configured, so work started anywhere is seen in Slack.
 */
export async function openAnnouncedRuntime(
  settings: Settings & { SLACK_BOT_TOKEN: string },
  options: Pick<RuntimeOptions, 'clock' | 'groups' | 'processKind'> & { logger: Logger; sink?: LogSink; attempts?: number; pace?: Pace; schedule?: Schedule; webApi?: WebApiObserver },
): Promise<AnnouncedRuntime> {
  const { logger } = options;
  const client = new WebClient(settings.SLACK_BOT_TOKEN, webClientOptions(settings, logger));
  const chat = new Chat(client, logger, options.attempts, options.pace, options.webApi);
  // The services need their sink when they are bound, and the thread log needs the services: the fan-out joins them.
  const sinks = new FanOut();
  if (options.sink) sinks.sinks.push(options.sink);
  const runtime = await openRuntime(settings, { clock: options.clock, groups: options.groups, sink: sinks, recover: false, processKind: options.processKind, warn: (m) => logger.warn(m) });
  const messages = postedMessageRepository(runtime.database.db, runtime.process.id);
  const outbox = new Outbox(chat, logger, options.schedule);
  const cards = new Cards(runtime.services, messages, outbox, logger);
  // The services tell a run's outcome once its thread holds the whole log: they need the thread log, made next.
  const runs = { settled: (runId: number) => threads.settled(runId) };
  // Automatic deployments are started by the scheduler's work, wired after this (see slack-app.ts).
  const hooks: AnnouncedRuntime['hooks'] = {};
  const services = announcingServices(runtime.services, { cards, outbox, runs, deployable: (request) => hooks.deployable?.(request) });
  const threads: ThreadLog = new ThreadLog({
    chat,
    messages,
    logger,
    subjectOf: (run) => services.runContext(run),
    cards: requestCards(() => ({ services, cards })),
    onRunChanged: refreshCardAfterRun(cards),
  });
  sinks.sinks.push(threads);
  await services.recoverInterruptedRuns();
  // Threads first: a thread's end refreshes its card through the outbox (nothing in the outbox starts a thread).
  const drain = async () => {
    await threads.drain();
    await outbox.drain();
  };
  return {
    runtime,
    services,
    hooks,
    chat,
    cards,
    outbox,
    threads,
    messages,
    drain,
    async close() {
      await drain();
      await runtime.close();
    },
  };
}
