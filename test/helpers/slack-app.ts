import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogLevel } from '@slack/bolt';
import { ConsoleLogger } from '@slack/logger';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { parsePipelineConfig } from '../../src/config/load.ts';
import { applyPipelineConfig } from '../../src/db/apply-config.ts';
import { readSlackSettings } from '../../src/settings.ts';
import { type SlackApp, startSlackApp } from '../../src/app/slack-app.ts';
import type { Clock } from '../../src/domain/ports.ts';
import { onPostgres, openTestDatabase, type TestDatabase, truncateAll } from './database.ts';
import { type FakeMessage, type FakeSlack, type FakeViewRecord, startFakeSlack } from './fake-slack.ts';
import { pgliteDataDir } from './templates.ts';
import {
  appHomeOpened,
  blockAction,
  formValue,
  type PostResult,
  postToSlackEndpoint,
  type SlackRequest,
  selectValue,
  slashCommand,
  viewSubmission,
} from './slack-requests.ts';
import { QA_MEMBER, threeStepConfig } from './world.ts';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';

/** A value typed or picked in a modal: text, a chosen option, ticked boxes or chosen users. */
export type FieldValue = string | { option: string } | { checked: string[] } | { users: string[] };

/** Modal input values by block id, as Slack sends them (every input's action id is `value`). */
export function fill(values: Record<string, FieldValue | null>) {
  return Object.fromEntries(
    Object.entries(values).map(([block, v]) => {
      const value =
        v === null || typeof v === 'string'
          ? formValue(v)
          : 'option' in v
            ? selectValue(v.option)
            : 'checked' in v
              ? { type: 'checkboxes', selected_options: v.checked.map((c) => ({ value: c, text: { type: 'plain_text', text: c } })) }
              : { type: 'multi_users_select', selected_users: v.users };
      return [block, { value }];
    }),
  );
}

export interface TestBot {
  fake: FakeSlack;
  bot: SlackApp;
  /** Where its database is, to open it again once the bot stopped. */
  where: { url: string } | { dataDir: string };
  /**
   * Empties the database, applies the pipeline configuration again, forgets every recorded Slack call and puts the
   * bot's posts back on the tests' pace.
   */
  reset(): Promise<void>;
  /**
   * Puts the bot's posts on Slack's own pace until the next reset: one a second per channel, Retry-After and back-off
   * in full. For the tests about that pace; the others run it a hundred times faster (TEST_PACE).
   */
  slackPace(): void;
  command(user: string, text: string, channelId?: string): Promise<PostResult & { responseUrl: string }>;
  click(user: string, actionId: string, value: string, where?: { channelId?: string; messageTs?: string; home?: boolean }): Promise<PostResult & { responseUrl: string }>;
  /** Submits a modal the app opened, with the values filled in. */
  submit(user: string, opened: FakeViewRecord, values: Record<string, FieldValue | null>): Promise<PostResult>;
  openHome(user: string): Promise<PostResult>;
  send(request: SlackRequest, overrides?: Partial<Parameters<typeof postToSlackEndpoint>[1]>): Promise<PostResult>;
  /** The last modal opened (views.open) with this callback id, once it is open. */
  modal(callbackId: string): Promise<FakeViewRecord>;
  /** Private answers sent to a response URL. */
  answers(responseUrl: string): Promise<{ text?: string; blocks?: unknown }[]>;
  /** The card of a request or change request (`DR-1`, `CR-1`) in a channel, as it is now. */
  card(channel: string, id: string): FakeMessage | undefined;
  /** Waits for the card of `id` in `channel` to satisfy `ok`. */
  cardWhen(channel: string, id: string, ok?: (card: FakeMessage) => boolean): Promise<FakeMessage>;
  close(): Promise<void>;
}

type Json = Record<string, any>;

/** Every text a person reads in a message or view: its text, then every text inside its blocks and title, in order. */
export function shown(message: Json | undefined): string {
  const out: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'text' && typeof value === 'string') out.push(value);
      else walk(value);
    }
  };
  if (message) {
    if (typeof message.text === 'string') out.push(message.text);
    walk(message.blocks);
    walk(message.title);
  }
  return out.join('\n');
}

/** A button as a person sees it (its text) and as the app gets it back when clicked (its action id and value). */
export interface Button {
  text: string;
  action: string;
  value: string;
}

/** The buttons a message, view or private answer carries, in order (the app puts them in actions blocks). */
export const buttonsOf = (m: object | undefined): Button[] =>
  (((m as { blocks?: Json[] } | undefined)?.blocks ?? []) as Json[])
    .filter((b) => b.type === 'actions')
    .flatMap((b: Json) => b.elements.filter((e: Json) => e.type === 'button').map((e: Json) => ({ text: e.text.text, action: e.action_id, value: e.value })));

/** The labels of the buttons a message or view carries, in order. */
export const buttonLabels = (m: object | undefined): string[] => buttonsOf(m).map((b) => b.text);

/** The button labelled `label` (which must be there). */
export function buttonOf(m: object | undefined, label: string): Button {
  const found = buttonsOf(m).find((b) => b.text === label);
  if (!found) throw new Error(`no "${label}" button among ${JSON.stringify(buttonLabels(m))}`);
  return found;
}

