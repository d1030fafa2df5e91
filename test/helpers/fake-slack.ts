import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

import { answeredUpload, parseArgs, parseJson, RESPONSE_URL_USES, readBody } from '../../src/workspace/emulator.ts';
import { WORKSPACE } from '../../src/workspace/identity.ts';
import {
  dmChannelFor,
  emptyWorkspaceState,
  type EphemeralMessage,
  isTopLevel,
  inChannel,
  type PostedMessage,
  type ViewKind,
  type ViewRecord,
  webApiHandlers,
} from '../../src/workspace/web-api.ts';

/** The workspace and bot identity the fake answers with; the request builders use the same ids. */
export const { teamId: TEAM_ID, botUserId: BOT_USER_ID, botId: BOT_ID, appId: API_APP_ID } = WORKSPACE;

// Block Kit JSON as tests read it back: loosely typed so a test can walk into it without casts.
type Json = Record<string, any>;
type Args = Json;

export interface FakeCall {
  method: string;
  args: Args;
  status: number;
  at: number;
  /** Whether an `Authorization: Bearer …` header came with the call; the token itself is never kept. */
  authorized: boolean;
  /** The JSON body the fake answered with. */
  response: Json;
  /**
   * Only on `apps.connections.open`: the kind of token the `Authorization` header carried (`xapp` for an app-level
   * token, `xoxb` for a bot token), `other`, or `none`. The token itself is never kept.
   */
  tokenKind?: TokenKind;
}

export type TokenKind = 'xapp' | 'xoxb' | 'other' | 'none';

export type FakeMessage = PostedMessage;
export type FakeEphemeral = EphemeralMessage;
export type { ViewKind };
export type FakeViewRecord = ViewRecord;

/** A post to a `responseUrl()`: its JSON body (text, blocks, response_type, replace_original...) plus where and when. */
export interface FakeResponse extends Json {
  name: string;
  status: number;
  at: number;
}

export type Fault = { status: number; retryAfter?: number } | { error: string };

export interface RateLimitRule {
  method: string;
  perChannelPerSecond: number;
  retryAfter: number;
}

export interface FakeSlackOptions {
  userGroups?: Record<string, string[]>;
  /**
   * Socket Mode: `apps.connections.open`, called with an app-level token (xapp-…), hands out a one-time
   * `ws://127.0.0.1:PORT/link/?ticket=…` URL on this same server; the WebSocket there says `hello`, carries the
   * envelopes a test sends with `socketSend` and takes the app's acks. Without it that method is unknown, as before.
   */
  socketMode?: boolean;
}

/** What Slack sends over a Socket Mode connection: one event, command or interaction, to be acked by `envelope_id`. */
export interface SocketEnvelope {
  /** Made up when missing. */
  envelope_id?: string;
  type: 'slash_commands' | 'interactive' | 'events_api' | (string & {});
  payload: Json;
  accepts_response_payload?: boolean;
  retry_attempt?: number;
  retry_reason?: string;
}

/** The app's answer to an envelope, `{ envelope_id, payload? }`, and how long it took to come back. */
export interface SocketAck {
  envelope_id: string;
  payload?: Json;
  /** Milliseconds from sending the envelope until its ack arrived. */
  ms: number;
}

/**
 * The Socket Mode envelope Slack would send instead of an HTTP request built by `slack-requests.ts`: a slash command
 * form becomes a `slash_commands` payload (the same fields, as strings), an interactivity form its `interactive`
 * payload, an Events API body an `events_api` payload.
 */
export function socketEnvelope(request: { body: string; contentType: string }): SocketEnvelope & { envelope_id: string } {
  const envelope_id = randomUUID();
  if (request.contentType.startsWith('application/json')) {
    return { envelope_id, type: 'events_api', payload: parseJson(request.body), accepts_response_payload: false, retry_attempt: 0, retry_reason: '' };
  }
  const fields = Object.fromEntries(new URLSearchParams(request.body));
  if (fields.payload !== undefined) {
    const payload = parseJson(fields.payload);
    const acceptsResponse = payload.type === 'view_submission' || payload.type === 'block_suggestion';
    return { envelope_id, type: 'interactive', payload, accepts_response_payload: acceptsResponse };
  }
  return { envelope_id, type: 'slash_commands', payload: fields, accepts_response_payload: true };
}

type Reply = { status?: number; headers?: Record<string, string>; body: Json };


export type FakeSlack = Awaited<ReturnType<typeof startFakeSlack>>;

