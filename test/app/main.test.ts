import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { socketEnvelope, startFakeSlack } from '../helpers/fake-slack.ts';
import { postToSlackEndpoint, selectValue, slashCommand, viewSubmission } from '../helpers/slack-requests.ts';
import { freePort } from '../helpers/workspace.ts';
import { pgliteDataDir } from '../helpers/templates.ts';
import { threeStepConfig } from '../helpers/world.ts';

/**
 * The operator's side of `npm start` (src/app/main.ts): the settings read from the environment decide between the
 * Slack app and the local workspace, a start with settings missing or malformed stops naming each one, and never
 * with a secret's value; the app serves Slack in HTTP mode or Socket Mode.
 */

const BOT_TOKEN = 'xoxb-1111-2222-bottokenvalue';
const SIGNING_SECRET = 'signing-secret-value-0123456789';
const APP_TOKEN = 'xapp-1-A111-appTokenValue';
const http = { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET };

// `npm start` as an operator runs it

const projectDir = join(import.meta.dirname, '../..');
const children: ChildProcess[] = [];
afterEach(() => {
  // Each child leads its own process group (npm → sh → node): end the whole group, and only it.
  for (const child of children.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; ms: number }>;
}

/**
 * Starts the app with only these settings (plus PATH and HOME): nothing from the test's own environment leaks in.
 * `npm` runs `npm start`; `node` runs what it runs (`node dist/main.js`) without npm in between, so that a signal
 * reaches the app itself.
 */
function launch(how: 'npm' | 'node', settings: Record<string, string>): Started {
  const started = Date.now();
  const [command, args] = how === 'npm' ? ['npm', ['start', '--silent']] : [process.execPath, ['dist/main.js']];
  const child = spawn(command, args, {
    cwd: projectDir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...settings },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; ms: number }>((resolve) => child.on('exit', (code) => resolve({ code, ms: Date.now() - started })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

const npmStart = (settings: Record<string, string>) => launch('npm', settings);

async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function configFile() {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-start-'));
  const path = join(dir, 'sandbox.config.yml');
  writeFileSync(path, threeStepConfig);
  return { dir, path };
}

describe('npm start (the app as an operator starts it)', () => {
  it('with some Slack settings but not all stops quickly, naming each missing one on stderr', async () => {
    const withoutToken = npmStart({ SLACK_SIGNING_SECRET: SIGNING_SECRET });
    const withoutSecret = npmStart({ SLACK_BOT_TOKEN: 'xoxb-test-token' });
    const [a, b] = await Promise.all([withoutToken.exited, withoutSecret.exited]);
    expect(a.code).not.toBe(0);
    expect(b.code).not.toBe(0);
    expect(Math.max(a.ms, b.ms)).toBeLessThan(15_000);
    expect(withoutToken.stderr()).toMatch(/SLACK_BOT_TOKEN: required/);
    expect(withoutToken.stderr()).not.toMatch(/SLACK_SIGNING_SECRET/);
    expect(withoutSecret.stderr()).toMatch(/SLACK_SIGNING_SECRET: required in HTTP mode/);
    expect(withoutSecret.stderr()).not.toMatch(/SLACK_BOT_TOKEN/);
  });

  it('with no Slack setting at all starts the local workspace instead, and ends with its input', async () => {
    const data = pgliteDataDir('local');
    const start = npmStart({ SANDBOX_DATA_DIR: data.dir, SANDBOX_CONFIG: configFile().path });
    const { code } = await start.exited;
    expect(start.stderr()).toBe('');
    expect(code).toBe(0);
    expect(start.stdout()).toMatch(/local workspace: no Slack settings were given/);
    expect(start.stdout()).toMatch(/To connect a real workspace, set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET/);
    data.remove();
  });

  it('with malformed settings stops, naming each one and echoing no token', async () => {
    const start = npmStart({ SLACK_BOT_TOKEN: 'xoxp-5555-usertokenvalue', SLACK_SIGNING_SECRET: SIGNING_SECRET, PORT: 'abc', SLACK_API_URL: 'http://127.0.0.1:9/' });
    const { code } = await start.exited;
    expect(code).not.toBe(0);
    const stderr = start.stderr();
    for (const name of ['SLACK_BOT_TOKEN', 'PORT', 'SLACK_API_URL']) expect(stderr).toContain(`${name}:`);
    expect(stderr + start.stdout()).not.toContain('usertokenvalue');
    expect(stderr + start.stdout()).not.toContain(SIGNING_SECRET);
  });

  it('when Slack cannot be reached at SLACK_API_URL stops with the reason, naming the settings to check', async () => {
    const port = await freePort(); // nothing listens there
    const { dir, path } = configFile();
    const start = npmStart({ ...http, SLACK_API_URL: `http://127.0.0.1:${port}/api/`, PORT: String(await freePort()), SANDBOX_CONFIG: path, SANDBOX_DATA_DIR: join(dir, 'data') });
    const { code, ms } = await start.exited;
    expect(code).not.toBe(0);
    expect(ms).toBeLessThan(20_000);
    expect(start.stderr()).toContain('SLACK_API_URL');
    expect(start.stderr() + start.stdout()).not.toContain(BOT_TOKEN);
  });

  it('runs in HTTP mode on PORT over SLACK_API_URL: serves /healthz, takes signed commands, refuses unsigned ones', async () => {
    const fake = await startFakeSlack();
    const data = pgliteDataDir('start');
    try {
      const { path } = configFile();
      const port = await freePort();
      const start = launch('node', { ...http, SLACK_API_URL: fake.url, PORT: String(port), SANDBOX_CONFIG: path, SANDBOX_DATA_DIR: data.dir });
      const origin = `http://127.0.0.1:${port}`;
      const health = await waitUntil('/healthz', async () => {
        if (start.child.exitCode !== null) throw new Error(`npm start exited ${start.child.exitCode}: ${start.stderr()}`);
        const response = await fetch(`${origin}/healthz`);
        return response.status === 200 ? response.json() : undefined;
      });
      expect(health).toEqual({ status: 'ok' });
      expect(fake.calls.map((c) => c.method)).toContain('auth.test');

      const responseUrl = fake.responseUrl();
      const command = slashCommand({ text: 'whoami', userId: 'U0ADMIN', responseUrl });
      const forged = await postToSlackEndpoint(`${origin}/slack/events`, { ...command, secret: 'not-the-secret' });
      expect(forged.status).toBe(401);
      const signed = await postToSlackEndpoint(`${origin}/slack/events`, { ...command, secret: SIGNING_SECRET });
      expect(signed.status).toBe(200);
      const answer = await fake.waitFor(() => fake.responses.find((r) => responseUrl.endsWith(`/${r.name}`)));
      expect(answer.text).toContain('You are <@U0ADMIN>, an *admin*');
      expect(fake.responses).toHaveLength(1); // the forged copy got no answer

      process.kill(start.child.pid!, 'SIGTERM');
      const { code } = await start.exited;
      expect(code).toBe(0);
      expect(start.stdout() + start.stderr()).not.toContain(BOT_TOKEN);
      expect(start.stdout() + start.stderr()).not.toContain(SIGNING_SECRET);
    } finally {
      await fake.close();
      data.remove();
    }
  });

  it('with LOG_FORMAT=json writes one JSON object per line, carrying the Slack request and the run each belongs to, and no secret', async () => {
    const fake = await startFakeSlack();
    const data = pgliteDataDir('start-json');
    try {
      const { path } = configFile();
      const port = await freePort();
      const start = launch('node', { ...http, LOG_FORMAT: 'json', SLACK_API_URL: fake.url, PORT: String(port), SANDBOX_CONFIG: path, SANDBOX_DATA_DIR: data.dir });
      const origin = `http://127.0.0.1:${port}`;
      await waitUntil('/healthz', async () => ((await fetch(`${origin}/healthz`)).status === 200 ? true : undefined));
      const opened = await postToSlackEndpoint(`${origin}/slack/events`, { ...slashCommand({ text: 'sync dev-alice', userId: 'U0ALICE', responseUrl: fake.responseUrl() }), secret: SIGNING_SECRET });
      expect(opened.status).toBe(200);
      const modal = await fake.waitFor(() => fake.views('open')[0]);
      const view = modal.view as { callback_id: string; private_metadata?: string };
      const values = { source: { value: selectValue('staging') } };
      const submitted = await postToSlackEndpoint(`${origin}/slack/events`, { ...viewSubmission({ userId: 'U0ALICE', callbackId: view.callback_id, privateMetadata: view.private_metadata, values, opened: modal.view }), secret: SIGNING_SECRET });
      expect(submitted.status).toBe(200);
      await waitUntil('the sync in the log', async () => (start.stdout().includes('Sync finished') ? true : undefined));
      process.kill(start.child.pid!, 'SIGTERM');
      expect((await start.exited).code).toBe(0);

      const lines = start.stdout().trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
      expect(lines.length).toBeGreaterThan(3);
      for (const line of lines) expect(line).toMatchObject({ level: expect.any(Number), time: expect.any(String), msg: expect.any(String) });
      expect(lines.find((l) => /^Sandbox bot is running \(HTTP mode/.test(l.msg))).toBeDefined();
      const finished = lines.find((l) => l.msg.startsWith('Sync finished'))!;
      expect(finished).toMatchObject({ run: 'RUN-1', runKind: 'sync', slack: { kind: 'view_submission', what: 'sync_modal', user: 'U0ALICE' } });
      const all = start.stdout() + start.stderr();
      for (const secret of [BOT_TOKEN, SIGNING_SECRET]) expect(all).not.toContain(secret);
    } finally {
      await fake.close();
      data.remove();
    }
  });

  it('in Socket Mode connects through SLACK_API_URL with the app token, takes commands on the socket, serves /healthz on PORT', async () => {
    const fake = await startFakeSlack({ socketMode: true });
    const data = pgliteDataDir('start');
    try {
      const { path } = configFile();
      const port = await freePort();
      const start = launch('node', { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: APP_TOKEN, SLACK_API_URL: fake.url, PORT: String(port), SANDBOX_CONFIG: path, SANDBOX_DATA_DIR: data.dir });
      await fake.socketConnected({ timeoutMs: 30_000 });
      expect(fake.calls.map((c) => c.method)).toContain('auth.test');
      expect(fake.calls.find((c) => c.method === 'apps.connections.open')?.tokenKind).toBe('xapp');

      const health = await waitUntil('/healthz', async () => {
        const response = await fetch(`http://127.0.0.1:${port}/healthz`);
        return response.status === 200 ? response.json() : undefined;
      });
      expect(health).toEqual({ status: 'ok' });

      const responseUrl = fake.responseUrl();
      const ack = await fake.socketSend(socketEnvelope(slashCommand({ text: 'whoami', userId: 'U0ADMIN', responseUrl })));
      expect(ack.ms).toBeLessThan(1000);
      const answer = await fake.waitFor(() => fake.responses.find((r) => responseUrl.endsWith(`/${r.name}`)));
      expect(answer.text).toContain('You are <@U0ADMIN>, an *admin*');

      process.kill(start.child.pid!, 'SIGTERM');
      expect((await start.exited).code).toBe(0);
      expect(start.stdout() + start.stderr()).not.toContain(APP_TOKEN);
      expect(start.stdout() + start.stderr()).not.toContain(BOT_TOKEN);
    } finally {
      await fake.close();
      data.remove();
    }
  });
});
