import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// manifest.yml against Slack's JSON Schema of app manifests (version 1), and its bot scopes against
// the Slack Web API methods that src/ calls.
//
// test/fixtures/slack-manifest.schema.json is schemas/manifest.schema.1.0.0.json of
// github.com/slackapi/manifest-schema (MIT, test/fixtures/slack-manifest-schema.LICENSE), unchanged.

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

interface SlashCommand {
  command: string;
  url?: string;
  description: string;
  usage_hint?: string;
  should_escape?: boolean;
}

interface Manifest {
  _metadata: { major_version: number };
  display_information: { name: string; description: string; background_color: string; long_description: string };
  features: {
    app_home: { home_tab_enabled: boolean; messages_tab_enabled: boolean; messages_tab_read_only_enabled: boolean };
    bot_user: { display_name?: string; always_online: boolean };
    slash_commands: SlashCommand[];
  };
  oauth_config: { scopes: { bot: string[]; user?: string[] } };
  settings: {
    event_subscriptions: { request_url?: string; bot_events: string[] };
    interactivity: { is_enabled?: boolean; request_url?: string };
    org_deploy_enabled: boolean;
    socket_mode_enabled: boolean;
    token_rotation_enabled: boolean;
  };
}

const manifestText = read('manifest.yml');
const manifest = parse(manifestText) as Manifest;
const copy = (): Manifest => structuredClone(manifest);

// Strict mode, except strictTypes: the schema puts `minItems` on string items (in the hermes
// oauth2 provider options), which strictTypes refuses. Its two keywords that are not JSON Schema
// are declared: `_note` is a comment; `regex` (background_color) is what `pattern` is, and Slack
// enforces it, so it validates as a pattern. Its one format, `uri` (for `$schema`), is checked with URL.
const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
ajv.addKeyword({ keyword: '_note', schemaType: 'string' });
ajv.addKeyword({ keyword: 'regex', type: 'string', schemaType: 'string', macro: (pattern: string) => ({ pattern }) });
ajv.addFormat('uri', { type: 'string', validate: (value: string) => URL.canParse(value) });
const validateManifest = ajv.compile(JSON.parse(read('test/fixtures/slack-manifest.schema.json')) as object);

