/**
 * Acknowledgement latency of the Slack app under load: `/sandbox send` and an Approve click, each sent by
 * `concurrency` clients at once (each sends its next request as soon as the previous one is answered), beside a bare
 * Bolt app that only acknowledges, started in the same process, with the same receiver and signing secret.
 * Target: our p99 ≤ 1.25× the bare app's p99.
 *
 * Latency is the time from sending the signed POST to /slack/events until its HTTP response arrives (what Slack's
 * 3-second timeout is about). The clients run in a worker thread, as Slack runs outside the app's process: a response
 * is timed when it arrives, not when the app's thread is next free to read it. Fake Slack runs on the apps' thread.
 *
 * Our app acknowledges first and then does the work (views.open; votes, card updates, direct messages and private
 * answers): that work goes on in the background, competing with the acknowledgements that follow, which is the
 * condition measured. Each phase is drained before the next: every `/sandbox send` has opened its modal (or been
 * answered a refusal), every click has been answered. Beside the figures: the time from each request to its ack()
 * inside the server, how busy the app's thread was per request, its event-loop delay, and how long the work took to
 * drain after the burst.
 *
 * `rate` (BENCH_ACK_RATE) sends at a fixed rate whatever the answers instead, to see the latency below saturation.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { App, LogLevel } from '@slack/bolt';
import { ConsoleLogger } from '@slack/logger';
import { WebClient } from '@slack/web-api';
import { postedMessageRepository } from '../src/db/repositories/posted-messages.ts';
import type { Actor } from '../src/domain/ports.ts';
import { requestCard } from '../src/slack/blocks/request-card.ts';
import { actions, callbacks } from '../src/slack/ids.ts';
import { BOT_ID, BOT_USER_ID } from '../test/helpers/fake-slack.ts';
import { SIGNING_SECRET, startTestBot, type TestBot } from '../test/helpers/slack-app.ts';
import { blockAction, type SlackRequest, slashCommand } from '../test/helpers/slack-requests.ts';
import { ADMIN, ALICE, BOB, threeStepConfig } from '../test/helpers/world.ts';
import type { BurstMessage, BurstResult } from './ack-clients.ts';

export interface AckOptions {
  /** Measured requests of each kind, per app and round. */
  total: number;
  /**
   * Rounds of both apps, one after the other, the bare app first in one round and ours first in the next, so that
   * neither always follows the other. Each app's p99 is the median of its rounds' p99s, so that one stall of the
   * machine (which hits every request then in flight) does not decide the comparison.
   */
  rounds: number;
  /** Requests of each kind sent (and drained) before measuring, per app. */
  warmup: number;
  concurrency: number;
  /** Instead of `concurrency` clients: requests sent at this rate (per second) whatever the answers (open loop). */
  rate?: number;
  /** PostgreSQL database for our app; in-memory PGlite when absent. */
  databaseUrl?: string;
  progress(text: string): void;
}

export interface AckRow {
  kind: string;
  backend: string;
  /** Every round's figures. */
  ours: Measured[];
  bare: Measured[];
  target: number;
  /** Of our app's requests (warm-up included): how many were refused instead of doing the work. */
  refused: number;
  sent: number;
}

const TARGET = 1.25;
const DRAIN_TIMEOUT_MS = 300_000;
const STAGING_CHANNEL = 'C0STAGING';
const DEV_CHANNEL = 'C0DEV';
const as = (user: string): Actor => ({ user, via: 'cli' });
/** The developer who sent pending request number i (one each: their outcome messages are paced per user). */
const developer = (i: number) => `U0DEV${String(i).padStart(5, '0')}`;

export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

export function latencies(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1)! };
}

