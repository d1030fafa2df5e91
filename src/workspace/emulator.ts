import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newTriggerId, type PostResult, postToSlackEndpoint, type SlackRequest } from './payloads.ts';
import { emptyWorkspaceState, type PostedMessage, type WebApiOptions, webApiHandlers, type WorkspaceEvent, type WorkspaceState } from './web-api.ts';
import { receiveUpload } from './files.ts';

type Json = Record<string, any>;

/** Where a response URL's answers go: to whom, in which channel, and the message a button was pressed on. */
export interface ResponseTarget {
  user: string;
  channel: string;
  messageTs?: string;
}

/** Slack accepts five posts to one response URL. */
export const RESPONSE_URL_USES = 5;
/** A trigger id opens a modal only within 3 seconds of the click or command that carried it. */
const TRIGGER_LIFETIME_MS = 3000;

export interface SlackEmulator {
  /** The Web API's base, ending in `/api/` (SLACK_API_URL). */
  apiUrl: string;
  /** The signing secret the emulator signs with; the app checks it (SLACK_SIGNING_SECRET). */
  signingSecret: string;
  state: WorkspaceState;
  /** Calls `listener` with every change from now on; returns how to stop. */
  watch(listener: (event: WorkspaceEvent) => void): () => void;
  /** A trigger id for one command or click: `views.open` takes it once, within Slack's 3 seconds. */
  triggerId(): string;
  /** A response URL for one command or button, answering `target`. */
  responseUrl(target: ResponseTarget): string;
  /** Sends a request to the app, signed, as Slack does; needs `connect` first. */
  deliver(request: SlackRequest): Promise<PostResult>;
  /** Where the app receives Slack's requests (`…/slack/events`). */
  connect(appUrl: string): void;
  close(): Promise<void>;
}

/**
 * A Slack workspace on loopback: the Web API the bot calls, response URLs for its private answers, and the
 * deliveries of people's commands, clicks and submissions to the bot, signed with a secret made up for this run.
 */
