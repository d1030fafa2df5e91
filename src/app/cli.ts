import { ConsoleLogger, LogLevel } from '@slack/logger';
import type { CliHost, Output } from '../cli/kit.ts';
import { runCli } from '../cli/main.ts';
import { loadPipelineConfig } from '../config/load.ts';
import { openDatabase } from '../db/client.ts';
import { readSettings } from '../settings.ts';
import { openRuntime } from './runtime.ts';

/** Slack's client logs only what goes wrong, on stderr, so that the command's own output stays clean. */
function slackLogger() {
  const logger = new ConsoleLogger();
  logger.setLevel(LogLevel.WARN);
  return logger;
}

/**
 * The command line's services, from the settings: with a bot token configured the work is announced in Slack as
 * if it had been started there (cards, threads, direct messages), and each command waits for those posts.
 */
export const cliHost: CliHost = {
  async open(sink, access) {
    const settings = readSettings();
    // A short-lived process: a few connections at most (one is its registration's, while it starts runs).
    if (access === 'read') return openRuntime(settings, { sink, readOnly: true, maxConnections: 2 });
    if (!settings.SLACK_BOT_TOKEN) return openRuntime(settings, { sink, maxConnections: 4 });
    const { openAnnouncedRuntime } = await import('./announced-runtime.ts');
    return openAnnouncedRuntime({ ...settings, SLACK_BOT_TOKEN: settings.SLACK_BOT_TOKEN }, { logger: slackLogger(), sink, attempts: 3 });
  },
  async migrate() {
    const settings = readSettings();
    const database = await openDatabase({ url: settings.DATABASE_URL, dataDir: settings.SANDBOX_DATA_DIR });
    try {
      await database.migrate();
    } finally {
      await database.close();
    }
    return { database: database.kind, where: database.kind === 'pglite' ? `embedded, ${settings.SANDBOX_DATA_DIR}` : 'PostgreSQL' };
  },
  checkConfig() {
    const path = readSettings().SANDBOX_CONFIG;
    return { path, environments: loadPipelineConfig(path).environments.map((e) => e.name) };
  },
};

/** The `sandbox` command: one command line, run over the settings of this process; resolves to its exit code. */
export const sandboxCommand = (argv: string[], io: Output) => runCli(argv, io, cliHost);