/** The clients, in a worker thread (bench/ack-clients.ts); tsx is registered there first so that it loads TypeScript. */
export function startClients() {
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./ack-clients.ts', import.meta.url).href;
  const worker = new Worker(`import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`, { eval: true });
  let failed: Error | undefined;
  worker.on('error', (error) => {
    failed = error;
  });
  return {
    /** Sends the requests from `concurrency` clients; resolves with each one's latency (ms). */
    burst(url: string, requests: SlackRequest[], concurrency: number, rate?: number): Promise<number[]> {
      if (failed) return Promise.reject(failed);
      return new Promise((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        worker.once('error', onError);
        worker.once('message', (result: BurstResult) => {
          worker.off('error', onError);
          if (result.error) reject(new Error(`bench: a request could not be sent: ${result.error}`));
          else if (result.failures.length) reject(new Error(`bench: ${result.failures.length} of ${requests.length} requests were answered ${[...new Set(result.failures)].join(', ')} instead of 200`));
          else resolve(result.ms);
        });
        worker.postMessage({ url, secret: SIGNING_SECRET, requests, concurrency, rate } satisfies BurstMessage);
      });
    },
    close: () => worker.terminate(),
  };
}

type Clients = ReturnType<typeof startClients>;
type Load = Pick<AckOptions, 'concurrency' | 'rate'>;

export const describeLoad = ({ concurrency, rate }: Load) => (rate ? `sent at ${rate} requests/s whatever the answers` : `from ${concurrency} concurrent clients`);

/**
 * Times, in the app's server, each request from its `request` event (headers read) until the response is written
 * (`writeHead`, which ack() calls): the part of the latency spent in Bolt and in the listener before its ack().
 */
function ackTimer(server: Server) {
  let samples: number[] | undefined;
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    const into = samples;
    if (!into) return;
    const started = performance.now();
    const writeHead = res.writeHead;
    res.writeHead = function (this: ServerResponse, ...args: Parameters<typeof writeHead>) {
      into.push(performance.now() - started);
      return writeHead.apply(this, args);
    } as typeof writeHead;
  });
  return {
    start: () => {
      samples = [];
    },
    stop: () => {
      const taken = samples ?? [];
      samples = undefined;
      return taken;
    },
  };
}

type AckTimer = ReturnType<typeof ackTimer>;

/** The HTTP server of Bolt's HTTPReceiver (not public API: only to time the acknowledgements inside the app). */
const serverOf = (app: App) => (app as unknown as { receiver: { server?: Server } }).receiver.server;

interface Measured {
  ms: number[];
  /** Inside the server: from each request to its acknowledgement (ms). */
  toAck: number[];
  /** Event-loop delay of the app's thread while the burst ran (ms). */
  loopDelay: { p99: number; max: number };
  /** Garbage collection on the app's thread while the burst ran: total pause and longest pause (ms). */
  gc: { total: number; max: number };
  /** Time the app's thread was busy, per request, from the start of the burst until its work was drained (ms). */
  busyPerRequest: number;
  /** From the end of the burst until its background work was done (ms). */
  drainMs: number;
  /** Requests a second, from the start of the burst until its work was drained. */
  throughput: number;
}

/** A measured burst: latencies, the app thread's event-loop delay and busy time, and the drain that follows. */
async function measuredBurst(clients: Clients, app: { url: string; timer: AckTimer }, requests: SlackRequest[], load: Load, drained: () => Promise<void>): Promise<Measured> {
  // Each burst starts from a collected heap (npm run bench exposes gc): a collection the previous phase left due, such
  // as of the fake Slack's records, falls on neither app.
  (globalThis as { gc?: () => void }).gc?.();
  const loop = monitorEventLoopDelay({ resolution: 5 });
  const elu = performance.eventLoopUtilization();
  const gc = { total: 0, max: 0 };
  const count = (entries: { duration: number }[]) => {
    for (const entry of entries) {
      gc.total += entry.duration;
      gc.max = Math.max(gc.max, entry.duration);
    }
  };
  const collections = new PerformanceObserver((list) => count(list.getEntries()));
  collections.observe({ entryTypes: ['gc'] });
  const started = performance.now();
  loop.enable();
  app.timer.start();
  const ms = await clients.burst(app.url, requests, load.concurrency, load.rate);
  const toAck = app.timer.stop();
  loop.disable();
  count(collections.takeRecords());
  collections.disconnect();
  const burstEnded = performance.now();
  await drained();
  const drainMs = performance.now() - burstEnded;
  const busy = performance.eventLoopUtilization(elu).active;
  const throughput = (requests.length * 1000) / (performance.now() - started);
  return { ms, toAck, loopDelay: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 }, gc, busyPerRequest: busy / requests.length, drainMs, throughput };
}