export async function startSlackEmulator(options: Omit<WebApiOptions, 'onEvent'> & { historyFile?: string } = {}): Promise<SlackEmulator> {
  const listeners = new Set<(event: WorkspaceEvent) => void>();
  const state = emptyWorkspaceState(options);
  const history = options.historyFile ? new History(options.historyFile, state) : undefined;
  const emit = (event: WorkspaceEvent) => {
    if (event.kind === 'message' || event.kind === 'update') history?.changed();
    listeners.forEach((listener) => listener(event));
  };
  const handlers = webApiHandlers(state, { ...options, onEvent: emit, uploadUrl: (id) => `${origin}/upload/${id}` });
  const triggers = new Map<string, number>();
  for (const method of ['views.open', 'views.push']) {
    const open = handlers[method]!;
    handlers[method] = (args) => {
      const issued = triggers.get(String(args.trigger_id));
      if (issued === undefined) return { ok: false, error: 'invalid_trigger_id' };
      if (Date.now() - issued > TRIGGER_LIFETIME_MS) return { ok: false, error: 'expired_trigger_id' };
      return open(args);
    };
  }
  const responseTargets = new Map<string, ResponseTarget & { uses: number }>();
  const signingSecret = randomBytes(24).toString('hex');
  let appUrl: string | undefined;

  const onResponse = (name: string, body: Json): [number, Json] => {
    const target = responseTargets.get(name);
    if (!target || target.uses >= RESPONSE_URL_USES) return [404, { ok: false, error: 'used_url' }];
    target.uses += 1;
    const content = { text: body.text, blocks: body.blocks };
    const result =
      body.replace_original === true && target.messageTs
        ? handlers['chat.update']!({ channel: target.channel, ts: target.messageTs, ...content })
        : body.response_type === 'in_channel'
          ? handlers['chat.postMessage']!({ channel: target.channel, ...content })
          : handlers['chat.postEphemeral']!({ channel: target.channel, user: target.user, ...content });
    return result.ok ? [200, { ok: true }] : [400, result];
  };

  const answer = (req: IncomingMessage, raw: string): [number, Json] => {
    const path = new URL(req.url ?? '/', 'http://emulator').pathname;
    const api = /^\/api\/([\w.]+)$/.exec(path);
    const respond = /^\/respond\/([\w-]+)$/.exec(path);
    if (api) {
      const handler = handlers[api[1]!];
      // The bot token comes in the Authorization header; a token in the body is not kept.
      const { token: _token, ...args } = parseArgs(req.headers['content-type'], raw);
      return [200, handler ? handler(args) : { ok: false, error: 'unknown_method' }];
    }
    if (respond) return onResponse(respond[1]!, parseJson(raw));
    return [404, { ok: false, error: 'not_found' }];
  };

  const server = createServer(async (req, res) => {
    try {
      if (await answeredUpload(state, req, res)) return;
      reply(res, ...answer(req, await readBody(req)));
    } catch (error) {
      reply(res, 500, { ok: false, error: 'internal_error', detail: (error as Error).message });
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiUrl: `${origin}/api/`,
    signingSecret,
    state,
    watch(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    triggerId() {
      const id = newTriggerId();
      triggers.set(id, Date.now());
      return id;
    },
    responseUrl(target) {
      const name = randomBytes(8).toString('hex');
      responseTargets.set(name, { ...target, uses: 0 });
      return `${origin}/respond/${name}`;
    },
    deliver(request) {
      if (!appUrl) throw new Error('The emulator is not connected to an app yet');
      return postToSlackEndpoint(appUrl, { ...request, secret: signingSecret });
    },
    connect(url) {
      appUrl = url;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        history?.save();
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/**
 * The channels' messages kept in a file, as a workspace keeps them: after a restart the bot's cards are still there
 * to be updated and pressed. Written a moment after changes, and when the emulator closes.
 */
class History {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string,
    private readonly state: WorkspaceState,
  ) {
    if (existsSync(file)) state.messages.push(...(JSON.parse(readFileSync(file, 'utf8')) as PostedMessage[]));
  }

  changed() {
    this.timer ??= setTimeout(() => this.save(), 500);
  }

  save() {
    clearTimeout(this.timer);
    this.timer = undefined;
    writeFileSync(this.file, JSON.stringify(this.state.messages));
  }
}

/** The arguments the Web API client sends as JSON inside its form: Block Kit, views and message metadata. */
const JSON_ARGUMENTS = new Set(['blocks', 'attachments', 'view', 'metadata']);

/** The Web API client posts forms whose nested values (blocks, view…) are JSON strings; they are decoded back. */
export function parseArgs(contentType: string | undefined, raw: string): Json {
  if (contentType?.startsWith('application/json')) return parseJson(raw);
  const args: Json = {};
  for (const [key, value] of new URLSearchParams(raw)) args[key] = JSON_ARGUMENTS.has(key) ? decodeNested(value) : value;
  return args;
}

function decodeNested(value: string): unknown {
  if (!/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export function parseJson(raw: string): Json {
  try {
    const parsed = JSON.parse(raw);
    return parsed && typeof parsed === 'object' ? parsed : { raw };
  } catch {
    return { raw };
  }
}

async function readBytes(req: IncomingMessage) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export const readBody = async (req: IncomingMessage) => (await readBytes(req)).toString('utf8');

/**
 * Answers a request to a file's upload URL (`/upload/F…`), whose body is the file's bytes rather than text; false
 * for any other request, left to the caller.
 */
export async function answeredUpload(state: WorkspaceState, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const id = /^\/upload\/(F\w+)$/.exec(new URL(req.url ?? '/', 'http://emulator').pathname)?.[1];
  if (!id) return false;
  const [status, text] = receiveUpload(state, id, await readBytes(req));
  res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
  return true;
}

function reply(res: ServerResponse, status: number, body: Json) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