export async function startFakeSlack(options: FakeSlackOptions = {}) {
  const state = emptyState(options);
  let responseUrlCounter = 0;
  const handlers = webApiHandlers(state, { uploadUrl: (id) => `${serverOrigin()}/upload/${id}` });

  const socket = options.socketMode ? socketModeServer() : undefined;
  const serverOrigin = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const answerApi = (method: string, args: Args, tokenKind?: TokenKind): Reply => {
    const fault = takeFault(state.faults, method);
    if (fault) return faultReply(fault);
    const limited = rateLimited(state, method, args);
    if (limited) return limited;
    if (socket && tokenKind) return socket.open(tokenKind, serverOrigin());
    const handler = handlers[method];
    return { body: handler ? handler(args) : { ok: false, error: 'unknown_method' } };
  };

  const onApi = (method: string, req: IncomingMessage, raw: string): Reply => {
    const args = parseArgs(req.headers['content-type'], raw);
    const tokenKind = socket && method === 'apps.connections.open' ? tokenKindOf(req.headers.authorization, args.token) : undefined;
    delete args.token; // a token sent in the body must not end up where a test could print it
    const reply = answerApi(method, args, tokenKind);
    const status = reply.status ?? 200;
    const authorized = /^Bearer \S+/.test(req.headers.authorization ?? '');
    state.calls.push({ method, args, status, at: Date.now(), authorized, response: reply.body, ...(tokenKind ? { tokenKind } : {}) });
    return reply;
  };

  const onRespond = (name: string, raw: string): Reply => {
    const used = state.responses.filter((r) => r.name === name && r.status === 200).length;
    const status = used >= RESPONSE_URL_USES ? 404 : 200;
    state.responses.push({ ...parseJson(raw), name, status, at: Date.now() });
    return { status, body: status === 200 ? { ok: true } : { ok: false, error: 'used_url' } };
  };

  const server = createServer(async (req, res) => {
    if (await answeredUpload(state, req, res)) return;
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const api = /^\/api\/([\w.]+)$/.exec(path);
    const respond = /^\/respond\/([^/]+)$/.exec(path);
    if (api) send(res, onApi(api[1], req, raw));
    else if (respond) send(res, onRespond(decodeURIComponent(respond[1]), raw));
    else send(res, { status: 404, body: { ok: false, error: 'not_found' } });
  });
  // Slack keeps idle connections far longer than Node's 5 s. With 5 s the fake would drop a pooled connection just as
  // the app reuses it (ECONNRESET): e.g. after PGlite held the event loop for seconds, between auth.test and the next call.
  server.keepAliveTimeout = 60_000;
  if (socket) server.on('upgrade', socket.upgrade);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const copy = <T extends object>(items: T[]) => items.map((item) => ({ ...item }));

  return {
    url: `${origin}/api/`,
    responseUrl: (name = `r${++responseUrlCounter}`) => `${origin}/respond/${encodeURIComponent(name)}`,
    get calls(): readonly FakeCall[] {
      return state.calls;
    },
    get responses(): readonly FakeResponse[] {
      return state.responses;
    },
    ok: (method: string) => state.calls.filter((c) => c.method === method && c.status === 200 && c.response.ok),
    messages: (channel?: string) =>
      copy(state.messages.filter((m) => isTopLevel(m) && (!channel || m.channel === dmChannelFor(channel)))),
    /** What the channel shows: its top-level messages and the thread replies broadcast to it. */
    inChannel: (channel: string) => copy(state.messages.filter((m) => inChannel(m) && m.channel === dmChannelFor(channel))),
    thread: (channel: string, ts: string) =>
      copy(state.messages.filter((m) => m.channel === dmChannelFor(channel) && m.thread_ts === ts && m.ts !== ts)),
    ephemerals: (user?: string) => copy(state.ephemerals.filter((e) => !user || e.user === user)),
    /** Files uploaded through files.getUploadURLExternal, with their bytes and where they were shared. */
    files: () => [...state.files.values()],
    views: (kind?: ViewKind) => copy(state.views.filter((v) => !kind || v.kind === kind)),
    /** Top-level messages in the DM with `user`, however they were addressed (user id or D channel). */
    dms: (user: string) => copy(state.messages.filter((m) => isTopLevel(m) && m.channel === dmChannelFor(user))),
    setUserGroup: (id: string, users: string[]) => void state.userGroups.set(id, [...users]),
    failNext(method: string, fault: Fault, times = 1) {
      for (let i = 0; i < times; i += 1) state.faults.push({ method, fault });
    },
    rateLimit: (rule: RateLimitRule) => void state.rateLimits.set(rule.method, rule),
    waitFor: <T>(predicate: () => T | undefined | false | null, opts: { timeoutMs?: number } = {}) =>
      waitFor(predicate, opts.timeoutMs ?? 10_000, () => summarize(state.calls)),
    reset() {
      Object.assign(state, emptyState(options));
    },
    /** Resolves once a Socket Mode connection is open and has been sent `hello` (at once if one is open already). */
    socketConnected: async (opts: { timeoutMs?: number } = {}) => needSocket(socket).connected(opts.timeoutMs ?? 10_000),
    /** Sends an envelope on the newest Socket Mode connection; resolves with the app's ack, rejects when none comes in time (3 s, as Slack). */
    socketSend: async (envelope: SocketEnvelope, opts: { timeoutMs?: number } = {}) => needSocket(socket).send(envelope, opts.timeoutMs ?? 3_000),
    /** Socket Mode connections: how many were opened so far, how many are open now, and every message the app sent on them (all empty when off). */
    get socket(): { opened: number; open: number; received: readonly Json[] } {
      return { opened: socket?.opened() ?? 0, open: socket?.openCount() ?? 0, received: socket?.received ?? [] };
    },
    close: async () => {
      await socket?.close();
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      });
    },
  };
}