/** The HTTP answer to a modal submission, parsed (empty when the modal simply closed). */
export const answerOf = (r: { body: string }) => (r.body ? JSON.parse(r.body) : {});

/** One bot for the whole test file, emptied before each test: the object is filled in once the bot has started. */
export function useTestBot(config?: string, options: TestBotOptions = {}): TestBot {
  const t = {} as TestBot;
  beforeAll(async () => {
    Object.assign(t, await startTestBot(config, {}, options));
  });
  afterAll(() => t.close?.());
  beforeEach(() => t.reset());
  return t;
}

/**
 * The real Slack app, started on loopback in HTTP mode over a fake Slack Web API and this test file's database
 * (an embedded one in a directory of its own, or a fresh PostgreSQL database). Requests reach it signed, as Slack sends them.
 */
export interface TestBotOptions {
  /** The services' clock (a ManualClock lets a test move time on for the scheduled jobs). */
  clock?: Clock;
}

/**
 * How fast the test bot's posts are paced and retried (see Chat's Pace): a hundredth of Slack's pace, since most tests
 * are about what is posted rather than when; `TestBot.slackPace()` restores Slack's own for the tests about when.
 */
export const TEST_PACE = 0.01;

export async function startTestBot(config = threeStepConfig, env: Record<string, string> = {}, options: TestBotOptions = {}): Promise<TestBot> {
  const fake = await startFakeSlack({ userGroups: { S0QA: [QA_MEMBER] } });
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-slack-'));
  const configPath = join(dir, 'sandbox.config.yml');
  // The scheduler's own ticks (every 30 s) would run its jobs at any moment of a test, resuming threads a test is
  // about: tests run the jobs themselves (`bot.jobs`), and the scheduler's crons come once a year here.
  writeFileSync(configPath, /^schedules:/m.test(config) ? config : `${config}\nschedules: { tick: '0 0 0 1 1 *', driftReport: '0 0 0 1 1 *', digest: '0 0 0 1 1 *' }\n`);
  const database: TestDatabase | undefined = onPostgres ? await openTestDatabase() : undefined;
  const embedded = onPostgres ? undefined : pgliteDataDir('slack');
  const settings = readSlackSettings({
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.url,
    PORT: '0',
    SANDBOX_CONFIG: configPath,
    ...(database ? { DATABASE_URL: database.url } : { SANDBOX_DATA_DIR: embedded!.dir }),
    ...env,
  });
  const logger = new ConsoleLogger();
  logger.setLevel(LogLevel.ERROR);
  const pace = { scale: TEST_PACE };
  const bot = await startSlackApp(settings, { logger, host: '127.0.0.1', clock: options.clock, pace });
  const parsed = parsePipelineConfig(config, 'test config');
  const card = (channel: string, id: string) => fake.messages(channel).find((m) => m.text?.startsWith(`${id} `));
  const send = (request: SlackRequest, overrides = {}) => postToSlackEndpoint(bot.url, { ...request, secret: SIGNING_SECRET, ...overrides });
  return {
    fake,
    bot,
    where: database ? { url: database.url! } : { dataDir: embedded!.dir },
    send,
    async reset() {
      await bot.settled();
      await truncateAll(bot.runtime.database.db);
      await applyPipelineConfig(bot.runtime.database.db, parsed, new Date());
      fake.reset();
      pace.scale = TEST_PACE;
    },
    slackPace() {
      pace.scale = 1;
    },
    async command(user, text, channelId) {
      const responseUrl = fake.responseUrl();
      return { ...(await send(slashCommand({ text, userId: user, channelId, responseUrl }))), responseUrl };
    },
    async click(user, actionId, value, where = {}) {
      const responseUrl = fake.responseUrl();
      const request = where.home
        ? blockAction({ userId: user, actionId, value, view: { type: 'home' } })
        : blockAction({ userId: user, actionId, value, channelId: where.channelId, messageTs: where.messageTs, responseUrl });
      return { ...(await send(request)), responseUrl };
    },
    submit(user, opened, values) {
      const view = opened.view as { callback_id: string; private_metadata?: string };
      return send(viewSubmission({ userId: user, callbackId: view.callback_id, privateMetadata: view.private_metadata, values: fill(values), opened: opened.view }));
    },
    openHome: (user) => send(appHomeOpened({ userId: user })),
    modal: (callbackId) => fake.waitFor(() => fake.views('open').filter((v) => (v.view as { callback_id?: string }).callback_id === callbackId).at(-1)),
    card,
    cardWhen: (channel, id, ok = () => true) =>
      fake.waitFor(() => {
        const found = card(channel, id);
        return found && ok(found) ? found : undefined;
      }),
    async answers(responseUrl) {
      const name = responseUrl.split('/').at(-1);
      return fake.responses.filter((r) => r.name === name) as { text?: string; blocks?: unknown }[];
    },
    async close() {
      await bot.stop();
      await fake.close();
      await database?.close();
      embedded?.remove();
    },
  };
}