/** Ajv's errors, one line each ("" when the manifest matches the schema). */
function schemaErrors(candidate: unknown): string[] {
  if (validateManifest(candidate)) return [];
  return (validateManifest.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}

/** The Socket Mode variant that README.md documents: socket mode on, and no URL at all. */
function socketMode(base: Manifest): Manifest {
  const variant = structuredClone(base);
  variant.settings.socket_mode_enabled = true;
  for (const command of variant.features.slash_commands) delete command.url;
  delete variant.settings.interactivity.request_url;
  delete variant.settings.event_subscriptions.request_url;
  return variant;
}

describe('manifest.yml', () => {
  it('matches Slack’s app manifest schema', () => {
    expect(schemaErrors(manifest), 'manifest.yml does not match Slack’s manifest schema (Ajv’s errors)').toEqual([]);
  });

  const breakages: [string, (m: Manifest) => void, string][] = [
    [
      'a misspelt key',
      (m) => {
        const bot = m.features.bot_user as Record<string, unknown>;
        bot.display_nmae = bot.display_name;
        delete bot.display_name;
      },
      'display_nmae',
    ],
    ['a missing bot display name', (m) => delete m.features.bot_user.display_name, "must have required property 'display_name'"],
    ['a misspelt setting', (m) => Object.assign(m.settings, { socket_mode: true }), 'socket_mode'],
    ['interactivity without is_enabled', (m) => delete m.settings.interactivity.is_enabled, "must have required property 'is_enabled'"],
    ['a command without its slash', (m) => (m.features.slash_commands[0]!.command = 'sandbox'), 'must match pattern'],
    ['a usage hint over 1000 characters', (m) => (m.features.slash_commands[0]!.usage_hint = 'x'.repeat(1001)), 'must NOT have more than 1000 characters'],
    ['a long description under 175 characters', (m) => (m.display_information.long_description = 'Too short.'), 'must NOT have fewer than 175 characters'],
    ['a background colour that is not #rgb or #rrggbb', (m) => (m.display_information.background_color = 'grey'), 'must match pattern'],
    ['an event request URL without a scheme', (m) => (m.settings.event_subscriptions.request_url = 'sandbox.example.com/slack/events'), 'must match pattern'],
  ];

  it.each(breakages)('fails the schema with %s', (_label, breakIt, expected) => {
    const broken = copy();
    breakIt(broken);
    const errors = schemaErrors(broken);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toContain(expected);
  });

  it('declares the Slack surface the bot serves: /sandbox, interactivity, App Home', () => {
    expect(manifest._metadata.major_version).toBe(1);
    expect(manifest.display_information.name).toBe('Sandbox');
    for (const verb of ['sync', 'send', 'approve', 'deploy', 'revert']) expect(manifest.display_information.long_description.toLowerCase()).toContain(verb);

    const [command, ...others] = manifest.features.slash_commands;
    expect(others).toEqual([]);
    expect(command?.command).toBe('/sandbox');
    const hint = command?.usage_hint ?? '';
    for (const subcommand of [
      'help', 'status', 'sync [instance]', 'send [instance]', 'queue [environment]', 'validate <request>', 'deploy <request> [at <time>]', 'unschedule <request>',
      'reject <request>', 'revert [environment]', 'logs <run or request>', 'components <instance>', 'compare <a> <b>', 'lock <environment> <reason>',
      'unlock <environment>', 'report <request>', 'cr new|list|show|submit|complete', 'audit', 'whoami',
    ]) {
      expect(hint).toContain(subcommand);
    }

    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toContain('app_home_opened');
    expect(manifest.features.app_home).toEqual({ home_tab_enabled: true, messages_tab_enabled: true, messages_tab_read_only_enabled: true });
    expect(manifest.features.bot_user).toEqual({ display_name: 'Sandbox', always_online: true });
    expect(manifest.oauth_config.scopes.user).toBeUndefined();
  });

  it('is in HTTP mode: every URL is the placeholder address’s /slack/events', () => {
    // Slack refuses interactivity or events without a request URL unless Socket Mode is on.
    const url = 'https://sandbox.example.com/slack/events';
    expect(manifest.settings).toMatchObject({ socket_mode_enabled: false, org_deploy_enabled: false, token_rotation_enabled: false });
    expect(manifest.features.slash_commands.map((c) => c.url)).toEqual([url]);
    expect(manifest.settings.interactivity.request_url).toBe(url);
    expect(manifest.settings.event_subscriptions.request_url).toBe(url);
  });

  it('has a Socket Mode variant (README) that matches the schema too', () => {
    const variant = socketMode(manifest);
    expect(schemaErrors(variant), 'the Socket Mode variant does not match Slack’s manifest schema (Ajv’s errors)').toEqual([]);
    expect(JSON.stringify(variant)).not.toContain('http');
    expect(variant.settings.socket_mode_enabled).toBe(true);
    expect(variant.settings.interactivity.is_enabled).toBe(true);
    expect(variant.settings.event_subscriptions.bot_events).toEqual(manifest.settings.event_subscriptions.bot_events);
  });

  it('README’s Socket Mode diff applies to manifest.yml and gives that variant', () => {
    const section = read('README.md').split(/^## /m).find((s) => s.startsWith('Connect it to Slack'));
    expect(section, 'README.md has no "## Connect it to Slack" section').toBeDefined();
    const diff = /```diff\n([\s\S]*?)```/.exec(section ?? '')?.[1];
    expect(diff, 'the README section has no ```diff block').toBeDefined();

    // Hunks are separated by "@@" lines; each must match consecutive lines of manifest.yml, in order.
    const lines = manifestText.split('\n');
    let cursor = 0;
    for (const hunk of (diff ?? '').trimEnd().split(/^@@.*\n/m).filter((h) => h.trim() !== '')) {
      const hunkLines = hunk.trimEnd().split('\n');
      const before = hunkLines.filter((l) => !l.startsWith('+')).map((l) => l.slice(1));
      const after = hunkLines.filter((l) => !l.startsWith('-')).map((l) => l.slice(1));
      const at = lines.findIndex((_, i) => i >= cursor && before.every((line, j) => lines[i + j] === line));
      expect(at, `this part of README's diff is not in manifest.yml:\n${hunk}`).toBeGreaterThanOrEqual(0);
      lines.splice(at, before.length, ...after);
      cursor = at + after.length;
    }
    expect(parse(lines.join('\n'))).toEqual(socketMode(manifest));
  });
});

// ---------------------------------------------------------------------------------------------
// Bot scopes: exactly those the Web API methods called in src/ need.

/** Bot scope of each Web API method src/ may call (null: no scope needed). */
const SCOPE_OF: Record<string, string | null> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'chat.getPermalink': null,
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
  'usergroups.users.list': 'usergroups:read',
  'views.open': null,
  'views.update': null,
  'views.push': null,
  'views.publish': null,
  'auth.test': null,
  'conversations.join': 'channels:join',
  'users.info': 'users:read',
  'conversations.open': 'im:write',
};
const scopeOf = (method: string): string | null | undefined => (method.startsWith('views.') ? null : SCOPE_OF[method]);

/** Namespaces of the Web API: a URL's last path segment counts as a method only under one of them. */
const NAMESPACES = new Set(
  'admin api apps assistant auth bookmarks bots calls canvases chat conversations dialog dnd emoji files functions migration oauth openid pins reactions reminders rtm search stars team tooling usergroups users views workflows'.split(' '),
);
const METHOD = /^[a-z][a-zA-Z]*(?:\.[a-z][a-zA-Z]*)+$/;
const API_URL = /slack\.com\/api\/([a-z][a-zA-Z]*(?:\.[a-z][a-zA-Z]*)+)/g;

interface MethodUse {
  method: string;
  where: string;
}

/**
 * The Web API methods a TypeScript source calls: `client.chat.postMessage(…)` (also through
 * `app.client`, `this.client`, an identifier `web` or `…Client`), `apiCall('users.info')`, Bolt's
 * `say(…)` (chat.postMessage), and URLs given to `fetch` or `new URL` whose last path segment is a
 * method (`usergroups.users.list?usergroup=…`, `${apiUrl}chat.update`) or any `slack.com/api/<method>`.
 * Read from the syntax tree, so comments and line breaks inside a call do not matter.
 */
function slackMethodsIn(file: string, text: string): MethodUse[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: MethodUse[] = [];
  const add = (method: string, node: ts.Node) => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    found.push({ method, where: `${file}:${line + 1}` });
  };
  const fromUrl = (node: ts.Expression | undefined) => {
    const text = node && literalText(node);
    const last = text?.split(/[?#]/)[0]?.split('/').at(-1) ?? '';
    if (node && METHOD.test(last) && NAMESPACES.has(last.split('.')[0]!)) add(last, node);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const chain = nameChain(node.expression);
      if (chain) {
        const at = chain.findLastIndex((name) => name === 'client' || name === 'web' || name.endsWith('Client'));
        if (at >= 0 && chain.length - at > 2) add(chain.slice(at + 1).join('.'), node);
        const callee = chain.at(-1);
        if (callee === 'apiCall') {
          const method = node.arguments[0] && literalText(node.arguments[0]);
          if (method !== undefined) add(method, node);
        }
        if (chain.length === 1 && callee === 'say') add('chat.postMessage', node);
        if (chain.length === 1 && callee === 'fetch') fromUrl(node.arguments[0]);
      }
    }
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'URL') fromUrl(node.arguments?.[0]);
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
      for (const match of node.text.matchAll(API_URL)) add(match[1]!, node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `a.b?.c` as ['a', 'b', 'c'] (`this` included); undefined for any other expression. */
function nameChain(node: ts.Expression): string[] | undefined {
  if (ts.isIdentifier(node)) return [node.text];
  if (node.kind === ts.SyntaxKind.ThisKeyword) return ['this'];
  if (ts.isPropertyAccessExpression(node)) {
    const head = nameChain(node.expression);
    return head && [...head, node.name.text];
  }
  if (ts.isParenthesizedExpression(node) || ts.isNonNullExpression(node)) return nameChain(node.expression);
  return undefined;
}

/** The literal text of a string, template or `+` concatenation, interpolations left out. */
function literalText(node: ts.Expression): string | undefined {
  if (ts.isStringLiteralLike(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.head.text + node.templateSpans.map((span) => span.literal.text).join('');
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const left = literalText(node.left);
    const right = literalText(node.right);
    return left === undefined && right === undefined ? undefined : (left ?? '') + (right ?? '');
  }
  return undefined;
}

function typescriptFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return typescriptFiles(path);
    return entry.isFile() && entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('manifest.yml bot scopes', () => {
  it('finds the method in every way src/ may call one', () => {
    const sample = `
      await client.chat.postMessage({ channel, text });
      await app.client.views.publish({ user_id, view });
      await this.client.chat
        .update({ channel, ts, text });
      await web?.chat?.postEphemeral({ channel, user, text });
      await webClient.conversations.open({ users });
      await client.apiCall('users.info', { user });
      await say('hi');
      await fetch(\`\${apiUrl}conversations.join\`, { method: 'POST' });
      await fetch(new URL(\`usergroups.users.list?usergroup=\${id}\`, apiUrl));
      await fetch(apiUrl + 'auth.test');
      const url = 'https://slack.com/api/views.push';
      // client.pins.add({ channel }) in a comment is not a call
      const folder = new URL('../../drizzle', import.meta.url);
      const examples = new URL('../examples/production.json', import.meta.url);
      await client.query('select 1');
      settings.slack.token.trim();
    `;
    expect(slackMethodsIn('sample.ts', sample).map((use) => use.method)).toEqual([
      'chat.postMessage', 'views.publish', 'chat.update', 'chat.postEphemeral', 'conversations.open', 'users.info',
      'chat.postMessage', 'conversations.join', 'usergroups.users.list', 'auth.test', 'views.push',
    ]);
  });

  it('are exactly the scopes of the Web API methods src/ calls, plus commands (and chat:write.public with chat:write)', () => {
    const uses = typescriptFiles('src').flatMap((file) => slackMethodsIn(relative(root, join(root, file)), read(file)));
    expect(uses.length, 'found no Slack Web API call in src/: is the scan broken?').toBeGreaterThan(0);

    const unknown = uses.filter((use) => scopeOf(use.method) === undefined).map((use) => `${use.method} (${use.where})`);
    expect(
      unknown,
      'src/ calls Web API methods whose scope this test does not know: add each to SCOPE_OF in test/slack/manifest.test.ts ' +
        'with the bot scope its page on docs.slack.dev/reference/methods names (null when it needs none), and that scope to manifest.yml',
    ).toEqual([]);

    const needs = new Map<string, string[]>([['commands', ['the /sandbox slash command']]]);
    for (const use of uses) {
      const scope = scopeOf(use.method);
      if (scope) needs.set(scope, [...(needs.get(scope) ?? []), `${use.method} (${use.where})`]);
    }
    // Declared on purpose: the bot posts into the environments' public channels without joining them.
    if (needs.has('chat:write')) needs.set('chat:write.public', ['posts into environment channels without joining']);

    const why = [...needs].map(([scope, reasons]) => `  ${scope}: ${[...new Set(reasons)].join(', ')}`).join('\n');
    expect(
      [...manifest.oauth_config.scopes.bot].sort(),
      `manifest.yml's bot scopes must be exactly what src/ needs:\n${why}`,
    ).toEqual([...needs.keys()].sort());
  });
});
