import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { loadPipelineConfig } from '../config/load.ts';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type GitSource, instanceSpec, type PipelineConfig } from '../config/schema.ts';
import { applyPipelineConfig } from '../db/apply-config.ts';
import { type DatabaseHandle, openDatabase } from '../db/client.ts';
import { type ProcessRegistration, registerProcess } from '../db/processes.ts';
import { createStore } from '../db/store.ts';
import { exclusiveWork } from '../db/exclusive.ts';
import type { Clock, LogSink, UserGroupResolver } from '../domain/ports.ts';
import { createServices, type Services } from '../domain/services/index.ts';
import { diffWorkers } from './diff-workers.ts';
import { gitSources } from '../git/sources.ts';
import { SecretBox } from '../secrets/box.ts';
import { outsideActions } from '../targets/outside.ts';
import { API_BASE } from '../api/base.ts';
import { processEnvironment, type Settings } from '../settings.ts';
import { noUserGroups, slackUserGroups } from '../slack/user-groups.ts';

export interface Runtime {
  database: DatabaseHandle;
  config: PipelineConfig;
  services: Services;
  /** This process in the database: alive while it runs, so that its runs are not taken for interrupted (none: read-only). */
  process: ProcessRegistration | null;
  /** Cuts the work under way short (a shutdown whose grace is over): a deployment gives up at its next step. */
  stopNow(): void;
  close(): Promise<void>;
}

/** The runtime of a process that starts runs: registered in the database. */
export type RegisteredRuntime = Runtime & { process: ProcessRegistration };

export interface RuntimeOptions {
  sink?: LogSink;
  clock?: Clock;
  groups?: UserGroupResolver;
  /** What this process is, as listed among the database's processes: `app` (a replica) or `cli`. */
  processKind?: string;
  /** Marks runs of dead processes interrupted once open (default); an adapter that announces them does it itself. */
  recover?: boolean;
  /** Where warnings about the process's own health go (its database lock lost and taken again). */
  warn?: (message: string) => void;
  /**
   * A command that only reads (status, queue, logs…) starts no run: the process is not registered, which spares it a
   * connection of its own and three statements. Interrupted runs of dead processes are still recovered.
   */
  readOnly?: boolean;
  /** Most connections the process opens to PostgreSQL (see DatabaseOptions). */
  maxConnections?: number;
}

/** The bot's bare mirrors of the repositories of git-backed instances: a cache, made again when gone. */
const MIRRORS = join(tmpdir(), 'sandbox-bot-mirrors');

/** The git-backed instances of the pipeline, by name. */
const gitSpecs = (config: PipelineConfig): Record<string, GitSource> =>
  Object.fromEntries(config.environments.flatMap((env) => env.instances.map(instanceSpec)).flatMap((i) => (i.git ? [[i.name, i.git]] : [])));

export const systemClock: Clock = { now: () => new Date() };
const silentSink: LogSink = { line: () => {} };

/** The folders of target and check commands go in memory (tmpfs) where the system has it: thousands of files each. */
const COMMAND_SCRATCH = existsSync('/dev/shm') ? '/dev/shm' : undefined;

/** Where this machine records the commands running for this database (its URL or data folder, hashed). */
const commandLedger = (settings: Settings) =>
  join(COMMAND_SCRATCH ?? tmpdir(), 'sandbox-commands', createHash('sha256').update(settings.DATABASE_URL ?? resolve(settings.SANDBOX_DATA_DIR)).digest('hex').slice(0, 16));

/** Opens the database, applies migrations and the pipeline configuration, and binds the services. */
export async function openRuntime(settings: Settings, options: RuntimeOptions & { readOnly: true }): Promise<Runtime>;
export async function openRuntime(settings: Settings, options?: RuntimeOptions & { readOnly?: false }): Promise<RegisteredRuntime>;
export async function openRuntime(settings: Settings, options: RuntimeOptions = {}): Promise<Runtime> {
  const config = loadPipelineConfig(settings.SANDBOX_CONFIG);
  const database = await openDatabase({ url: settings.DATABASE_URL, dataDir: settings.SANDBOX_DATA_DIR, maxConnections: options.maxConnections });
  let registration: ProcessRegistration | undefined;
  const diffs = diffWorkers();
  try {
    await database.migrate().catch(explainConnectionError);
    if (!options.readOnly) registration = await registerProcess(await database.session(), options.processKind ?? 'cli', options.warn);
    const clock = options.clock ?? systemClock;
    await applyPipelineConfig(database.db, config, clock.now());
    const groups = options.groups ?? (settings.SLACK_BOT_TOKEN ? slackUserGroups(settings.SLACK_BOT_TOKEN, settings.SLACK_API_URL) : noUserGroups);
    const stopping = new AbortController();
    const services = createServices({
      stopping: stopping.signal,
      store: createStore(database.db, registration?.id ?? null),
      clock,
      groups,
      sink: options.sink ?? silentSink,
      admins: config.admins,
      diffs,
      sources: gitSources(gitSpecs(config), MIRRORS, processEnvironment()),
      sealer: settings.SANDBOX_MASTER_KEY ? new SecretBox(settings.SANDBOX_MASTER_KEY) : undefined,
      actions: outsideActions({
        cwd: dirname(resolve(settings.SANDBOX_CONFIG)),
        scratch: COMMAND_SCRATCH,
        ledger: commandLedger(settings),
        environment: processEnvironment(),
        callbackUrl: (run) => `${settings.SANDBOX_PUBLIC_URL ?? ''}${API_BASE}/runs/${run}/status`,
      }),
      exclusive: exclusiveWork(database),
    });
    if (options.recover !== false) await services.recoverInterruptedRuns();
    const process = registration ?? null;
    return {
      stopNow: () => stopping.abort(),
      database,
      config,
      services,
      process,
      async close() {
        await process?.close().catch(() => {});
        await diffs.close();
        await database.close();
      },
    };
  } catch (error) {
    await registration?.close().catch(() => {});
    await diffs.close();
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
