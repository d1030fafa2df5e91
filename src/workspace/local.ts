import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Logger, LogLevel } from '@slack/bolt';
import { ConsoleLogger } from '@slack/logger';
import { loadPipelineConfig } from '../config/load.ts';
import type { PipelineConfig } from '../config/schema.ts';
import type { Clock } from '../domain/ports.ts';
import { createServices } from '../domain/services/index.ts';
import { packageFile } from '../package-files.ts';
import type { LocalSettings } from '../settings.ts';
import { type SlackApp, startSlackApp } from '../app/slack-app.ts';
import { type SlackEmulator, startSlackEmulator } from './emulator.ts';
import { Directory, peopleOf } from './people.ts';
import { LocalRepository, pipelineInGit } from './local-git.ts';
import { seedSampleComponents } from './samples.ts';

/** The demo pipeline, copied as the workspace's own on first start. */
export const DEMO_PIPELINE = packageFile('src/workspace/demo-pipeline.yml');

export interface LocalWorkspace {
  emulator: SlackEmulator;
  bot: SlackApp;
  config: PipelineConfig;
  directory: Directory;
  /** The git repository its instances are kept in (SANDBOX_LOCAL_GIT), when they are. */
  repository?: LocalRepository;
  /** Whether this start created the pipeline file, the git repository and the sample components. */
  created: { config: boolean; repository: boolean; samples: boolean };
  /** Resolves once the bot's listeners, queued work, posts and threads are all done. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalWorkspaceOptions {
  logger?: Logger;
  clock?: Clock;
}

/** The bot's own warnings only: its start-up chatter would drown the workspace's messages. */
function quietLogger(): Logger {
  const logger = new ConsoleLogger();
  logger.setLevel(LogLevel.WARN);
  logger.setName('sandbox');
  return logger;
}

/**
 * Sample components on the first start of an embedded database, so that there is something to sync and send; never
 * in a PostgreSQL database of DATABASE_URL, which may be a real one. The samples are the workspace's past, not news:
 * they are seeded by services whose runs nobody announces.
 */
function seedOnce(bot: SlackApp, config: PipelineConfig, settings: LocalSettings, repository: LocalRepository | undefined): Promise<boolean> {
  if (settings.DATABASE_URL) return Promise.resolve(false);
  const services = createServices({ ...bot.runtime.services.deps, sink: { line: () => {} } });
  if (!repository) return seedSampleComponents(services, config);
  // An instance kept in git is given its samples as its owner would: a commit on its branch, then read by the bot.
  const directory = new Directory(peopleOf(config), config);
  return seedSampleComponents(services, config, async (actor, instance, components) => {
    if (!repository.keeps(instance)) return void (await services.components.put(actor, instance, components));
    await repository.commit(instance, committer(directory, actor.user), components, `Sample work on ${instance}`);
    await services.refresh(actor, instance);
  });
}

/** Who commits for a person of the workspace. */
export const committer = (directory: Directory, id: string) => {
  const name = directory.userName(id) ?? id.toLowerCase();
  return { name, email: `${name}@example.com` };
};

/** Where the channels' messages are kept beside an embedded database on disk; none in memory or on PostgreSQL. */
function historyFile(settings: LocalSettings): string | undefined {
  if (settings.DATABASE_URL || settings.SANDBOX_DATA_DIR.startsWith('memory://')) return undefined;
  mkdirSync(dirname(settings.SANDBOX_DATA_DIR), { recursive: true });
  return `${settings.SANDBOX_DATA_DIR.replace(/[\\/]+$/, '')}-messages.json`;
}

/** The pipeline file: SANDBOX_CONFIG when given, else the workspace's own, created from the demo on first start. */
function pipelineFile(settings: LocalSettings): { path: string; created: boolean } {
  const path = settings.SANDBOX_CONFIG;
  if (settings.configGiven || existsSync(path)) return { path, created: false };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, settings.git ? pipelineInGit(readFileSync(DEMO_PIPELINE, 'utf8')) : readFileSync(DEMO_PIPELINE));
  return { path, created: true };
}

/**
 * A Slack workspace on this machine: the real Slack app, with its real listeners, started in HTTP mode on loopback
 * and driven by an emulator that signs every request as Slack does and answers the Web API calls the app makes.
 */
export async function startLocalWorkspace(settings: LocalSettings, options: LocalWorkspaceOptions = {}): Promise<LocalWorkspace> {
  const file = pipelineFile(settings);
  const config = loadPipelineConfig(file.path);
  const repository = settings.git ? new LocalRepository(dirname(file.path), config) : undefined;
  const repositoryCreated = (await repository?.create()) ?? false;
  const directory = new Directory(peopleOf(config), config);
  const userNames = Object.fromEntries(directory.people.map((p) => [p.id, p.name]));
  // The pipeline's user groups exist here but have no members: only approvers named one by one can vote.
  const userGroups = Object.fromEntries(config.environments.flatMap((e) => e.approvals.userGroups).map((group) => [group, []]));
  const emulator = await startSlackEmulator({ userNames, userGroups, historyFile: historyFile(settings) });
  try {
    const bot = await startSlackApp(
      {
        ...settings,
        SANDBOX_CONFIG: file.path,
        SLACK_BOT_TOKEN: 'xoxb-local-workspace',
        SLACK_SIGNING_SECRET: emulator.signingSecret,
        SLACK_API_URL: emulator.apiUrl,
        PORT: 0,
        mode: 'http',
      },
      { logger: options.logger ?? quietLogger(), clock: options.clock, host: '127.0.0.1' },
    );
    emulator.connect(bot.url);
    const samples = await seedOnce(bot, config, settings, repository).catch(async (error) => {
      await bot.stop();
      throw error;
    });
    return {
      emulator,
      bot,
      config,
      directory,
      repository,
      created: { config: file.created, repository: repositoryCreated, samples },
      settled: () => bot.settled(),
      async stop() {
        await bot.stop();
        await emulator.close();
      },
    };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}
