import { DomainError } from '../domain/errors.ts';
import { readSlackSettings, slackConfigured } from '../settings.ts';
import { startSlackApp } from './slack-app.ts';
import { exitAfterOutput, startLocalConsole } from '../workspace/start.ts';

/** `npm start`: the Slack app, in HTTP mode on PORT, or in Socket Mode when SLACK_APP_TOKEN is set. */
async function startSlack() {
  const settings = readSlackSettings();
  const bot = await startSlackApp(settings);
  const where = bot.mode === 'http' ? `HTTP mode: Slack posts to ${bot.url}` : `Socket Mode: connected to Slack; health at ${bot.url}`;
  bot.app.logger.info(`Sandbox bot is running (${where}; database: ${bot.runtime.database.kind === 'pglite' ? `embedded, ${settings.SANDBOX_DATA_DIR}` : 'PostgreSQL'}).`);
  const stop = async (signal: string) => {
    bot.app.logger.info(`${signal}: taking no more requests; the work under way has ${settings.SHUTDOWN_GRACE} (SHUTDOWN_GRACE) to end, then it is cut short.`);
    await bot.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

/** Without any Slack setting, the local workspace: the same app, driven from this terminal. */
const start = slackConfigured() ? startSlack : () => startLocalConsole().then(() => exitAfterOutput(0));

start().catch((error) => {
  const message = error instanceof DomainError ? error.message : `Could not start: ${(error as Error).message}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
