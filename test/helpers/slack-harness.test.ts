import type { AddressInfo } from 'node:net';
import { App, LogLevel, webApi } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BOT_ID, BOT_USER_ID, type FakeSlack, startFakeSlack } from './fake-slack.ts';
import {
  appHomeOpened,
  blockAction,
  formValue,
  postToSlackEndpoint,
  selectValue,
  type SlackRequest,
  sign,
  slashCommand,
  viewSubmission,
} from './slack-requests.ts';

const SECRET = 'test-signing-secret';

let fake: FakeSlack;
let app: App;
let appUrl: string;
const seen: { kind: string; body: unknown }[] = [];
/** Requests whose middleware and listeners are still running, and who waits for there to be none. */
let handling = 0;
const idle: (() => void)[] = [];

/** Resolves once every request the app took so far has been handled (at once when it took none). */
const settled = () => (handling === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve)));

beforeAll(async () => {
  fake = await startFakeSlack();
  app = new App({
    signingSecret: SECRET,
    token: 'xoxb-test',
    botId: BOT_ID,
    botUserId: BOT_USER_ID,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } },
  });
  app.use(async ({ next }) => {
    handling++;
    try {
      await next();
    } finally {
      if (--handling === 0) for (const resolve of idle.splice(0)) resolve();
    }
  });
  app.command('/sandbox', async ({ ack, command, client }) => {
    await ack();
    seen.push({ kind: 'command', body: command });
    await client.chat.postMessage({ channel: command.channel_id, text: `you said: ${command.text}` });
  });
  app.action('approve', async ({ ack, body }) => {
    await ack();
    seen.push({ kind: 'action', body });
  });
  app.view('request_modal', async ({ ack, view }) => {
    await ack();
    seen.push({ kind: 'view', body: view });
  });
  app.event('app_home_opened', async ({ event, client }) => {
    seen.push({ kind: 'event', body: event });
    await client.views.publish({ user_id: event.user, view: { type: 'home', blocks: [] } });
  });
  // Bound to loopback; `app.start(0)` works as well but listens on every interface.
  const server = await app.start({ port: 0, host: '127.0.0.1' });
  appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
});

afterAll(async () => {
  await app?.stop();
  await fake?.close();
});

beforeEach(() => {
  fake.reset();
  seen.length = 0;
});

const post = (request: SlackRequest, extra = {}) =>
  postToSlackEndpoint(appUrl, { ...request, secret: SECRET, ...extra });

