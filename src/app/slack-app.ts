import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type Logger, LogLevel, type Receiver, type ReceiverEvent, SocketModeReceiver } from '@slack/bolt';
import { ConsoleLogger } from '@slack/logger';
import { WebClient } from '@slack/web-api';
import type { Services } from '../domain/services/index.ts';
import type { RegisteredRuntime, Runtime, RuntimeOptions } from './runtime.ts';
import type { SlackSettings } from '../settings.ts';
import { schedulerRunRepository } from '../db/repositories/scheduler-runs.ts';
import { slackDeliveryRepository } from '../db/repositories/slack-deliveries.ts';
import { type Jobs, startScheduler } from './scheduler.ts';
import { FanOut, openAnnouncedRuntime, webClientOptions } from './announced-runtime.ts';
import { Background } from '../slack/background.ts';
import type { Pace } from '../slack/chat.ts';
import { actOnceOnEachEvent } from '../slack/deliveries.ts';
import { noInbound, trackInbound } from '../slack/inbound.ts';
import type { Schedule } from '../slack/outbox.ts';
import { type ScheduledWorkDeps, scheduledJobs, startAutoDeployments } from '../slack/scheduled-work.ts';
import { registerListeners } from '../slack/listeners/index.ts';
import { API_BASE, createApi } from '../api/app.ts';
import { Telemetry } from './telemetry.ts';
import { jsonLogger, runLinesTo } from './logging.ts';
import { withLogContext } from '../log-context.ts';
import { durationMs } from '../domain/time.ts';
import { getRequestListener } from '@hono/node-server';
import type { ThreadLog } from '../slack/threads/thread-log.ts';

export interface SlackApp {
  app: App;
  runtime: RegisteredRuntime;
  services: Services;
  threads: ThreadLog;
  /** The scheduled jobs by name (`tick`, `driftReport`, `digest`): the scheduler runs them on their crons; tests call them. */
  jobs: Jobs;
  /** HTTP mode: where Slack posts (`…/slack/events`, `/healthz` beside it); Socket Mode: the health check. */
  url: string;
  mode: SlackSettings['mode'];
  /** Resolves once the work after every acknowledgement so far is done and its threads are written. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export interface SlackAppOptions extends Pick<RuntimeOptions, 'clock' | 'groups'> {
  logger?: Logger;
  /** How fast its posts are paced and retried (Slack's own pace unless given; see Chat). */
  pace?: Pace;
  /** Interface to listen on; every interface unless given (tests keep to loopback). */
  host?: string;
}

function defaultLogger(settings: SlackSettings): Logger {
  if (settings.LOG_FORMAT === 'json') return jsonLogger();
  const logger = new ConsoleLogger();
  logger.setLevel(LogLevel.INFO);
  logger.setName('sandbox');
  return logger;
}

/** Checks the bot token with Slack before anything else, so that a wrong token stops the start with the reason. */
async function whoAmI(client: WebClient) {
  try {
    const auth = await client.auth.test();
    return { botId: auth.bot_id, botUserId: auth.user_id };
  } catch (error) {
    throw new Error(`Slack refused SLACK_BOT_TOKEN or could not be reached (${(error as Error).message}). Check the token on the app's OAuth & Permissions page, and SLACK_API_URL if you set it.`);
  }
}

/** `GET /healthz`: 200 while the database answers, 503 otherwise. */
function healthCheck(runtime: Runtime) {
  return async (_req: IncomingMessage, res: ServerResponse) => {
    const up = await runtime.database.ping().then(
      () => true,
      () => false,
    );
    res.writeHead(up ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: up ? 'ok' : 'database unavailable' }));
  };
}

