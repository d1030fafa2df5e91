import { loadPipelineConfig } from './config/load.ts';
import type { PipelineConfig } from './config/schema.ts';
import { applyPipelineConfig, type ConfigChanges } from './db/apply-config.ts';
import { type DatabaseHandle, openDatabase } from './db/client.ts';
import { createStore } from './db/store.ts';
import type { Clock, LogSink, UserGroupResolver } from './domain/ports.ts';
import { createServices, type Services } from './domain/services/index.ts';
import type { Settings } from './settings.ts';
import { noUserGroups, slackUserGroups } from './slack/user-groups.ts';

export interface Runtime {
  database: DatabaseHandle;
  config: PipelineConfig;
  configChanges: ConfigChanges;
  services: Services;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  sink?: LogSink;
  clock?: Clock;
  groups?: UserGroupResolver;
}

export const systemClock: Clock = { now: () => new Date() };
const silentSink: LogSink = { line: () => {} };

/** Opens the database, applies migrations and the pipeline configuration, and binds the services. */
export async function openRuntime(settings: Settings, options: RuntimeOptions = {}): Promise<Runtime> {
  const config = loadPipelineConfig(settings.SANDBOX_CONFIG);
  const database = await openDatabase({ url: settings.DATABASE_URL, dataDir: settings.SANDBOX_DATA_DIR });
  try {
    await database.migrate().catch(explainConnectionError);
    const clock = options.clock ?? systemClock;
    const configChanges = await applyPipelineConfig(database.db, config, clock.now());
    const groups = options.groups ?? (settings.SLACK_BOT_TOKEN ? slackUserGroups(settings.SLACK_BOT_TOKEN, settings.SLACK_API_URL) : noUserGroups);
    const services = createServices({
      store: createStore(database.db),
      clock,
      groups,
      sink: options.sink ?? silentSink,
      admins: config.admins,
    });
    // The embedded database serves one process (see data-dir-lock.ts): whatever it left running has died with it.
    // Several processes on PostgreSQL need to know which of them are alive; that belongs to running replicas.
    if (database.kind === 'pglite') await services.recoverInterruptedRuns();
    return { database, config, configChanges, services, close: () => database.close() };
  } catch (error) {
    await database.close();
    throw error;
  }
}

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', '28P01', '3D000']);

/** A database that cannot be reached is named by its setting, never by its URL (which may hold a password). */
function explainConnectionError(error: unknown): never {
  const code = (error as { code?: string }).code;
  if (code && CONNECTION_ERRORS.has(code)) {
    throw new Error(`Cannot reach the database of DATABASE_URL (${code}: ${(error as Error).message}). Check that PostgreSQL runs and that the URL, user and database are right.`);
  }
  throw error;
}
