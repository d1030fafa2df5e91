import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type Logger, LogLevel } from '@slack/bolt';
import { ConsoleLogger } from '@slack/logger';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import { postedMessageRepository } from '../db/repositories/posted-messages.ts';
import type { Services } from '../domain/services/index.ts';
import type { LogSink } from '../domain/ports.ts';
import type { Run } from '../domain/types.ts';
import { openRuntime, type Runtime, type RuntimeOptions } from '../runtime.ts';
import type { SlackSettings } from '../settings.ts';
import { announced } from './announced.ts';
import { Chat } from './chat.ts';
import type { SlackDeps } from './context.ts';
import { registerListeners } from './listeners/index.ts';
import { Notifier } from './notifier.ts';
import { ThreadLog } from './thread-log.ts';

export interface SlackApp {
  app: App;
  runtime: Runtime;
  services: Services;
  threads: ThreadLog;
  /** HTTP mode: where Slack posts (`…/slack/events`); both modes serve `/healthz` on the same port. */
  url: string;
  mode: SlackSettings['mode'];
  stop(): Promise<void>;
}

export interface SlackAppOptions extends Pick<RuntimeOptions, 'clock' | 'groups'> {
  logger?: Logger;
  /** Interface to listen on; every interface unless given (tests keep to loopback). */
  host?: string;
}

/**
 * Our own Web API calls fail fast and are retried by `Chat`, which honours Retry-After per call instead of
 * pausing every request of the process; they time out after 10 s rather than hanging.
 */
const webClientOptions = (settings: SlackSettings, logger: Logger): WebClientOptions => ({
  slackApiUrl: settings.SLACK_API_URL,
  retryConfig: { retries: 0 },
  rejectRateLimitedCalls: true,
  timeout: 10_000,
  logger,
});

function defaultLogger() {
  const logger = new ConsoleLogger();
  logger.setLevel(LogLevel.INFO);
  logger.setName('sandbox');
  return logger;
}

/** The services need their log sink when they are bound; the thread log needs the services. This joins the two. */
class SinkRelay implements LogSink {
  target: LogSink | undefined;
  line: LogSink['line'] = (run, line) => this.target?.line(run, line);
  progress: LogSink['progress'] = (run, fraction) => this.target?.progress?.(run, fraction);
  finished: LogSink['finished'] = (run) => this.target?.finished?.(run);
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

/** Builds and starts the Slack app over the domain services: HTTP mode on PORT, or Socket Mode with SLACK_APP_TOKEN. */
export async function startSlackApp(settings: SlackSettings, options: SlackAppOptions = {}): Promise<SlackApp> {
  const logger = options.logger ?? defaultLogger();
  const clientOptions = webClientOptions(settings, logger);
  const client = new WebClient(settings.SLACK_BOT_TOKEN, clientOptions);
  const bot = await whoAmI(client);
  const chat = new Chat(client, logger);
  const relay = new SinkRelay();
  const runtime = await openRuntime(settings, { ...options, sink: relay });
  const messages = postedMessageRepository(runtime.database.db);
  const notifier = new Notifier(runtime.services, chat, messages, logger);
  const services = announced(runtime.services, notifier);
  const threads = new ThreadLog({
    chat,
    messages,
    logger,
    subjectOf: (run) => services.runContext(run),
    onRunChanged: async (run: Run) => {
      if (run.requestId !== null && run.kind !== 'validate') await notifier.refreshRequestCard(run.requestId);
    },
  });
  relay.target = threads;
  const deps: SlackDeps = { services, notifier, chat, logger };

  const healthz = {
    path: '/healthz',
    method: ['GET'],
    handler: async (_req: unknown, res: import('node:http').ServerResponse) => {
      const up = await runtime.database.ping().then(() => true, () => false);
      res.writeHead(up ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: up ? 'ok' : 'database unavailable' }));
    },
  };
  const app = new App({
    token: settings.SLACK_BOT_TOKEN,
    ...bot,
    logger,
    clientOptions,
    customRoutes: [healthz],
    ...(settings.mode === 'socket'
      ? { socketMode: true, appToken: settings.SLACK_APP_TOKEN, installerOptions: { port: settings.PORT, clientOptions } }
      : { signingSecret: settings.SLACK_SIGNING_SECRET! }),
  });
  registerListeners(app, deps);
  let url = '';
  try {
    const server = (settings.mode === 'http' ? await app.start({ port: settings.PORT, host: options.host }) : await app.start()) as Server | undefined;
    const port = server?.address ? (server.address() as AddressInfo).port : settings.PORT;
    url = `http://${options.host ?? 'localhost'}:${port}/slack/events`;
  } catch (error) {
    await runtime.close();
    throw error;
  }
  return {
    app,
    runtime,
    services,
    threads,
    url,
    mode: settings.mode,
    async stop() {
      await app.stop();
      await threads.drain();
      await runtime.close();
    },
  };
}
