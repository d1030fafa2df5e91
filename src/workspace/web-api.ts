import { messageRefusal, viewRefusal } from './block-limits.ts';
import { WORKSPACE } from './identity.ts';
import { undocumentedArguments } from './web-api-arguments.ts';
import { fileHandlers, type SharedFile, type UploadedFile } from './files.ts';

/**
 * The part of Slack's Web API the bot calls, answered from memory: messages (with threads and updates), ephemeral
 * messages, views (modals and the Home tab), users, user groups and conversations. The local workspace serves it
 * over HTTP; the tests' fake Slack adds faults and rate limits around it.
 */

// Block Kit JSON as it comes back from the bot: loosely typed, so readers can walk into it without casts.
type Json = Record<string, any>;

export interface PostedMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  /** A thread reply also shown in the channel (`reply_broadcast`). */
  broadcast?: true;
  /** Files shared with the message (files.completeUploadExternal). */
  files?: SharedFile[];
  text?: string;
  blocks?: Json[];
  user?: string;
  updates: number;
}

export interface EphemeralMessage {
  channel: string;
  user: string;
  text?: string;
  blocks?: Json[];
  message_ts: string;
}

export type ViewKind = 'open' | 'push' | 'update' | 'publish';

export interface ViewRecord {
  kind: ViewKind;
  id: string;
  view: Json;
  trigger_id?: string;
  user_id?: string;
  at: number;
}

/** What changed in the workspace, for whoever watches it (the console). */
export type WorkspaceEvent =
  | { kind: 'message'; message: PostedMessage }
  | { kind: 'update'; message: PostedMessage }
  | { kind: 'ephemeral'; ephemeral: EphemeralMessage }
  | { kind: 'view'; record: ViewRecord };

export interface WebApiOptions {
  userGroups?: Record<string, string[]>;
  /** Names of the workspace's people by user id; anyone else gets a plausible profile too. */
  userNames?: Record<string, string>;
  /** Told of every change, after it is made. */
  onEvent?: (event: WorkspaceEvent) => void;
  /** Where the app sends the bytes of an uploaded file (see files.ts); without it, uploads are refused. */
  uploadUrl?: (id: string) => string;
}

export type Handler = (args: Json) => Json;

export function emptyWorkspaceState(options: WebApiOptions) {
  return {
    messages: [] as PostedMessage[],
    ephemerals: [] as EphemeralMessage[],
    views: [] as ViewRecord[],
    usedTriggers: new Set<string>(),
    userGroups: new Map(Object.entries(options.userGroups ?? {})),
    files: new Map<string, UploadedFile>(),
  };
}

export type WorkspaceState = ReturnType<typeof emptyWorkspaceState>;

/** Posting to a user id lands in the DM with that user, as Slack does for bot tokens. */
export function dmChannelFor(channel: unknown): string {
  const id = String(channel ?? '');
  return /^[UW][A-Z0-9]+$/.test(id) ? `D${id}` : id;
}

export const isTopLevel = (m: PostedMessage) => !m.thread_ts || m.thread_ts === m.ts;
/** What the channel shows: its top-level messages and the thread replies broadcast to it. */
export const inChannel = (m: PostedMessage) => isTopLevel(m) || m.broadcast === true;