function needSocket<T>(socket: T | undefined): T {
  if (!socket) throw new Error('Socket Mode is off in this fake: start it with startFakeSlack({ socketMode: true })');
  return socket;
}

function tokenKindOf(authorization: string | undefined, bodyToken: unknown): TokenKind {
  const token = /^Bearer (\S+)/.exec(authorization ?? '')?.[1] ?? (typeof bodyToken === 'string' ? bodyToken : '');
  if (!token) return 'none';
  if (token.startsWith('xapp-')) return 'xapp';
  if (token.startsWith('xoxb-')) return 'xoxb';
  return 'other';
}

/**
 * The Socket Mode side of the fake, as the Slack docs and @slack/socket-mode describe it: `apps.connections.open`
 * (app-level token only) answers a one-time WebSocket URL; the connection starts with `hello`; each envelope is acked
 * with `{ envelope_id, payload? }`. Pings are answered with pongs by `ws` itself.
 */
function socketModeServer() {
  const wss = new WebSocketServer({ noServer: true });
  const tickets = new Set<string>();
  const open = new Set<WebSocket>();
  const received: Json[] = [];
  const pending = new Map<string, { resolve: (ack: SocketAck) => void; sentAt: number }>();
  let connectedWaiters: (() => void)[] = [];
  let opened = 0;
  let newest: WebSocket | undefined;

  const onConnection = (ws: WebSocket) => {
    opened += 1;
    open.add(ws);
    newest = ws;
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const message = parseJson(String(data));
      received.push(message);
      const waiter = typeof message.envelope_id === 'string' ? pending.get(message.envelope_id) : undefined;
      if (!waiter) return;
      pending.delete(message.envelope_id);
      waiter.resolve({ envelope_id: message.envelope_id, ...(message.payload !== undefined ? { payload: message.payload } : {}), ms: performance.now() - waiter.sentAt });
    });
    ws.on('close', () => {
      open.delete(ws);
      if (newest === ws) newest = [...open].at(-1);
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: open.size,
        debug_info: { host: 'fake-slack', approximate_connection_time: 3600 },
        connection_info: { app_id: API_APP_ID },
      }),
    );
    const waiters = connectedWaiters;
    connectedWaiters = [];
    for (const resolve of waiters) resolve();
  };

  return {
    received,
    opened: () => opened,
    openCount: () => open.size,
    /** `apps.connections.open`: Slack refuses any token but an app-level one. */
    open(tokenKind: TokenKind, origin: string): Reply {
      if (tokenKind === 'none') return { body: { ok: false, error: 'not_authed' } };
      if (tokenKind !== 'xapp') return { body: { ok: false, error: 'not_allowed_token_type' } };
      const ticket = randomBytes(12).toString('hex');
      tickets.add(ticket);
      return { body: { ok: true, url: `${origin.replace(/^http/, 'ws')}/link/?ticket=${ticket}&app_id=${API_APP_ID}` } };
    },
    upgrade: (req: IncomingMessage, tcp: Socket, head: Buffer) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const ticket = url.searchParams.get('ticket') ?? '';
      if (url.pathname !== '/link/' || !tickets.delete(ticket)) {
        tcp.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, tcp, head, onConnection);
    },
    connected: (timeoutMs: number) =>
      open.size > 0
        ? Promise.resolve()
        : withTimeout(new Promise<void>((resolve) => connectedWaiters.push(resolve)), timeoutMs, () => `No Socket Mode connection within ${timeoutMs} ms (${opened} opened so far)`),
    send(envelope: SocketEnvelope, timeoutMs: number): Promise<SocketAck> {
      const ws = newest;
      if (!ws || ws.readyState !== ws.OPEN) return Promise.reject(new Error('No Socket Mode connection is open'));
      const message = { ...envelope, envelope_id: envelope.envelope_id ?? randomUUID() };
      const acked = new Promise<SocketAck>((resolve) => pending.set(message.envelope_id, { resolve, sentAt: performance.now() }));
      ws.send(JSON.stringify(message));
      return withTimeout(acked, timeoutMs, () => {
        pending.delete(message.envelope_id);
        return `The app did not ack ${message.type} envelope ${message.envelope_id} within ${timeoutMs} ms`;
      });
    },
    /** Closes open connections as Slack would (close frame, 1001), and cuts any that do not finish the handshake in 1 s. */
    async close() {
      const closing = [...open].map(
        (ws) =>
          new Promise<void>((resolve) => {
            const cut = setTimeout(() => ws.terminate(), 1_000);
            ws.once('close', () => {
              clearTimeout(cut);
              resolve();
            });
            if (ws.readyState === ws.OPEN) ws.close(1001, 'fake Slack closing');
          }),
      );
      await Promise.all(closing);
      open.clear();
      pending.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function emptyState(options: FakeSlackOptions) {
  return {
    ...emptyWorkspaceState(options),
    calls: [] as FakeCall[],
    responses: [] as FakeResponse[],
    faults: [] as { method: string; fault: Fault }[],
    rateLimits: new Map<string, RateLimitRule>(),
    acceptedPosts: new Map<string, number[]>(), // method + channel → times of posts let through
  };
}

type State = ReturnType<typeof emptyState>;

function takeFault(faults: State['faults'], method: string) {
  const index = faults.findIndex((f) => f.method === method);
  return index < 0 ? undefined : faults.splice(index, 1)[0].fault;
}

function faultReply(fault: Fault): Reply {
  if ('error' in fault) return { body: { ok: false, error: fault.error } };
  if (fault.status === 429) return ratelimitedReply(fault.retryAfter ?? 1);
  return { status: fault.status, body: { ok: false, error: 'internal_error' } };
}

function ratelimitedReply(retryAfter: number): Reply {
  return { status: 429, headers: { 'Retry-After': String(retryAfter) }, body: { ok: false, error: 'ratelimited' } };
}

/** A sliding one-second window per channel: the post that would exceed the allowance gets a 429 and is not counted. */
function rateLimited(state: State, method: string, args: Args): Reply | undefined {
  const rule = state.rateLimits.get(method);
  if (!rule) return undefined;
  const key = `${method} ${dmChannelFor(args.channel)}`;
  const now = Date.now();
  const recent = (state.acceptedPosts.get(key) ?? []).filter((t) => now - t < 1000);
  if (recent.length >= rule.perChannelPerSecond) return ratelimitedReply(rule.retryAfter);
  state.acceptedPosts.set(key, [...recent, now]);
  return undefined;
}

function send(res: ServerResponse, reply: Reply) {
  res.writeHead(reply.status ?? 200, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
  res.end(JSON.stringify(reply.body));
}

async function waitFor<T>(predicate: () => T | undefined | false | null, timeoutMs: number, seen: () => string) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (Date.now() >= deadline) throw new Error(`waitFor timed out after ${timeoutMs} ms. Last calls seen:\n${seen()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function summarize(calls: readonly FakeCall[], last = 10) {
  if (calls.length === 0) return '  (no Web API calls)';
  const lines = calls.slice(-last).map((c) => {
    const outcome = c.response.ok ? 'ok' : String(c.response.error);
    const text = typeof c.args.text === 'string' ? ` "${c.args.text.slice(0, 60)}"` : '';
    const channel = c.args.channel ? ` ${c.args.channel}` : '';
    return `  ${c.method} → ${c.status} ${outcome}${channel}${text}`;
  });
  const skipped = calls.length > last ? [`  (${calls.length - last} earlier calls not shown)`] : [];
  return [...skipped, ...lines].join('\n');
}
