import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isValidSlackRequest, verifySlackRequest } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type SlackEmulator, startSlackEmulator } from '../../src/workspace/emulator.ts';
import { blockAction, sign, slashCommand } from '../../src/workspace/payloads.ts';
import type { WorkspaceEvent } from '../../src/workspace/web-api.ts';

// The Slack the local workspace emulates on loopback: its Web API, its response URLs, and signed deliveries.

let emulator: SlackEmulator;
let events: WorkspaceEvent[];
let app: Server | undefined;

beforeEach(async () => {
  emulator = await startSlackEmulator({ userNames: { U0ALICE: 'alice' } });
  events = [];
  emulator.watch((event) => events.push(event));
});

afterEach(async () => {
  await emulator.close();
  if (app) await new Promise((resolve) => app!.close(resolve));
  app = undefined;
});

async function call(method: string, args: Record<string, unknown>) {
  const res = await fetch(`${emulator.apiUrl}${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(args) });
  return (await res.json()) as Record<string, any>;
}

/** The bot's Web API client posts forms, with nested values as JSON strings. */
async function callWithForm(method: string, args: Record<string, string>) {
  const res = await fetch(`${emulator.apiUrl}${method}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(args).toString() });
  return (await res.json()) as Record<string, any>;
}

async function respond(url: string, body: Record<string, unknown>) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe('the Web API', () => {
  it('serves the base URL Slack clients expect, ending in /api/', () => {
    expect(emulator.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
  });

  it('posts messages and thread replies, updates them, and tells whoever watches', async () => {
    const posted = await callWithForm('chat.postMessage', { channel: 'C0STAGING', text: 'DR-1', blocks: JSON.stringify([{ type: 'section', text: { type: 'mrkdwn', text: 'DR-1' } }]) });
    expect(posted).toMatchObject({ ok: true, channel: 'C0STAGING' });
    expect(emulator.state.messages[0]!.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: 'DR-1' } }]);
    const reply = await call('chat.postMessage', { channel: 'C0STAGING', thread_ts: posted.ts, text: 'log line' });
    expect(emulator.state.messages[1]).toMatchObject({ thread_ts: posted.ts, text: 'log line' });
    expect(reply.ts).not.toBe(posted.ts);
    expect(await call('chat.update', { channel: 'C0STAGING', ts: posted.ts, text: 'DR-1 approved' })).toMatchObject({ ok: true, text: 'DR-1 approved' });
    expect(emulator.state.messages[0]).toMatchObject({ text: 'DR-1 approved', updates: 1 });
    expect(await call('chat.update', { channel: 'C0STAGING', ts: '1.2', text: 'x' })).toEqual({ ok: false, error: 'message_not_found' });
    expect(events.map((e) => e.kind)).toEqual(['message', 'message', 'update']);
  });

  it('posts to a user id in the DM with that user', async () => {
    expect(await call('chat.postMessage', { channel: 'U0ALICE', text: 'approved' })).toMatchObject({ ok: true, channel: 'DU0ALICE' });
    expect(await call('conversations.open', { users: 'U0ALICE' })).toEqual({ ok: true, channel: { id: 'DU0ALICE' } });
  });

  it('knows the workspace\'s people by name', async () => {
    expect((await call('users.info', { user: 'U0ALICE' })).user).toMatchObject({ id: 'U0ALICE', name: 'alice', real_name: 'Alice' });
  });

  it('opens a modal only with a trigger id it issued, once', async () => {
    const trigger = emulator.triggerId();
    const view = { type: 'modal', title: { type: 'plain_text', text: 'Send' }, blocks: [] };
    const opened = await call('views.open', { trigger_id: trigger, view });
    expect(opened).toMatchObject({ ok: true, view: { type: 'modal', id: expect.stringMatching(/^V/) } });
    expect(emulator.state.views).toHaveLength(1);
    expect(await call('views.open', { trigger_id: trigger, view })).toEqual({ ok: false, error: 'exchanged_trigger_id' });
    expect(await call('views.open', { trigger_id: '123.456.abc', view })).toEqual({ ok: false, error: 'invalid_trigger_id' });
    expect(await call('views.open', { view })).toEqual({ ok: false, error: 'invalid_trigger_id' });
    expect(emulator.state.views).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'view')).toHaveLength(1);
  });

  it('refuses a trigger id older than Slack\'s 3 seconds', async () => {
    const trigger = emulator.triggerId();
    const now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockReturnValue(now + 3_500);
    try {
      expect(await call('views.open', { trigger_id: trigger, view: { type: 'modal', blocks: [] } })).toEqual({ ok: false, error: 'expired_trigger_id' });
    } finally {
      clock.mockRestore();
    }
  });

  it('updates and publishes views without a trigger', async () => {
    const opened = await call('views.open', { trigger_id: emulator.triggerId(), view: { type: 'modal', blocks: [] } });
    expect(await call('views.update', { view_id: opened.view.id, view: { type: 'modal', blocks: [{ type: 'divider' }] } })).toMatchObject({ ok: true, view: { id: opened.view.id } });
    expect(await call('views.publish', { user_id: 'U0ALICE', view: { type: 'home', blocks: [] } })).toMatchObject({ ok: true });
    expect(await call('views.publish', { view: { type: 'home', blocks: [] } })).toEqual({ ok: false, error: 'invalid_arguments' });
    expect(emulator.state.views.map((v) => v.kind)).toEqual(['open', 'update', 'publish']);
    expect(await call('views.update', { view_id: 'V0NOWHERE', view: { type: 'modal', blocks: [] } })).toEqual({ ok: false, error: 'not_found' });
  });

  it('answers an unknown method as Slack does', async () => {
    expect(await call('chat.scheduleMessage', {})).toEqual({ ok: false, error: 'unknown_method' });
  });
});

