import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLocalSettings, readSlackSettings } from '../src/settings.ts';
import { socketEnvelope, startFakeSlack } from './helpers/fake-slack.ts';
import { postToSlackEndpoint, slashCommand } from './helpers/slack-requests.ts';
import { freePort } from './helpers/workspace.ts';
import { threeStepConfig } from './helpers/world.ts';

/**
 * The operator's side of `npm start`: settings come from the environment, are checked with zod at start, and
 * every one missing or malformed is named at once, with what it should be and never with a secret's value.
 */

const BOT_TOKEN = 'xoxb-1111-2222-bottokenvalue';
const SIGNING_SECRET = 'signing-secret-value-0123456789';
const APP_TOKEN = 'xapp-1-A111-appTokenValue';
const http = { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET };

/** The message a start with these settings stops with. */
function refusal(env: Record<string, string>): string {
  try {
    readSlackSettings(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`settings were accepted: ${JSON.stringify(Object.keys(env))}`);
}

/** The lines of a refusal that name one setting. */
const linesAbout = (message: string, name: string) => message.split('\n').filter((line) => line.includes(`${name}:`));

describe('readSlackSettings', () => {
  it('in HTTP mode needs a bot token and a signing secret, and uses PORT 3000 and Slack itself by default', () => {
    const settings = readSlackSettings(http);
    expect(settings).toMatchObject({ mode: 'http', SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, PORT: 3000, SLACK_API_URL: 'https://slack.com/api/' });
  });

  it('reads PORT and SLACK_API_URL', () => {
    const settings = readSlackSettings({ ...http, PORT: '8080', SLACK_API_URL: 'http://127.0.0.1:4000/api/' });
    expect(settings.PORT).toBe(8080);
    expect(settings.SLACK_API_URL).toBe('http://127.0.0.1:4000/api/');
  });

  it('chooses Socket Mode when SLACK_APP_TOKEN is set, and then needs no signing secret', () => {
    const settings = readSlackSettings({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: APP_TOKEN });
    expect(settings.mode).toBe('socket');
    expect(settings.SLACK_APP_TOKEN).toBe(APP_TOKEN);
  });

  it('names every missing setting at once', () => {
    const message = refusal({});
    expect(linesAbout(message, 'SLACK_BOT_TOKEN')).toHaveLength(1);
    expect(linesAbout(message, 'SLACK_SIGNING_SECRET')).toHaveLength(1);
    expect(linesAbout(message, 'SLACK_BOT_TOKEN')[0]).toMatch(/required/);
    expect(linesAbout(message, 'SLACK_SIGNING_SECRET')[0]).toMatch(/required/);
  });

  it('names the signing secret alone when only it is missing, and says Socket Mode is the alternative', () => {
    const message = refusal({ SLACK_BOT_TOKEN: BOT_TOKEN });
    expect(linesAbout(message, 'SLACK_BOT_TOKEN')).toEqual([]);
    expect(linesAbout(message, 'SLACK_SIGNING_SECRET')[0]).toContain('SLACK_APP_TOKEN');
  });

  it('treats an empty setting as missing', () => {
    const message = refusal({ SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: '' });
    expect(linesAbout(message, 'SLACK_BOT_TOKEN')[0]).toMatch(/required/);
    expect(linesAbout(message, 'SLACK_SIGNING_SECRET')[0]).toMatch(/required/);
  });

  it('names a bot token that is not xoxb-', () => {
    const [line] = linesAbout(refusal({ ...http, SLACK_BOT_TOKEN: 'xoxp-user-token-value' }), 'SLACK_BOT_TOKEN');
    expect(line).toContain('xoxb-');
  });

  it('names a PORT that is not a port number', () => {
    expect(linesAbout(refusal({ ...http, PORT: 'abc' }), 'PORT')[0]).toMatch(/port number/);
    expect(linesAbout(refusal({ ...http, PORT: '70000' }), 'PORT')[0]).toMatch(/port number/);
    expect(linesAbout(refusal({ ...http, PORT: '80.5' }), 'PORT')[0]).toMatch(/port number/);
  });

  it('names a SLACK_API_URL that does not end with /api/, or is no URL', () => {
    expect(linesAbout(refusal({ ...http, SLACK_API_URL: 'http://127.0.0.1:4000/' }), 'SLACK_API_URL')[0]).toContain('/api/');
    expect(linesAbout(refusal({ ...http, SLACK_API_URL: 'https://slack.com/api' }), 'SLACK_API_URL')[0]).toContain('/api/');
    expect(linesAbout(refusal({ ...http, SLACK_API_URL: 'slack' }), 'SLACK_API_URL').join('\n')).toMatch(/URL/);
  });

  it('names an app token that is not xapp-', () => {
    const [line] = linesAbout(refusal({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: 'xoxb-not-an-app-token' }), 'SLACK_APP_TOKEN');
    expect(line).toContain('xapp-');
  });

  it('names a DATABASE_URL that is not postgres://', () => {
    expect(linesAbout(refusal({ ...http, DATABASE_URL: 'mysql://sandbox@db/sandbox' }), 'DATABASE_URL')[0]).toContain('postgres://');
  });

  it('names every malformed setting at once, each with its problem', () => {
    const message = refusal({
      SLACK_BOT_TOKEN: 'xoxp-user-token-value',
      SLACK_APP_TOKEN: 'xoxb-not-an-app-token',
      PORT: 'abc',
      SLACK_API_URL: 'http://127.0.0.1:4000/',
    });
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'PORT', 'SLACK_API_URL']) {
      expect(linesAbout(message, name).length, `${name} is named in:\n${message}`).toBeGreaterThan(0);
    }
  });

  it('never repeats a token or secret in its message', () => {
    const secrets = {
      SLACK_BOT_TOKEN: 'xoxp-9999-topsecretusertoken',
      SLACK_APP_TOKEN: 'xoxb-8888-topsecretbottoken',
      SLACK_SIGNING_SECRET: 'short',
      PORT: 'abc',
    };
    const message = refusal(secrets);
    for (const value of ['topsecretusertoken', 'topsecretbottoken', secrets.SLACK_SIGNING_SECRET]) expect(message).not.toContain(value);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// `npm start` as an operator runs it

const projectDir = join(import.meta.dirname, '..');
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

describe('readLocalSettings', () => {
  it('keeps the local workspace in ./.workspace: its own database and its own pipeline file', () => {
    expect(readLocalSettings({})).toMatchObject({ SANDBOX_DATA_DIR: './.workspace/data', SANDBOX_CONFIG: './.workspace/sandbox.config.yml', configGiven: false });
  });

  it('gives each pipeline file given by SANDBOX_CONFIG a database of its own, unless SANDBOX_DATA_DIR says where', () => {
    expect(readLocalSettings({ SANDBOX_CONFIG: 'pipelines/acme.yml' })).toMatchObject({ SANDBOX_DATA_DIR: './.workspace/data-acme', configGiven: true });
    expect(readLocalSettings({ SANDBOX_CONFIG: 'sandbox.config.yml' })).toMatchObject({ SANDBOX_DATA_DIR: './.workspace/data-sandbox.config' });
    expect(readLocalSettings({ SANDBOX_CONFIG: 'acme.yml', SANDBOX_DATA_DIR: '/srv/rehearsal' })).toMatchObject({ SANDBOX_DATA_DIR: '/srv/rehearsal' });
  });

  it('refuses to put the demo pipeline into the database of DATABASE_URL, and accepts a pipeline of your own there', () => {
    expect(() => readLocalSettings({ DATABASE_URL: 'postgres://db.example/sandbox' })).toThrow(/with its demo pipeline, on the PostgreSQL database of DATABASE_URL/);
    expect(readLocalSettings({ DATABASE_URL: 'postgres://db.example/sandbox', SANDBOX_CONFIG: 'acme.yml' })).toMatchObject({ configGiven: true });
  });
});

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
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-local-'));
    const start = npmStart({ SANDBOX_DATA_DIR: join(dir, 'data'), SANDBOX_CONFIG: configFile().path });
    const { code } = await start.exited;
    expect(start.stderr()).toBe('');
    expect(code).toBe(0);
    expect(start.stdout()).toMatch(/local workspace: no Slack settings were given/);
    expect(start.stdout()).toMatch(/To connect a real workspace, set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET/);
    rmSync(dir, { recursive: true, force: true });
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
    try {
      const { dir, path } = configFile();
      const port = await freePort();
      const start = launch('node', { ...http, SLACK_API_URL: fake.url, PORT: String(port), SANDBOX_CONFIG: path, SANDBOX_DATA_DIR: join(dir, 'data') });
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
    }
  });

  it('in Socket Mode connects through SLACK_API_URL with the app token, takes commands on the socket, serves /healthz on PORT', async () => {
    const fake = await startFakeSlack({ socketMode: true });
    try {
      const { dir, path } = configFile();
      const port = await freePort();
      const start = launch('node', { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: APP_TOKEN, SLACK_API_URL: fake.url, PORT: String(port), SANDBOX_CONFIG: path, SANDBOX_DATA_DIR: join(dir, 'data') });
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
    }
  });
});