/** A Bolt app with the same receiver and signing secret whose listeners only acknowledge. */
export async function startBareApp(apiUrl: string) {
  const logger = new ConsoleLogger();
  logger.setLevel(LogLevel.ERROR);
  const app = new App({
    token: 'xoxb-test-token',
    botId: BOT_ID,
    botUserId: BOT_USER_ID,
    signingSecret: SIGNING_SECRET,
    logger,
    clientOptions: { slackApiUrl: apiUrl },
  });
  app.command('/sandbox', async ({ ack }) => {
    await ack();
  });
  app.action(actions.approve, async ({ ack }) => {
    await ack();
  });
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`, app, stop: () => app.stop() };
}

interface Card {
  id: number;
  ts: string;
  text: string;
  blocks: object[];
}

/**
 * ALICE's dev-alice holds a change (so `/sandbox send` opens the send modal), and `requests` requests from distinct
 * developers wait for BOB's approval in Staging, each with its card posted in the Staging channel, as the app
 * would have posted it when they were sent. Built with the services directly, not measured.
 */
export async function seed(t: TestBot, requests: number, progress: (text: string) => void): Promise<Card[]> {
  const services = t.bot.runtime.services;
  await services.components.put(as(ADMIN), 'production', [{ key: 'Layout/Account', content: 'v1' }]);
  await services.sync(as(ADMIN), 'staging');
  await services.sync(as(ALICE), 'dev-alice');
  await services.components.put(as(ALICE), 'dev-alice', [{ key: 'Layout/Account', content: 'v2' }]);
  await services.sync(as(ADMIN), 'dev-bob');
  const ids: number[] = [];
  for (let i = 1; i <= requests; i++) {
    if (i % 250 === 0) progress(`seeding: ${i} of ${requests} requests sent`);
    const user = developer(i);
    await services.components.put(as(user), 'dev-bob', [{ key: 'Layout/Account', content: `v-bench-${i}` }]);
    const { request } = await services.send(as(user), { instance: 'dev-bob', message: `bench change ${i}` });
    if (request.state !== 'pending_approval') throw new Error(`bench: request ${request.id} is ${request.state}`);
    ids.push(request.id);
  }
  const client = new WebClient('xoxb-test-token', { slackApiUrl: t.fake.url });
  const messages = postedMessageRepository(t.bot.runtime.database.db, t.bot.runtime.process.id);
  const cards: Card[] = [];
  for (const id of ids) {
    const card = requestCard(await services.requestOverview(id));
    const posted = await client.chat.postMessage({ channel: STAGING_CHANNEL, ...card });
    await messages.save({ subject: `DR-${id}`, role: 'card', channel: posted.channel!, ts: posted.ts!, linesPosted: 0 });
    cards.push({ id, ts: posted.ts!, text: card.text, blocks: card.blocks as object[] });
  }
  return cards;
}

export async function waitUntil(what: string, done: () => boolean) {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out after ${DRAIN_TIMEOUT_MS / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function benchSlackAck(backend: string, options: AckOptions): Promise<AckRow[]> {
  const { total, warmup, rounds, progress } = options;
  const load: Load = { concurrency: options.concurrency, rate: options.rate };
  const t = await startTestBot(threeStepConfig, options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {});
  t.slackPace(); // the work after the acknowledgements posts at Slack's own pace, as in production
  const bare = await startBareApp(t.fake.url);
  const clients = startClients();
  try {
    progress(`seeding ${warmup + rounds * total} requests pending approval`);
    const cards = await seed(t, warmup + rounds * total, progress);
    const fake = t.fake;
    const rows: AckRow[] = [];
    const timed = (app: App, url: string) => {
      const server = serverOf(app);
      if (!server) throw new Error('bench: no HTTP server in the Bolt app');
      return { url, timer: ackTimer(server) };
    };
    const ours = timed(t.bot.app, t.bot.url);
    const bareApp = timed(bare.app, bare.url);
    const nothingToDrain = async () => {};

    /**
     * One kind of request: warm-up and measured burst against the bare app, then against ours, each of ours drained.
     * `build(i, tracked)` makes request i of a burst; `done()` counts our requests whose work is finished.
     */
    const compare = async (kind: string, build: (i: number, tracked: boolean) => SlackRequest, done: () => number) => {
      const requests = (from: number, count: number, tracked: boolean) => Array.from({ length: count }, (_, i) => build(from + i, tracked));
      // Done, and everything it set off (cards, direct messages) posted: nothing of ours runs during the next burst.
      const drained = (expected: number) => async () => {
        await waitUntil(`${expected} ${kind} requests to be done`, () => done() >= expected);
        await t.bot.settled();
      };
      progress(`${kind}: bare app, warm-up`);
      await clients.burst(bareApp.url, requests(0, warmup, false), load.concurrency, load.rate);
      progress(`${kind}: our app, warm-up`);
      await clients.burst(ours.url, requests(0, warmup, true), load.concurrency, load.rate);
      await drained(warmup)();
      const bareRuns: Measured[] = [];
      const ourRuns: Measured[] = [];
      for (let round = 0; round < rounds; round++) {
        const from = warmup + round * total;
        const bareFirst = round % 2 === 0;
        progress(`${kind}: round ${round + 1} of ${rounds}, ${bareFirst ? 'bare app then ours' : 'our app then the bare one'}`);
        const measureBare = async () => bareRuns.push(await measuredBurst(clients, bareApp, requests(from, total, false), load, nothingToDrain));
        const measureOurs = async () => ourRuns.push(await measuredBurst(clients, ours, requests(from, total, true), load, drained(from + total)));
        for (const measure of bareFirst ? [measureBare, measureOurs] : [measureOurs, measureBare]) await measure();
      }
      return { kind, backend, ours: ourRuns, bare: bareRuns, target: TARGET, sent: warmup + rounds * total };
    };

    // `/sandbox send` from ALICE: our app checks dev-alice and opens the send modal with its changes. Done: the modal
    // is open, or a refusal was answered to the response URL.
    {
      const tracked = new Set<string>();
      const build = (_i: number, track: boolean) => {
        const responseUrl = fake.responseUrl();
        if (track) tracked.add(responseUrl.split('/').at(-1)!);
        return slashCommand({ text: 'send', userId: ALICE, channelId: DEV_CHANNEL, responseUrl });
      };
      const opened = () => fake.views('open').filter((v) => (v.view as { callback_id?: string }).callback_id === callbacks.send).length;
      const refused = () => fake.responses.filter((r) => tracked.has(r.name)).length;
      const row = await compare('/sandbox send', build, () => opened() + refused());
      rows.push({ ...row, refused: refused() });
    }

    // Approve clicks by BOB on the cards of distinct pending requests: each vote decides its request (Staging needs
    // one), answers BOB privately, then updates the card and tells the requester. Done: BOB has his answer.
    {
      const tracked = new Set<string>();
      const build = (i: number, track: boolean) => {
        const card = cards[i]!;
        const responseUrl = fake.responseUrl();
        if (track) tracked.add(responseUrl.split('/').at(-1)!);
        return blockAction({
          userId: BOB,
          actionId: actions.approve,
          value: String(card.id),
          channelId: STAGING_CHANNEL,
          messageTs: card.ts,
          message: { text: card.text, blocks: card.blocks },
          responseUrl,
        });
      };
      const answers = () => fake.responses.filter((r) => tracked.has(r.name));
      const updatesBefore = fake.ok('chat.update').length;
      const row = await compare('Approve click', build, () => answers().length);
      const decided = answers().filter((r) => typeof r.text === 'string' && r.text.includes('Your approval decided it')).length;
      const updates = fake.ok('chat.update').length - updatesBefore;
      if (updates < decided) throw new Error(`bench: ${decided} approvals decided their request but only ${updates} cards were updated`);
      rows.push({ ...row, refused: row.sent - decided });
    }
    return rows;
  } finally {
    await clients.close();
    await bare.stop();
    await t.close();
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const roundP99s = (runs: Measured[]) => runs.map((run) => latencies(run.ms).p99);
const ratioOf = (row: AckRow) => median(roundP99s(row.ours)) / median(roundP99s(row.bare));
/** Every round's samples together, for p50, p95 and max. */
const pooled = (runs: Measured[]) => latencies(runs.flatMap((run) => run.ms));

export function printAckTable(rows: AckRow[], options: Pick<AckOptions, 'total' | 'warmup' | 'rounds' | 'concurrency' | 'rate'>) {
  const header = ['request', 'backend', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'bare p50', 'bare p95', 'bare p99', 'bare max', 'p99 ratio', 'target', 'result'];
  const lines = rows.map((row) => {
    const [ours, bare] = [pooled(row.ours), pooled(row.bare)];
    const ratio = ratioOf(row);
    return [
      row.kind,
      row.backend,
      ...[ours.p50, ours.p95, median(roundP99s(row.ours)), ours.max, bare.p50, bare.p95, median(roundP99s(row.bare)), bare.max].map((v) => v.toFixed(1)),
      `${ratio.toFixed(2)}×`,
      `≤ ${row.target}×`,
      ratio <= row.target ? 'ok' : 'MISSED',
    ];
  });
  const left = (i: number) => i < 2 || i === 12;
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => `| ${cells.map((c, i) => (left(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(format(header));
  console.log(`|${widths.map((w, i) => (left(i) ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const line of lines) console.log(format(line));
  console.log('');
  console.log(
    `Acknowledgement latency: from sending the signed POST to /slack/events until its response arrives, ${options.rounds} rounds of ${options.total} requests of each kind per app ${describeLoad(options)} (the clients run in a worker thread; the bare app first in odd rounds, ours first in even ones), after ${options.warmup} of warm-up. p99 is the median of the rounds' p99s; p50, p95 and max are over every round. The bare app is a Bolt App with the same receiver and signing secret whose listeners only ack(). Fake Slack runs on the apps' thread.`,
  );
  const ms = (v: number) => v.toFixed(1);
  for (const row of rows) {
    const [ours, bare] = [row.ours.at(-1)!, row.bare.at(-1)!];
    const rounds = (runs: Measured[]) => roundP99s(runs).map(ms).join(', ');
    const [oursToAck, bareToAck] = [latencies(ours.toAck), latencies(bare.toAck)];
    console.log(
      `  ${row.kind} on ${row.backend}: p99 of each round ${rounds(row.ours)} ms (bare ${rounds(row.bare)} ms). Last round: in the server, request to ack() p50 ${ms(oursToAck.p50)} ms, p99 ${ms(oursToAck.p99)} ms (bare ${ms(bareToAck.p50)} / ${ms(bareToAck.p99)}); app thread busy ${ms(ours.busyPerRequest)} ms per request (bare ${ms(bare.busyPerRequest)}), ${Math.round(ours.throughput)} requests/s done (bare ${Math.round(bare.throughput)}); event-loop delay p99 ${ms(ours.loopDelay.p99)} ms, max ${ms(ours.loopDelay.max)} ms (bare ${ms(bare.loopDelay.p99)} / ${ms(bare.loopDelay.max)}); garbage collection during the burst ${ms(ours.gc.total)} ms, longest ${ms(ours.gc.max)} ms (bare ${ms(bare.gc.total)} / ${ms(bare.gc.max)}); work drained ${(ours.drainMs / 1000).toFixed(1)} s after the burst; refused ${row.refused} of ${row.sent}.`,
    );
  }
  const missed = rows.filter((row) => ratioOf(row) > row.target);
  if (missed.length) console.log(`\nMISSED: ${missed.map((r) => `${r.kind} on ${r.backend}`).join('; ')}`);
  else console.log('\nEvery acknowledgement target met.');
}