/** Socket Mode has no HTTP endpoint for Slack; the health check and the API get a server of their own on PORT. */
async function listenForHealth(runtime: Runtime, api: HttpHandler, metrics: HttpHandler, port: number, host?: string): Promise<Server> {
  const check = healthCheck(runtime);
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0] ?? '';
    if (req.method === 'GET' && path === '/healthz') return void check(req, res);
    if (req.method === 'GET' && path === '/metrics') return void metrics(req, res);
    if (path.startsWith(`${API_BASE}/`)) return void api(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

/**
 * Socket Mode's receiver, its acknowledgements timed: each envelope reaches the app, as it arrives, with an ack that
 * reports how long it took (sent or failed). HTTP mode times its answers on the server instead.
 */
function socketReceiver(settings: SlackSettings, logger: Logger, clientOptions: ReturnType<typeof webClientOptions>, telemetry: Telemetry): Receiver {
  const socket = new SocketModeReceiver({
    appToken: settings.SLACK_APP_TOKEN!,
    logger,
    logLevel: logger.getLevel(),
    // The socket's connection is reopened whenever Slack asks: its own calls keep retrying instead of failing fast.
    installerOptions: { clientOptions: { ...clientOptions, retryConfig: { retries: 10, factor: 1.6 } } },
  });
  const timed = (event: ReceiverEvent): ReceiverEvent => {
    const end = telemetry.ackTimer();
    return {
      ...event,
      ack: async (response) => {
        try {
          await event.ack(response);
          end('sent');
        } catch (error) {
          end('failed');
          throw error;
        }
      },
    };
  };
  return {
    init: (app) => socket.init(Object.assign(Object.create(app), { processEvent: (event: ReceiverEvent) => app.processEvent(timed(event)) })),
    start: () => socket.start(),
    stop: () => socket.stop(),
  };
}

/** What a request from Slack is, for its metrics: a command, an action, a view submission, an event… */
function kindOf(body: object): string {
  const { command, type } = body as { command?: unknown; type?: unknown };
  if (typeof command === 'string') return 'command';
  if (type === 'event_callback') return 'event';
  return typeof type === 'string' ? type : 'other';
}

/** A request from Slack as the log names it: its kind, what it asks (command, action, view, event) and who asks. */
function describeRequest(kind: string, body: object) {
  const b = body as { command?: string; user_id?: string; user?: { id?: string }; actions?: { action_id?: string }[]; view?: { callback_id?: string }; event?: { type?: string; user?: string } };
  const what = b.command ?? b.actions?.[0]?.action_id ?? b.view?.callback_id ?? b.event?.type;
  const user = b.user_id ?? b.user?.id ?? b.event?.user;
  return { kind, ...(what ? { what } : {}), ...(user ? { user } : {}) };
}

type HttpHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * Counts the requests from Slack whose listeners are still running (acknowledged or not): their replies come after
 * the acknowledgement, outside the background queue, and `settled()` waits for them too.
 */
function countHandling(app: App, telemetry: Telemetry) {
  let count = 0;
  let waiters: (() => void)[] = [];
  app.use(async ({ body, next }) => {
    count++;
    const kind = kindOf(body);
    try {
      await withLogContext({ slack: describeRequest(kind, body) }, next);
      telemetry.slackRequest(kind, 'handled');
    } catch (error) {
      telemetry.slackRequest(kind, 'failed');
      throw error;
    } finally {
      if (--count === 0) {
        for (const resolve of waiters) resolve();
        waiters = [];
      }
    }
  });
  return {
    count: () => count,
    idle: () => (count === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
  };
}

/**
 * The scheduler's jobs wait for their turn like a vote does: a tick is due every 30 seconds and may come a few seconds
 * late, while its queries (on the embedded database, run on this thread) must not hold up a burst of acknowledgements.
 */
function behindAcknowledgements<J extends Jobs>(background: Background, jobs: J): J {
  return Object.fromEntries(Object.entries(jobs).map(([name, job]) => [name, () => background.run(job, { patient: true })])) as J;
}

/** Each job's runs counted, by outcome. */
function counted<J extends Jobs>(telemetry: Telemetry, jobs: J): J {
  const count = (name: string, job: () => Promise<unknown>) => async () => {
    try {
      const result = await job();
      telemetry.job(name, 'done');
      return result;
    } catch (error) {
      telemetry.job(name, 'failed');
      throw error;
    }
  };
  return Object.fromEntries(Object.entries(jobs).map(([name, job]) => [name, count(name, job)])) as J;
}

/** How long work cut short may take to give up (the statement under way ends first). */
const CUT_SHORT_MS = 15_000;

/** Whether `work` ended within `ms`. */
const within = (ms: number, work: Promise<unknown>) => Promise.race([work.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref())]);

const portOf = (server: Server) => (server.address() as AddressInfo).port;

/** Builds and starts the Slack app over the domain services: HTTP mode on PORT, or Socket Mode with SLACK_APP_TOKEN. */
export async function startSlackApp(settings: SlackSettings, options: SlackAppOptions = {}): Promise<SlackApp> {
  const logger = options.logger ?? defaultLogger(settings);
  const clientOptions = webClientOptions(settings, logger);
  const bot = await whoAmI(new WebClient(settings.SLACK_BOT_TOKEN, clientOptions));
  // The embedded database answers one query at a time on this thread: its jobs run one by one between requests.
  let inbound = noInbound;
  const background = new Background(settings.DATABASE_URL ? 4 : 1, { open: () => inbound.open(), lastActivity: () => inbound.lastActivity() });
  const telemetry = new Telemetry();
  // Its runs are counted, and with JSON logs each line of their logs is written to the server's log too.
  const sink = new FanOut([telemetry.runSink, ...(settings.LOG_FORMAT === 'json' ? [runLinesTo(logger)] : [])]);
  const schedule: Schedule = (work) => background.run(work, { patient: true });
  const announcing = await openAnnouncedRuntime(settings, { ...options, logger, processKind: 'app', schedule, sink, webApi: telemetry.webApi });
  const { runtime, services, cards, outbox, chat, threads, messages } = announcing;
  const socketMode = settings.mode === 'socket';
  const api: HttpHandler = getRequestListener(createApi(services, { log: (message) => logger.error(message), answered: (...answer) => telemetry.apiRequest(...answer) }).fetch);
  telemetry.queueDepth(async () => (await services.queue()).map((q) => ({ environment: q.environment.name, depth: q.requests.length })));
  const app = new App({
    token: settings.SLACK_BOT_TOKEN,
    ...bot,
    logger,
    logLevel: logger.getLevel(),
    clientOptions,
    ...(socketMode
      ? { receiver: socketReceiver(settings, logger, clientOptions, telemetry) }
      : {
          signingSecret: settings.SLACK_SIGNING_SECRET!,
          customRoutes: [
            { path: '/healthz', method: ['GET'], handler: healthCheck(runtime) },
            { path: '/metrics', method: ['GET'], handler: telemetry.handler },
            { path: `${API_BASE}/*rest`, method: ['GET', 'POST', 'PUT', 'DELETE'], handler: api },
          ],
        }),
  });
  const handling = countHandling(app, telemetry);
  const db = runtime.database.db;
  const deliveries = slackDeliveryRepository(db);
  actOnceOnEachEvent(app, (key) => deliveries.first(key, new Date()));
  registerListeners(app, { services, chat, messages, logger, background });
  const ticks = schedulerRunRepository(db, runtime.process.id);
  const { schedules } = runtime.config;
  const work: ScheduledWorkDeps = {
    services,
    schedules,
    chat,
    messages,
    cards,
    outbox,
    threads,
    background: (work) => background.run(work),
    prune: async (before) => {
      await ticks.prune(before);
      await deliveries.prune(before);
    },
    logger,
  };
  const jobs = behindAcknowledgements(background, counted(telemetry, scheduledJobs(work)));
  // Only environments with autoDeploy have anything due; the look is one query per environment.
  announcing.hooks.deployable = () => void background.run(() => startAutoDeployments(work), { patient: true }).catch((error) => logger.warn(`Could not look for automatic deployments: ${(error as Error).message}`));
  let health: Server | undefined;
  let url: string;
  try {
    if (socketMode) {
      health = await listenForHealth(runtime, api, telemetry.handler, settings.PORT, options.host);
      await app.start();
      url = `http://${options.host ?? 'localhost'}:${portOf(health)}/healthz`;
    } else {
      const server = (await app.start({ port: settings.PORT, host: options.host })) as Server;
      inbound = trackInbound(server);
      telemetry.timeAnswers(server, '/slack/events');
      url = `http://${options.host ?? 'localhost'}:${portOf(server)}/slack/events`;
    }
  } catch (error) {
    health?.close();
    await announcing.close();
    throw error;
  }
  // Threads that a dead replica, or this one before a restart, left unfinished (runs it recovered included).
  void threads.resume();
  const scheduler = startScheduler(jobs, {
    crons: { tick: schedules.tick, driftReport: schedules.driftReport, digest: schedules.digest },
    timezone: schedules.timezone,
    claim: (key) => ticks.claim(key, new Date()),
    warn: (message) => logger.warn(message),
  });
  /**
   * SIGTERM: takes no more requests, gives the work under way SHUTDOWN_GRACE to end, then cuts it short (a deployment
   * gives up at its next step: its run interrupted, its request deployable again), and closes the database.
   */
  let stopping: Promise<void> | undefined;
  const shutDown = async () => {
    await scheduler.stop();
    await app.stop();
    await new Promise((resolve) => (health ? health.close(resolve) : resolve(undefined)));
    if (!(await within(durationMs(settings.SHUTDOWN_GRACE)!, background.drained()))) {
      logger.warn(`Stopping: the work under way did not end within SHUTDOWN_GRACE (${settings.SHUTDOWN_GRACE}); cutting it short.`);
      runtime.stopNow();
      if (!(await within(CUT_SHORT_MS, background.drained()))) logger.warn('Stopping with work still under way: its runs are marked interrupted at the next start.');
    }
    await announcing.close();
  };
  return {
    app,
    runtime,
    services,
    threads,
    jobs,
    url,
    mode: settings.mode,
    async settled() {
      do {
        await handling.idle();
        await background.drained();
        await announcing.drain();
      } while (handling.count() > 0);
    },
    stop() {
      stopping ??= shutDown();
      return stopping;
    },
  };
}
