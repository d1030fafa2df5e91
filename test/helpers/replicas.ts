import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LogLevel } from '@slack/bolt';
import { ConsoleLogger } from '@slack/logger';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { readSlackSettings } from '../../src/settings.ts';
import { type AnnouncedRuntime, openAnnouncedRuntime } from '../../src/app/announced-runtime.ts';
import { openTestDatabase, type TestDatabase } from './database.ts';
import { type FakeSlack, startFakeSlack } from './fake-slack.ts';
import { SIGNING_SECRET } from './slack-app.ts';
import { type PostResult, postToSlackEndpoint, type SlackRequest } from './slack-requests.ts';
import { type Exit, freePort, localEnv, type ProgramRun, startMain } from './workspace.ts';

/** What every replica shares: one fake Slack, one database, one pipeline file, one signing secret. */
export interface ReplicaSettings {
  /** The fake Slack Web API, ending in `/api/`. */
  slackApiUrl: string;
  databaseUrl: string;
  /** Path of the pipeline configuration file. */
  config: string;
  signingSecret: string;
}

export interface Replica {
  /** In order of start, from 0; a replica started after a kill gets the next number. */
  index: number;
  port: number;
  /** Where Slack posts: `http://127.0.0.1:PORT/slack/events`. */
  url: string;
  program: ProgramRun;
}

/** How long a replica may take to answer `/healthz` after its start, or to exit after SIGTERM. */
const START_MS = 60_000;
const STOP_MS = 20_000;

/**
 * Replicas of the Slack app in HTTP mode, each the real program started as an operator starts it (`npm start`:
 * dist/main.js, in a directory of its own) with the Slack settings, a free PORT and DATABASE_URL.
 * A test sends signed requests to any of them, kills one as a crash would, and starts another.
 */
export class Replicas {
  /** Every replica started, killed or not. */
  readonly started: Replica[] = [];
  private readonly dead = new Set<Replica>();

  constructor(private readonly settings: ReplicaSettings) {}

  /** The replicas still running, in order of start. */
  get live(): Replica[] {
    return this.started.filter((r) => !this.dead.has(r));
  }

  /** Starts `count` replicas side by side; resolves once each answers `/healthz` with 200. */
  start(count = 1): Promise<Replica[]> {
    return Promise.all(Array.from({ length: count }, () => this.startOne()));
  }

  /** A request from Slack, signed with the signing secret, to one replica. */
  send(replica: Replica, request: SlackRequest): Promise<PostResult> {
    return postToSlackEndpoint(replica.url, { ...request, secret: this.settings.signingSecret });
  }

  /** The end of what each replica printed, for the report of a failed test. */
  output(): string {
    return this.started.map((r) => `── replica ${r.index} (port ${r.port})${this.dead.has(r) ? ', stopped' : ''} ──\n${tail(r.program)}`).join('\n');
  }

  /** SIGKILL, as a crash or an OOM kill: nothing of the program runs any more. Resolves once it has exited. */
  async kill(replica: Replica): Promise<Exit> {
    this.dead.add(replica);
    replica.program.child.kill('SIGKILL');
    return replica.program.exited;
  }

  /**
   * Stops every live replica as an orchestrator does (SIGTERM, then waiting for the exit) and throws, with its
   * output, for any that did not exit with 0 in time (it is then killed).
   */
  async stop(): Promise<void> {
    const exits = await Promise.all(this.live.map(async (replica) => ({ replica, exit: await this.terminate(replica) })));
    const unclean = exits.filter(({ exit }) => exit?.code !== 0);
    if (unclean.length) {
      throw new Error(unclean.map(({ replica, exit }) => `replica ${replica.index} ${exit ? `exited with ${exit.code}` : `did not exit within ${STOP_MS} ms of SIGTERM`}:\n${tail(replica.program)}`).join('\n\n'));
    }
  }

