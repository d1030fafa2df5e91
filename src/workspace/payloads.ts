import { createHmac, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { WORKSPACE } from './identity.ts';

/**
 * Slack's requests to an app, built and signed as Slack sends them (v0 signatures): slash commands, block actions,
 * view submissions and events. The local workspace drives the bot with them; the tests do too.
 */
const { teamId: TEAM_ID, teamDomain, appId: API_APP_ID, botUserId: BOT_USER_ID, botId: BOT_ID } = WORKSPACE;

export type SlackContentType = 'application/x-www-form-urlencoded' | 'application/json';

/** A request body as Slack would send it; spread it into `postToSlackEndpoint`'s options. */
export interface SlackRequest {
  body: string;
  contentType: SlackContentType;
}

export interface PostOptions extends SlackRequest {
  secret: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
  /** Sent instead of the correct signature, to forge a request. */
  signature?: string;
  omitSignature?: boolean;
  /** Extra headers; they win over the ones built here (e.g. to send a wrong content-type). */
  headers?: Record<string, string>;
}

export interface PostResult {
  status: number;
  body: string;
  /** Milliseconds from sending until the response arrived. */
  ms: number;
}

const TEAM = { id: TEAM_ID, domain: teamDomain };
const VERIFICATION_TOKEN = 'verification-token'; // deprecated field Slack still sends; Bolt ignores it

export function sign(secret: string, timestamp: number, rawBody: string) {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** Sends a signed request to an app's HTTP receiver, e.g. `http://127.0.0.1:PORT/slack/events`. */
export function postToSlackEndpoint(appUrl: string, options: PostOptions): Promise<PostResult> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    // Exactly this, with no charset: Bolt compares the content-type verbatim to pick the form parser.
    'content-type': options.contentType,
    'content-length': String(Buffer.byteLength(options.body)),
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    'x-slack-request-timestamp': String(timestamp),
  };
  if (!options.omitSignature) {
    headers['x-slack-signature'] = options.signature ?? sign(options.secret, timestamp, options.body);
  }
  return send(appUrl, { ...headers, ...options.headers }, options.body);
}

function send(url: string, headers: Record<string, string>, body: string): Promise<PostResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          ms: performance.now() - started,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

let sequence = 0;
const next = () => (sequence += 1);

export const newTriggerId = () => `${Date.now()}.${next()}.${randomBytes(16).toString('hex')}`;
export const newEventId = () => `Ev0TEST${String(next()).padStart(6, '0')}${randomBytes(3).toString('hex').toUpperCase()}`;
/** A Slack-style `seconds.micros` timestamp, unique within the test run. */
export const newActionTs = () => `${Math.floor(Date.now() / 1000)}.${String(next() % 1_000_000).padStart(6, '0')}`;

const form = (fields: Record<string, string>): SlackRequest => ({
  body: new URLSearchParams(fields).toString(),
  contentType: 'application/x-www-form-urlencoded',
});

/** Interactivity bodies are a form with one field, `payload`, holding the JSON. */
const interactive = (payload: object) => form({ payload: JSON.stringify(payload) });

const userOf = (userId: string) => ({ id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: TEAM_ID });

export interface SlashCommandInput {
  text: string;
  userId: string;
  responseUrl: string;
  channelId?: string;
  triggerId?: string;
  command?: string;
  teamId?: string;
}

export function slashCommand(input: SlashCommandInput): SlackRequest {
  const { userId, channelId = 'C0DEV', command = '/sandbox', teamId = TEAM_ID } = input;
  return form({
    token: VERIFICATION_TOKEN,
    team_id: teamId,
    team_domain: TEAM.domain,
    channel_id: channelId,
    channel_name: channelId.startsWith('D') ? 'directmessage' : channelId.toLowerCase(),
    user_id: userId,
    user_name: userId.toLowerCase(),
    command,
    text: input.text,
    api_app_id: API_APP_ID,
    is_enterprise_install: 'false',
    response_url: input.responseUrl,
    trigger_id: input.triggerId ?? newTriggerId(),
  });
}

/** The view an action came from (a modal or the Home tab), as Slack echoes it back. */
export interface ActionView {
  id?: string;
  type?: 'modal' | 'home';
  callback_id?: string;
  private_metadata?: string;
  blocks?: object[];
  state?: { values: Record<string, Record<string, object>> };
}

export interface BlockActionInput {
  userId: string;
  actionId: string;
  value?: string;
  blockId?: string;
  /** Makes this a `static_select` action with this option chosen, instead of a button. */
  selectedOption?: string;
  channelId?: string;
  messageTs?: string;
  message?: { text?: string; blocks?: object[] };
  responseUrl?: string;
  triggerId?: string;
  /** For actions inside a modal or the Home tab: the container becomes that view. */
  view?: ActionView;
  /** A button on a message only the person sees: Slack sends no copy of that message. */
  ephemeral?: boolean;
}