describe('signed requests to a Bolt HTTP receiver', () => {
  const command = () => slashCommand({ text: 'sync dev-alice', userId: 'U0ALICE', responseUrl: fake.responseUrl() });

  it('sign() is the v0 HMAC Slack documents', () => {
    // Computed independently: printf 'v0:1531420618:hello' | openssl dgst -sha256 -hmac secret
    expect(sign('secret', 1531420618, 'hello')).toBe(
      'v0=cf20310fa94bde55d7304d8575f22412a81fd33f33f2177e7f815b5172e04376',
    );
  });

  it('a correctly signed slash command is acked with 200 and its listener posts', async () => {
    const res = await post(command());
    expect(res.status).toBe(200);
    const call = await fake.waitFor(() => fake.ok('chat.postMessage')[0]);
    expect(call.args).toMatchObject({ channel: 'C0DEV', text: 'you said: sync dev-alice' });
    expect(call.authorized).toBe(true);
    expect(fake.messages('C0DEV').map((m) => m.text)).toEqual(['you said: sync dev-alice']);
  });

  it.each([
    ['a forged signature', { signature: `v0=${'0'.repeat(64)}` }],
    ['a signature made with another secret', { secret: 'not-the-secret' }],
    ['no signature', { omitSignature: true }],
    ['a timestamp 10 minutes old', { timestamp: Math.floor(Date.now() / 1000) - 600 }],
  ])('%s gets 401 and the listener does not run', async (_name, extra) => {
    const res = await post(command(), extra);
    expect(res.status).toBe(401);
    await settled();
    expect(seen).toEqual([]);
    expect(fake.calls).toEqual([]);
  });

  it('a form body sent with "; charset=utf-8" is rejected with 400 (the content-type trap)', async () => {
    const res = await post(command(), { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } });
    expect(res.status).toBe(400);
    expect(seen).toEqual([]);
  });

  it('a block action reaches app.action with its value', async () => {
    const res = await post(
      blockAction({ userId: 'U0BOB', actionId: 'approve', value: 'cr-7', channelId: 'C0STAGING', responseUrl: fake.responseUrl() }),
    );
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0].body).toMatchObject({
      type: 'block_actions',
      user: { id: 'U0BOB' },
      channel: { id: 'C0STAGING' },
      container: { type: 'message', channel_id: 'C0STAGING' },
      actions: [{ action_id: 'approve', value: 'cr-7', type: 'button' }],
    });
  });

  it('a select action inside a modal has a view container and the selected option', async () => {
    const res = await post(
      blockAction({ userId: 'U0BOB', actionId: 'approve', selectedOption: 'staging', view: { id: 'V0MODAL', callback_id: 'x' } }),
    );
    expect(res.status).toBe(200);
    expect(seen[0].body).toMatchObject({
      container: { type: 'view', view_id: 'V0MODAL' },
      view: { id: 'V0MODAL', type: 'modal', callback_id: 'x' },
      actions: [{ type: 'static_select', selected_option: { value: 'staging' } }],
    });
  });

  it('a view submission reaches app.view with its state values', async () => {
    const values = { reason: { reason_input: formValue('hotfix') }, env: { env_select: selectValue('Staging') } };
    const res = await post(viewSubmission({ userId: 'U0ALICE', callbackId: 'request_modal', values, privateMetadata: '{"n":1}' }));
    expect(res.status).toBe(200);
    expect(seen[0].body).toMatchObject({
      callback_id: 'request_modal',
      private_metadata: '{"n":1}',
      state: { values: { reason: { reason_input: { value: 'hotfix' } }, env: { env_select: { selected_option: { value: 'Staging' } } } } },
    });
  });

  it('app_home_opened reaches app.event, which can publish the Home tab', async () => {
    const res = await post(appHomeOpened({ userId: 'U0CAROL' }));
    expect(res.status).toBe(200);
    const published = await fake.waitFor(() => fake.views('publish')[0]);
    expect(published).toMatchObject({ user_id: 'U0CAROL', view: { type: 'home' } });
    expect(seen[0].body).toMatchObject({ type: 'app_home_opened', user: 'U0CAROL', tab: 'home' });
  });
});