describe('arguments', () => {
  it('refuses an argument Slack does not document for the method, naming it, and keeps nothing', async () => {
    const posted = await call('chat.postMessage', { channel: 'C0DEV', text: 'card' });
    const refused = await call('chat.update', { channel: 'C0DEV', ts: posted.ts, text: 'again', subject: 'DR-1', linesPosted: 0 });
    expect(refused).toMatchObject({ ok: false, error: 'invalid_arguments' });
    expect(refused.response_metadata.messages).toEqual(['[ERROR] subject is not an argument of chat.update', '[ERROR] linesPosted is not an argument of chat.update']);
    expect(emulator.state.messages.map((m) => [m.text, m.updates])).toEqual([['card', 0]]);
  });

  it('takes every documented argument, and the team Slack\'s client adds', async () => {
    const posted = await call('chat.postMessage', { channel: 'C0DEV', text: 'card', unfurl_links: false, team_id: 'T0TEAM' });
    expect(posted.ok).toBe(true);
    expect((await call('chat.update', { channel: 'C0DEV', ts: posted.ts, text: 'again', reply_broadcast: false })).ok).toBe(true);
  });
});

describe("Slack's Block Kit limits", () => {
  const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

  it('refuses a message of more than 50 blocks, or a section over 3000 characters, with the reason, and keeps nothing', async () => {
    const many = await call('chat.postMessage', { channel: 'C0DEV', text: 'x', blocks: Array.from({ length: 51 }, () => section('x')) });
    expect(many).toMatchObject({ ok: false, error: 'invalid_blocks', response_metadata: { messages: ['51 blocks; a message holds at most 50'] } });
    const long = await call('chat.postMessage', { channel: 'C0DEV', text: 'x', blocks: [section('y'.repeat(3001))] });
    expect(long).toMatchObject({ ok: false, error: 'invalid_blocks', response_metadata: { messages: ['block 1 (section) text is 3001 characters; at most 3000'] } });
    expect(emulator.state.messages).toEqual([]);
    expect((await call('chat.postMessage', { channel: 'C0DEV', text: 'x', blocks: [section('y'.repeat(3000))] })).ok).toBe(true);
  });

  it('refuses a chat.update whose text is over 4000 characters', async () => {
    const posted = await call('chat.postMessage', { channel: 'C0DEV', text: 'short' });
    expect(await call('chat.update', { channel: 'C0DEV', ts: posted.ts, text: 'z'.repeat(4001) })).toMatchObject({ ok: false, error: 'msg_too_long' });
    expect(emulator.state.messages[0]!.text).toBe('short');
  });

  it('refuses a modal with inputs but no submit button, or a title over 24 characters', async () => {
    const input = { type: 'input', block_id: 'b', label: { type: 'plain_text', text: 'L' }, element: { type: 'plain_text_input', action_id: 'value' } };
    const noSubmit = await call('views.publish', { user_id: 'U0ALICE', view: { type: 'modal', title: { type: 'plain_text', text: 'T' }, blocks: [input] } });
    expect(noSubmit).toMatchObject({ ok: false, error: 'invalid_arguments', response_metadata: { messages: ['a modal with input blocks needs a submit button'] } });
    const title = await call('views.publish', { user_id: 'U0ALICE', view: { type: 'modal', title: { type: 'plain_text', text: 'A title of twenty-five ch' }, blocks: [] } });
    expect(title).toMatchObject({ ok: false, error: 'invalid_arguments', response_metadata: { messages: ['title is 25 characters; at most 24'] } });
  });

  it('refuses a button label over 75 characters', async () => {
    const button = { type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'b'.repeat(76) }, value: '1' };
    const refused = await call('chat.postEphemeral', { channel: 'C0DEV', user: 'U0ALICE', text: 'x', blocks: [{ type: 'actions', elements: [button] }] });
    expect(refused).toMatchObject({ ok: false, error: 'invalid_blocks', response_metadata: { messages: ['block 1 (actions) button text is 76 characters; at most 75'] } });
  });
});

