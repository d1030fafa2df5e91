import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type Logger, LogLevel } from '@slack/bolt';
import { ConsoleLogger } from '@slack/logger';
import { WebClient } from '@slack/web-api';
import type { Services } from '../domain/services/index.ts';
import type { Runtime, RuntimeOptions } from '../runtime.ts';
import type { SlackSettings } from '../settings.ts';
import { openAnnouncingRuntime, webClientOptions } from './announcing.ts';
import type { SlackDeps } from './context.ts';
import { registerListeners } from './listeners/index.ts';
import type { ThreadLog } from './thread-log.ts';

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

function defaultLogger() {
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

/** Builds and starts the Slack app over the domain services: HTTP mode on PORT, or Socket Mode with SLACK_APP_TOKEN. */
export async function startSlackApp(settings: SlackSettings, options: SlackAppOptions = {}): Promise<SlackApp> {
  const logger = options.logger ?? defaultLogger();
  const clientOptions = webClientOptions(settings, logger);
  const bot = await whoAmI(new WebClient(settings.SLACK_BOT_TOKEN, clientOptions));
  const announcing = await openAnnouncingRuntime(settings, { ...options, logger });
  const { runtime, services, notifier, chat, threads } = announcing;
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
      await announcing.close();
    },
  };
}