describe('the fake Slack Web API', () => {
  const client = () => new webApi.WebClient('xoxb-test', { slackApiUrl: fake.url, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });

  it('answers 429 with Retry-After on demand, which WebClient reports as rate limited', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 7 });
    const error = await client().chat.postMessage({ channel: 'C0DEV', text: 'hi' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(webApi.WebAPIRateLimitedError);
    expect((error as webApi.WebAPIRateLimitedError).retryAfter).toBe(7);
    expect(fake.calls.map((c) => [c.method, c.status])).toEqual([['chat.postMessage', 429]]);
    await expect(client().chat.postMessage({ channel: 'C0DEV', text: 'again' })).resolves.toMatchObject({ ok: true });
  });

  it('answers 500 on demand, and a Slack error with 200', async () => {
    fake.failNext('users.info', { status: 500 });
    fake.failNext('users.info', { error: 'user_not_found' });
    await expect(client().users.info({ user: 'U0ALICE' })).rejects.toBeInstanceOf(webApi.WebAPIHTTPError);
    await expect(client().users.info({ user: 'U0ALICE' })).rejects.toMatchObject({ data: { error: 'user_not_found' } });
    await expect(client().users.info({ user: 'U0ALICE' })).resolves.toMatchObject({ user: { id: 'U0ALICE', tz: 'Europe/London' } });
    expect(fake.calls.map((c) => c.status)).toEqual([500, 200, 200]);
    expect(fake.ok('users.info')).toHaveLength(1);
  });

  it('chat.update changes the stored message; an unknown ts is message_not_found', async () => {
    const { ts } = await client().chat.postMessage({ channel: 'C0DEV', text: 'Deploying…', blocks: [{ type: 'divider' }] });
    await client().chat.update({ channel: 'C0DEV', ts: ts!, text: 'Deployed', blocks: [] });
    expect(fake.messages('C0DEV')).toEqual([expect.objectContaining({ ts, text: 'Deployed', blocks: [], updates: 1 })]);
    expect(fake.calls[0].args.blocks).toEqual([{ type: 'divider' }]); // form-encoded JSON decoded back
    await expect(client().chat.update({ channel: 'C0DEV', ts: '1.2', text: 'x' })).rejects.toMatchObject({
      data: { ok: false, error: 'message_not_found' },
    });
  });

  it('thread() returns the replies of a parent in order, and messages() only top-level ones', async () => {
    const { ts } = await client().chat.postMessage({ channel: 'C0DEV', text: 'parent' });
    await client().chat.postMessage({ channel: 'C0DEV', thread_ts: ts!, text: 'one' });
    await client().chat.postMessage({ channel: 'C0DEV', thread_ts: ts!, text: 'two' });
    expect(fake.thread('C0DEV', ts!).map((m) => m.text)).toEqual(['one', 'two']);
    expect(fake.messages().map((m) => m.text)).toEqual(['parent']);
    const all = fake.calls.map((c) => c.response.ts as string);
    expect([...all].sort()).toEqual(all);
  });

  it('a post to a user id lands in the DM channel', async () => {
    const res = await client().chat.postMessage({ channel: 'U0DAVE', text: 'psst' });
    expect(res.channel).toBe('DU0DAVE');
    expect(fake.dms('U0DAVE').map((m) => m.text)).toEqual(['psst']);
  });

  it('rate limits per channel: the second post within a second gets 429', async () => {
    fake.rateLimit({ method: 'chat.postMessage', perChannelPerSecond: 1, retryAfter: 1 });
    await client().chat.postMessage({ channel: 'C0DEV', text: 'first' });
    await client().chat.postMessage({ channel: 'C0PROD', text: 'other channel' });
    const error = await client().chat.postMessage({ channel: 'C0DEV', text: 'second' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryAfter: 1 });
    expect(fake.calls.map((c) => c.status)).toEqual([200, 200, 429]);
  });

  it('views.open needs a trigger_id, used once; other views are recorded with an id', async () => {
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'T' }, blocks: [] };
    await expect(client().views.open({ view } as never)).rejects.toMatchObject({ data: { error: 'invalid_trigger_id' } });
    const opened = await client().views.open({ trigger_id: 't1', view });
    await expect(client().views.open({ trigger_id: 't1', view })).rejects.toMatchObject({ data: { error: 'exchanged_trigger_id' } });
    await client().views.update({ view_id: opened.view!.id!, view });
    expect(fake.views().map((v) => [v.kind, v.id])).toEqual([['open', opened.view!.id], ['update', opened.view!.id]]);
  });

  it('user groups come from setUserGroup; unknown methods are errors', async () => {
    fake.setUserGroup('S0QA', ['U0QA']);
    await expect(client().usergroups.users.list({ usergroup: 'S0QA' })).resolves.toMatchObject({ users: ['U0QA'] });
    await expect(client().usergroups.users.list({ usergroup: 'S0NOPE' })).rejects.toMatchObject({ data: { error: 'no_such_subteam' } });
    await expect(client().apiCall('pins.add', {})).rejects.toMatchObject({ data: { error: 'unknown_method' } });
  });

  it('records response_url posts', async () => {
    const url = fake.responseUrl('cmd');
    const res = await fetch(url, { method: 'POST', body: JSON.stringify({ text: 'done', replace_original: true }) });
    expect(res.status).toBe(200);
    expect(fake.responses).toEqual([expect.objectContaining({ name: 'cmd', text: 'done', replace_original: true })]);
  });

  it('waitFor fails with a summary of what it saw', async () => {
    await client().chat.postMessage({ channel: 'C0DEV', text: 'not what you wait for' });
    await expect(fake.waitFor(() => fake.ok('chat.update')[0], { timeoutMs: 100 })).rejects.toThrow(
      /timed out after 100 ms[\s\S]*chat\.postMessage → 200 ok C0DEV "not what you wait for"/,
    );
  });
});