describe('response URLs', () => {
  it('answer privately by default: an ephemeral message to the person, in their channel', async () => {
    const url = emulator.responseUrl({ user: 'U0ALICE', channel: 'C0DEVELOPMENT' });
    expect(await respond(url, { text: 'Only you see this' })).toEqual({ status: 200, body: { ok: true } });
    expect(emulator.state.ephemerals).toEqual([expect.objectContaining({ channel: 'C0DEVELOPMENT', user: 'U0ALICE', text: 'Only you see this' })]);
    expect(emulator.state.messages).toEqual([]);
    expect(events.map((e) => e.kind)).toEqual(['ephemeral']);
  });

  it('post to the channel for everyone with response_type in_channel', async () => {
    const url = emulator.responseUrl({ user: 'U0ALICE', channel: 'C0DEVELOPMENT' });
    await respond(url, { response_type: 'in_channel', text: 'Everyone sees this' });
    expect(emulator.state.messages).toEqual([expect.objectContaining({ channel: 'C0DEVELOPMENT', text: 'Everyone sees this' })]);
    expect(emulator.state.ephemerals).toEqual([]);
  });

  it('replace the message a button was pressed on with replace_original', async () => {
    const posted = await call('chat.postMessage', { channel: 'C0STAGING', text: 'DR-1 waits' });
    const url = emulator.responseUrl({ user: 'U0CAROL', channel: 'C0STAGING', messageTs: posted.ts });
    await respond(url, { replace_original: true, text: 'DR-1 approved' });
    expect(emulator.state.messages).toEqual([expect.objectContaining({ ts: posted.ts, text: 'DR-1 approved', updates: 1 })]);
    expect(events.map((e) => e.kind)).toEqual(['message', 'update']);
  });

  it('are good for five answers: a sixth is refused with 404 and changes nothing', async () => {
    const url = emulator.responseUrl({ user: 'U0ALICE', channel: 'C0DEVELOPMENT' });
    for (let i = 1; i <= 5; i++) expect((await respond(url, { text: `answer ${i}` })).status).toBe(200);
    expect(await respond(url, { text: 'answer 6' })).toEqual({ status: 404, body: { ok: false, error: 'used_url' } });
    expect(emulator.state.ephemerals.map((e) => e.text)).toEqual(['answer 1', 'answer 2', 'answer 3', 'answer 4', 'answer 5']);
    // Each command or click has its own.
    expect((await respond(emulator.responseUrl({ user: 'U0ALICE', channel: 'C0DEVELOPMENT' }), { text: 'fresh' })).status).toBe(200);
  });

  it('pass on what Slack refuses in an answer, and count the use', async () => {
    const url = emulator.responseUrl({ user: 'U0ALICE', channel: 'C0DEV' });
    const blocks = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    expect(await respond(url, { text: 'x', blocks })).toMatchObject({ status: 400, body: { ok: false, error: 'invalid_blocks' } });
    expect(emulator.state.ephemerals).toEqual([]);
  });

  it('refuses one it never gave out', async () => {
    const made = emulator.responseUrl({ user: 'U0ALICE', channel: 'C0DEVELOPMENT' }).replace(/\/respond\/\w+$/, '/respond/0000');
    expect((await respond(made, { text: 'x' })).status).toBe(404);
  });
});

describe('deliver', () => {
  /** An app that records what reaches it. */
  async function recordingApp() {
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    app = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"response_action":"clear"}');
      });
    });
    await new Promise<void>((resolve) => app!.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(app!.address() as AddressInfo).port}/slack/events`, received };
  }

  it('needs an app to deliver to', () => {
    expect(() => emulator.deliver(slashCommand({ text: 'status', userId: 'U0ALICE', responseUrl: 'http://x' }))).toThrow(/not connected/);
  });

  it('signs each request with the secret it made up, so that Slack\'s own signature check passes', async () => {
    const { url, received } = await recordingApp();
    emulator.connect(url);
    const command = slashCommand({ text: 'status', userId: 'U0ALICE', channelId: 'C0DEVELOPMENT', responseUrl: emulator.responseUrl({ user: 'U0ALICE', channel: 'C0DEVELOPMENT' }) });
    const result = await emulator.deliver(command);
    expect(result).toMatchObject({ status: 200, body: '{"response_action":"clear"}' });
    await emulator.deliver(blockAction({ userId: 'U0CAROL', actionId: 'request_approve', value: '1', channelId: 'C0STAGING' }));

    expect(received).toHaveLength(2);
    expect(received[0]!.body).toBe(command.body);
    expect(received[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(emulator.signingSecret).toMatch(/^[0-9a-f]{48}$/);
    for (const { headers, body } of received) {
      const timestamp = Number(headers['x-slack-request-timestamp']);
      const signature = String(headers['x-slack-signature']);
      expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(60);
      expect(signature).toBe(sign(emulator.signingSecret, timestamp, body));
      expect(() => verifySlackRequest({ signingSecret: emulator.signingSecret, body, headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp } })).not.toThrow();
      expect(isValidSlackRequest({ signingSecret: 'another-secret-0123456789', body, headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp } })).toBe(false);
      expect(isValidSlackRequest({ signingSecret: emulator.signingSecret, body: `${body}&x=1`, headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp } })).toBe(false);
    }
  });

  it('makes up a new secret for each workspace', async () => {
    const other = await startSlackEmulator();
    try {
      expect(other.signingSecret).not.toBe(emulator.signingSecret);
    } finally {
      await other.close();
    }
  });
});