export function blockAction(input: BlockActionInput): SlackRequest {
  const blockId = input.blockId ?? `block-${input.actionId}`;
  return interactive({
    type: 'block_actions',
    user: userOf(input.userId),
    api_app_id: API_APP_ID,
    token: VERIFICATION_TOKEN,
    trigger_id: input.triggerId ?? newTriggerId(),
    team: TEAM,
    enterprise: null,
    is_enterprise_install: false,
    ...(input.view ? inView(input.view) : inMessage(input)),
    ...(input.responseUrl ? { response_url: input.responseUrl } : {}),
    actions: [actionOf(input, blockId)],
  });
}

function inView(view: ActionView) {
  const full = fullView({ type: 'modal', ...view });
  return { container: { type: 'view', view_id: full.id }, view: full };
}

function inMessage(input: BlockActionInput) {
  const channelId = input.channelId ?? 'C0DEV';
  const ts = input.messageTs ?? newActionTs();
  const message = { type: 'message', user: BOT_USER_ID, bot_id: BOT_ID, ts, text: input.message?.text ?? '', blocks: input.message?.blocks ?? [] };
  return {
    container: { type: 'message', message_ts: ts, channel_id: channelId, is_ephemeral: Boolean(input.ephemeral) },
    channel: { id: channelId, name: channelId.toLowerCase() },
    ...(input.ephemeral ? {} : { message }),
    state: { values: {} },
  };
}

function actionOf(input: BlockActionInput, blockId: string) {
  const common = { action_id: input.actionId, block_id: blockId, action_ts: newActionTs() };
  if (input.selectedOption !== undefined) {
    return { ...common, type: 'static_select', selected_option: option(input.selectedOption) };
  }
  return { ...common, type: 'button', value: input.value, text: { type: 'plain_text', text: input.actionId, emoji: true } };
}

const option = (value: string) => ({ text: { type: 'plain_text', text: value, emoji: true }, value });

function fullView(view: ActionView & { type: 'modal' | 'home' }) {
  const id = view.id ?? `V${String(next()).padStart(8, '0')}`;
  return {
    id,
    team_id: TEAM_ID,
    type: view.type,
    blocks: view.blocks ?? [],
    private_metadata: view.private_metadata ?? '',
    callback_id: view.callback_id ?? '',
    state: view.state ?? { values: {} },
    hash: `${Date.now()}.${randomBytes(4).toString('hex')}`,
    title: { type: 'plain_text', text: 'Sandbox', emoji: true },
    clear_on_close: false,
    notify_on_close: false,
    close: null,
    submit: view.type === 'modal' ? { type: 'plain_text', text: 'Submit', emoji: true } : null,
    previous_view_id: null,
    root_view_id: id,
    app_id: API_APP_ID,
    external_id: '',
    app_installed_team_id: TEAM_ID,
    bot_id: BOT_ID,
  };
}

/** Input values as Slack sends them in `view.state.values`: block_id → action_id → value. */
export type ViewValues = Record<string, Record<string, object>>;

export interface ViewSubmissionInput {
  userId: string;
  callbackId: string;
  values: ViewValues;
  privateMetadata?: string;
  viewId?: string;
  triggerId?: string;
  /** The view as the app opened it: Slack sends its blocks, title and buttons back with the values. */
  opened?: { blocks?: object[]; title?: object; submit?: object; close?: object };
}

export function viewSubmission(input: ViewSubmissionInput): SlackRequest {
  const view = fullView({
    type: 'modal',
    id: input.viewId,
    callback_id: input.callbackId,
    private_metadata: input.privateMetadata,
    state: { values: input.values },
    blocks: input.opened?.blocks,
  });
  const { title, submit, close } = input.opened ?? {};
  Object.assign(view, title && { title }, submit && { submit }, close && { close });
  return interactive({
    type: 'view_submission',
    team: TEAM,
    user: userOf(input.userId),
    api_app_id: API_APP_ID,
    token: VERIFICATION_TOKEN,
    trigger_id: input.triggerId ?? newTriggerId(),
    view,
    response_urls: [],
    enterprise: null,
    is_enterprise_install: false,
  });
}

/** A `plain_text_input` value; Slack sends `null` for an optional input left empty. */
export const formValue = (text: string | null) => ({ type: 'plain_text_input', value: text });

export const selectValue = (value: string | null) => ({
  type: 'static_select',
  selected_option: value === null ? null : option(value),
});

export interface AppHomeOpenedInput {
  userId: string;
  tab?: 'home' | 'messages';
  eventId?: string;
}

export function appHomeOpened(input: AppHomeOpenedInput): SlackRequest {
  const now = Date.now() / 1000;
  const payload = {
    token: VERIFICATION_TOKEN,
    team_id: TEAM_ID,
    api_app_id: API_APP_ID,
    event: {
      type: 'app_home_opened',
      user: input.userId,
      channel: `D${input.userId}`,
      tab: input.tab ?? 'home',
      event_ts: newActionTs(),
    },
    type: 'event_callback',
    event_id: input.eventId ?? newEventId(),
    event_time: Math.floor(now),
    authorizations: [
      { enterprise_id: null, team_id: TEAM_ID, user_id: BOT_USER_ID, is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
  };
  return { body: JSON.stringify(payload), contentType: 'application/json' };
}