/** The Web API methods, by name, over one workspace's state. */
export function webApiHandlers(state: WorkspaceState, options: WebApiOptions = {}): Record<string, Handler> {
  let lastMicros = 0;
  let viewCounter = 0;
  const emit = options.onEvent ?? (() => {});
  // Timestamps are times, as Slack's are, and unique: a workspace that keeps its messages never reuses one.
  const nextTs = () => {
    lastMicros = Math.max(Date.now() * 1000, lastMicros + 1);
    return `${Math.floor(lastMicros / 1_000_000)}.${String(lastMicros % 1_000_000).padStart(6, '0')}`;
  };
  const record = (message: PostedMessage) => {
    state.messages.push(message);
    emit({ kind: 'message', message });
    return message;
  };
  const uploadUrl = options.uploadUrl;
  const files = uploadUrl && fileHandlers(state, {
    uploadUrl,
    post: ({ channel, thread_ts, text, files: shared }) =>
      record({ channel: dmChannelFor(channel), ts: nextTs(), ...(thread_ts ? { thread_ts: String(thread_ts) } : {}), text, files: shared, user: WORKSPACE.botUserId, updates: 0 }),
  });
  const findMessage = (channel: string, ts: string) => state.messages.find((m) => m.channel === channel && m.ts === ts);
  const recordView = (kind: ViewKind, args: Json, id = `V${String(++viewCounter).padStart(8, '0')}`) => {
    const view = { ...args.view, id };
    const record = { kind, id, view, trigger_id: args.trigger_id, user_id: args.user_id, at: Date.now() };
    state.views.push(record);
    emit({ kind: 'view', record });
    return { ok: true, view };
  };
  const needsTrigger = (kind: ViewKind) => (args: Json) => {
    if (!args.trigger_id) return { ok: false, error: 'invalid_trigger_id' };
    const refused = viewRefusal(args.view);
    if (refused) return refused;
    if (state.usedTriggers.has(args.trigger_id)) return { ok: false, error: 'exchanged_trigger_id' };
    state.usedTriggers.add(args.trigger_id);
    return recordView(kind, args);
  };

  return guarded({
    ...(files ?? {}),
    'auth.test': () => ({
      ok: true,
      url: `https://${WORKSPACE.teamDomain}.slack.com/`,
      team: WORKSPACE.teamName,
      user: 'sandbox',
      team_id: WORKSPACE.teamId,
      user_id: WORKSPACE.botUserId,
      bot_id: WORKSPACE.botId,
    }),
    'chat.postMessage': (args) => {
      const channel = dmChannelFor(args.channel);
      if (!channel) return { ok: false, error: 'channel_not_found' };
      if (!args.text && !args.blocks) return { ok: false, error: 'no_text' };
      const refused = messageRefusal(args);
      if (refused) return refused;
      const message: PostedMessage = {
        channel,
        ts: nextTs(),
        ...(args.thread_ts ? { thread_ts: String(args.thread_ts) } : {}),
        ...(args.thread_ts && args.reply_broadcast ? { broadcast: true as const } : {}),
        text: args.text,
        blocks: args.blocks,
        user: WORKSPACE.botUserId,
        updates: 0,
      };
      record(message);
      return { ok: true, channel, ts: message.ts, message: slackMessage(message) };
    },
    'chat.update': (args) => {
      const message = findMessage(dmChannelFor(args.channel), String(args.ts));
      if (!message) return { ok: false, error: 'message_not_found' };
      const refused = messageRefusal(args, { update: true });
      if (refused) return refused;
      if (args.text !== undefined) message.text = args.text;
      if (args.blocks !== undefined) message.blocks = args.blocks;
      message.updates += 1;
      emit({ kind: 'update', message });
      return { ok: true, channel: message.channel, ts: message.ts, text: message.text, message: slackMessage(message) };
    },
    'chat.getPermalink': (args) => {
      const message = args.channel && args.message_ts ? findMessage(dmChannelFor(args.channel), String(args.message_ts)) : undefined;
      if (!message) return { ok: false, error: 'message_not_found' };
      return { ok: true, channel: message.channel, permalink: `https://${WORKSPACE.teamDomain}.slack.com/archives/${message.channel}/p${message.ts.replace('.', '')}` };
    },
    'chat.postEphemeral': (args) => {
      if (!args.channel || !args.user) return { ok: false, error: 'channel_not_found' };
      const refused = messageRefusal(args);
      if (refused) return refused;
      const ephemeral = { channel: args.channel, user: args.user, text: args.text, blocks: args.blocks, message_ts: nextTs() };
      state.ephemerals.push(ephemeral);
      emit({ kind: 'ephemeral', ephemeral });
      return { ok: true, message_ts: ephemeral.message_ts };
    },
    'views.open': needsTrigger('open'),
    'views.push': needsTrigger('push'),
    'views.update': (args) => {
      const id = args.view_id ?? args.external_id;
      if (!state.views.some((v) => v.id === id)) return { ok: false, error: 'not_found' };
      return viewRefusal(args.view) ?? recordView('update', args, id);
    },
    'views.publish': (args) => (args.user_id ? (viewRefusal(args.view) ?? recordView('publish', args)) : { ok: false, error: 'invalid_arguments' }),
    'usergroups.users.list': (args) => {
      const users = state.userGroups.get(args.usergroup);
      return users ? { ok: true, users } : { ok: false, error: 'no_such_subteam' };
    },
    'users.info': (args) => (args.user ? { ok: true, user: userProfile(args.user, options.userNames?.[args.user]) } : { ok: false, error: 'user_not_found' }),
    'conversations.open': (args) => {
      const user = String(args.users ?? '').split(',')[0];
      return user ? { ok: true, channel: { id: dmChannelFor(user) } } : { ok: false, error: 'user_not_found' };
    },
    'conversations.join': (args) => (args.channel ? { ok: true, channel: { id: args.channel } } : { ok: false, error: 'channel_not_found' }),
    'conversations.info': (args) => (args.channel ? { ok: true, channel: { id: args.channel, is_member: true } } : { ok: false, error: 'channel_not_found' }),
  });
}

/** Each method refuses the arguments Slack does not document for it (see web-api-arguments.ts). */
function guarded(handlers: Record<string, Handler>): Record<string, Handler> {
  return Object.fromEntries(Object.entries(handlers).map(([method, handle]) => [method, (args: Json) => undocumentedArguments(method, args) ?? handle(args)]));
}

function slackMessage(m: PostedMessage) {
  return { type: 'message', user: m.user, bot_id: WORKSPACE.botId, text: m.text, blocks: m.blocks, ts: m.ts, thread_ts: m.thread_ts };
}

function userProfile(id: string, name = id.toLowerCase()) {
  const realName = name === id.toLowerCase() ? `User ${id}` : name[0]!.toUpperCase() + name.slice(1);
  return {
    id,
    team_id: WORKSPACE.teamId,
    name,
    real_name: realName,
    deleted: false,
    is_bot: false,
    tz: 'Europe/London',
    tz_label: 'Greenwich Mean Time',
    tz_offset: 0,
    profile: { display_name: name, real_name: realName },
  };
}