  private async terminate(replica: Replica): Promise<Exit | undefined> {
    this.dead.add(replica);
    replica.program.child.kill('SIGTERM');
    const exit = await Promise.race([replica.program.exited, sleep(STOP_MS).then(() => undefined)]);
    if (!exit) replica.program.kill();
    return exit;
  }

  private async startOne(): Promise<Replica> {
    const port = await freePort();
    const program = startMain({
      cwd: mkdtempSync(join(tmpdir(), 'sandbox-replica-')),
      env: localEnv({
        SLACK_BOT_TOKEN: 'xoxb-replica-test-token',
        SLACK_SIGNING_SECRET: this.settings.signingSecret,
        SLACK_API_URL: this.settings.slackApiUrl,
        PORT: String(port),
        SANDBOX_CONFIG: this.settings.config,
        DATABASE_URL: this.settings.databaseUrl,
      }),
    });
    const replica = { index: this.started.length, port, url: `http://127.0.0.1:${port}/slack/events`, program };
    this.started.push(replica);
    await healthy(replica);
    return replica;
  }
}

/** What a test file of replicas works with; filled in before its tests run. */
export interface ReplicaCluster {
  db: TestDatabase;
  /** The test's own connections to the database, to read it and to hold row locks. */
  pg: postgres.Sql;
  fake: FakeSlack;
  /** The test's own process on the database, as the command line with a bot token: its work is announced in Slack. */
  cli: AnnouncedRuntime;
  replicas: Replicas;
}

/**
 * One test file's cluster (call it inside the file's describe): a fresh PostgreSQL database, one fake Slack, the
 * pipeline `config`, the test's announcing runtime, and `start` replicas started before the tests. Everything is
 * stopped after them; a failed test prints what the replicas printed.
 */
export function useReplicaCluster(config: string, { start = 0 } = {}): ReplicaCluster {
  const cluster = {} as ReplicaCluster;
  beforeAll(async () => {
    cluster.db = await openTestDatabase();
    cluster.pg = postgres(cluster.db.url!, { max: 4, onnotice: () => {} });
    cluster.fake = await startFakeSlack();
    const configPath = join(mkdtempSync(join(tmpdir(), 'sandbox-replicas-')), 'sandbox.config.yml');
    writeFileSync(configPath, config);
    const env = { SLACK_BOT_TOKEN: 'xoxb-cli-token', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: cluster.fake.url, SANDBOX_CONFIG: configPath, DATABASE_URL: cluster.db.url! };
    const logger = new ConsoleLogger();
    logger.setLevel(LogLevel.ERROR);
    cluster.cli = await openAnnouncedRuntime(readSlackSettings(env), { logger });
    cluster.replicas = new Replicas({ slackApiUrl: cluster.fake.url, databaseUrl: cluster.db.url!, config: configPath, signingSecret: SIGNING_SECRET });
    if (start) await cluster.replicas.start(start);
  }, 90_000);

  afterAll(async () => {
    // The test's connections first: a row lock left by a failed test would hold up a replica's stop.
    await cluster.pg?.end({ timeout: 5 });
    try {
      await cluster.replicas?.stop();
    } finally {
      await cluster.cli?.close();
      await cluster.fake?.close();
      await cluster.db?.close();
    }
  }, 60_000);

  afterEach(({ task }) => {
    if (task.result?.state === 'fail') console.error(cluster.replicas.output());
  });
  return cluster;
}

/** Polls `GET /healthz` until it answers 200; fails with the program's output if it exits or takes too long. */
async function healthy(replica: Replica) {
  const deadline = Date.now() + START_MS;
  let exited = false;
  void replica.program.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    const status = await fetch(`http://127.0.0.1:${replica.port}/healthz`).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) return;
    await sleep(50);
  }
  replica.program.kill();
  throw new Error(`replica ${replica.index} ${exited ? 'exited' : `did not answer /healthz within ${START_MS} ms`}:\n${tail(replica.program)}`);
}

const tail = (program: ProgramRun) => `${program.stdout.slice(-2000)}${program.stderr ? `\n[stderr]\n${program.stderr.slice(-2000)}` : ''}`;
