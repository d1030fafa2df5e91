import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogLevel } from '@slack/bolt';
import { ConsoleLogger } from '@slack/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSlackSettings } from '../../src/settings.ts';
import { type SlackApp, startSlackApp } from '../../src/app/slack-app.ts';
import { onPostgres, openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { pgliteDataDir } from '../helpers/templates.ts';
import { type FakeSlack, socketEnvelope, startFakeSlack } from '../helpers/fake-slack.ts';
import { appHomeOpened, blockAction, slashCommand } from '../helpers/slack-requests.ts';
import { ALICE, QA_MEMBER, threeStepConfig } from '../helpers/world.ts';

// Socket Mode: SLACK_APP_TOKEN set, no signing secret. The app asks the (fake) Web API for a WebSocket URL with its
// app-level token, connects, and takes commands and interactions as envelopes it acks on the socket.
// startTestBot cannot be used: its fake has no Socket Mode, and the app would retry apps.connections.open forever.

/** A port nobody listens on now: in Socket Mode the app reports PORT back as it was given, so 0 would not tell us where it is. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function httpRequest(method: 'GET' | 'POST', url: string, body = ''): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

let fake: FakeSlack;
let bot: SlackApp | undefined;
let database: TestDatabase | undefined;
let embedded: ReturnType<typeof pgliteDataDir> | undefined;
let port: number;

beforeAll(async () => {
  fake = await startFakeSlack({ socketMode: true, userGroups: { S0QA: [QA_MEMBER] } });
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-socket-'));
  const configPath = join(dir, 'sandbox.config.yml');
  writeFileSync(configPath, threeStepConfig);
  database = onPostgres ? await openTestDatabase() : undefined;
  embedded = onPostgres ? undefined : pgliteDataDir('socket');
  port = await freePort();
  const settings = readSlackSettings({
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_APP_TOKEN: 'xapp-test',
    SLACK_API_URL: fake.url,
    PORT: String(port),
    SANDBOX_CONFIG: configPath,
    ...(database?.url ? { DATABASE_URL: database.url } : { SANDBOX_DATA_DIR: embedded!.dir }),
  });
  expect(settings.mode).toBe('socket');
  expect(settings.SLACK_SIGNING_SECRET).toBeUndefined();
  const logger = new ConsoleLogger();
  logger.setLevel(LogLevel.ERROR);
  bot = await startSlackApp(settings, { logger, host: '127.0.0.1' });
});

// The app first, so that its socket client is shutting down (no reconnect loop) when the fake goes away.
afterAll(async () => {
  await bot?.stop();
  await fake?.close();
  await database?.close();
  embedded?.remove();
});

/** Sends `/sandbox <text>` as a slash_commands envelope; resolves with the ack and the answers at the response URL. */
async function command(text: string, user = ALICE) {
  const responseUrl = fake.responseUrl();
  const envelope = socketEnvelope(slashCommand({ text, userId: user, responseUrl }));
  const ack = await fake.socketSend(envelope, { timeoutMs: 3_000 });
  const name = responseUrl.split('/').at(-1);
  const answer = await fake.waitFor(() => fake.responses.find((r) => r.name === name), { timeoutMs: 5_000 });
  return { envelope, ack, answer };
}

describe('Socket Mode (SLACK_APP_TOKEN set)', () => {
  it('opens a connection with apps.connections.open at SLACK_API_URL, using the app-level token, and connects', async () => {
    await fake.socketConnected({ timeoutMs: 5_000 });
    const opens = fake.calls.filter((c) => c.method === 'apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(opens[0]).toMatchObject({ status: 200, authorized: true, tokenKind: 'xapp', response: { ok: true } });
    expect(String(opens[0].response.url)).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/);
    expect(fake.socket).toMatchObject({ opened: 1, open: 1 });
    expect(bot!.mode).toBe('socket');
    // The bot token is still checked first, over HTTP, with the bot token.
    expect(fake.calls[0]).toMatchObject({ method: 'auth.test', authorized: true, response: { ok: true } });
  });

  it('acks a /sandbox help slash_commands envelope on the socket within 3 s and answers at the response_url', async () => {
    const { envelope, ack, answer } = await command('help');
    expect(ack.envelope_id).toBe(envelope.envelope_id);
    expect(ack.ms).toBeLessThan(3_000);
    // ack() with nothing to say: the envelope id and an empty payload, as @slack/socket-mode sends it.
    expect(fake.socket.received).toContainEqual({ envelope_id: envelope.envelope_id, payload: {} });
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('*`/sandbox` commands*');
    expect(answer.text).toContain('/sandbox whoami');
  });

  it('answers /sandbox whoami for the user of the envelope', async () => {
    const { ack, answer } = await command('whoami', ALICE);
    expect(ack.ms).toBeLessThan(3_000);
    expect(answer.text).toContain(`You are <@${ALICE}>`);
    expect(answer.text).toContain('`dev-alice`');
  });

  it('takes a button click as an interactive envelope: acks it and opens the modal with its trigger_id', async () => {
    const envelope = socketEnvelope(blockAction({ userId: ALICE, actionId: 'instance_sync', value: 'dev-alice', responseUrl: fake.responseUrl() }));
    expect(envelope).toMatchObject({ type: 'interactive', accepts_response_payload: false, payload: { type: 'block_actions' } });
    const ack = await fake.socketSend(envelope);
    expect(ack.envelope_id).toBe(envelope.envelope_id);
    const opened = await fake.waitFor(() => fake.views('open').find((v) => v.trigger_id === envelope.payload.trigger_id));
    expect(opened.view.callback_id).toBe('sync_modal');
  });

  it('takes an Events API event as an events_api envelope: acks it and draws App Home', async () => {
    const envelope = socketEnvelope(appHomeOpened({ userId: ALICE }));
    expect(envelope).toMatchObject({ type: 'events_api', payload: { type: 'event_callback', event: { type: 'app_home_opened' } } });
    const ack = await fake.socketSend(envelope);
    expect(ack.envelope_id).toBe(envelope.envelope_id);
    await fake.waitFor(() => fake.views('publish').find((v) => v.user_id === ALICE));
  });

  it('serves GET /healthz on PORT in Socket Mode too', async () => {
    const res = await httpRequest('GET', `http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'ok' });
  });

  it('serves the HTTP API and the metrics on PORT in Socket Mode too: its document, the counts and acknowledgement times, and a 401 without a token', async () => {
    const doc = await httpRequest('GET', `http://127.0.0.1:${port}/api/v1/openapi.json`);
    expect(doc.status).toBe(200);
    expect(JSON.parse(doc.body).info.title).toBe('Sandbox bot API');
    const metrics = await httpRequest('GET', `http://127.0.0.1:${port}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^sandbox_slack_requests_total\{kind="command",outcome="handled"\} \d+$/m);
    // Every envelope so far was acked on the socket, and timed: two commands, a click and an event.
    const acked = /^sandbox_slack_ack_seconds_count\{status="sent"\} (\d+)$/m.exec(metrics.body);
    expect(Number(acked?.[1])).toBeGreaterThanOrEqual(4);
    expect(metrics.body).toMatch(/^sandbox_slack_ack_seconds_bucket\{le="3",status="sent"\} \d+$/m);
    const refused = await httpRequest('GET', `http://127.0.0.1:${port}/api/v1/requests`);
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body).error.code).toBe('UNAUTHENTICATED');
  });

  it('needs no HTTP /slack/events endpoint: a POST there is not taken', async () => {
    const res = await httpRequest('POST', `http://127.0.0.1:${port}/slack/events`, JSON.stringify({ type: 'url_verification', challenge: 'x' }));
    expect(res.status).not.toBe(200);
    expect(res.body).not.toContain('x');
    // Every command still came over the one socket: no reconnects.
    expect(fake.socket).toMatchObject({ opened: 1, open: 1 });
  });
});
