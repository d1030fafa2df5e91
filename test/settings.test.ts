import { describe, expect, it } from 'vitest';
import { readLocalSettings, readSlackSettings } from '../src/settings.ts';

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

  it('reads SANDBOX_PUBLIC_URL without its trailing slash, and refuses one that is not a URL', () => {
    expect(readSlackSettings({ ...http, SANDBOX_PUBLIC_URL: 'https://sandbox.example.com/' }).SANDBOX_PUBLIC_URL).toBe('https://sandbox.example.com');
    expect(readSlackSettings(http).SANDBOX_PUBLIC_URL).toBeUndefined();
    expect(linesAbout(refusal({ ...http, SANDBOX_PUBLIC_URL: 'sandbox.example.com' }), 'SANDBOX_PUBLIC_URL')).toEqual([expect.stringContaining('must be the URL the bot is reached at, e.g. https://sandbox.example.com')]);
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

