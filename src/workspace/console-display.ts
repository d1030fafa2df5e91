import type { Interface } from 'node:readline';
import { ButtonBoard, type ButtonPlace } from './buttons.ts';
import type { LocalWorkspace } from './local.ts';
import { mrkdwnToText, type RenderOptions, renderMessage, renderView } from './render.ts';
import type { PostedMessage, ViewRecord, WorkspaceEvent } from './web-api.ts';

export interface DisplayOptions {
  output: NodeJS.WritableStream;
  color?: boolean;
  width?: number;
}

/** What the display asks of the console about the modal being filled in and the person typing. */
export interface DisplayHooks {
  /** Who types now. */
  person(): string;
  /** The modal being filled in, if any. */
  openModal(): { user: string; viewId: string } | undefined;
  /** A modal was opened or updated for `user`: the console starts asking its fields. */
  modalShown(record: ViewRecord, user: string): void;
}

const indent = (lines: string[]) => lines.map((l) => `  ${l}`);

/**
 * What the bot posts, updates and opens, rendered as text as it happens, with its buttons numbered; lines are written
 * above the prompt when a person is typing at a terminal.
 */
export class ConsoleDisplay {
  readonly board = new ButtonBoard();
  /** Who opened a modal by each trigger id: the modal that trigger opens is theirs. */
  readonly triggers = new Map<string, string>();
  /** The modals shown, by view id, and whose they are. */
  private readonly modalsShown = new Map<string, string>();
  /** Set by `home`: the next App Home published for the person is shown. */
  homeWanted = false;
  prompt?: Interface;
  private readonly render: RenderOptions;
  private threadShown?: string;
  /** What each message showed when it was last shown, by channel and ts. */
  private readonly shownContent = new Map<string, string>();

  constructor(
    private readonly ws: LocalWorkspace,
    private readonly o: DisplayOptions,
    private readonly hooks: DisplayHooks,
  ) {
    this.render = { color: o.color, width: o.width };
  }

  show(event: WorkspaceEvent) {
    switch (event.kind) {
      case 'message':
        return event.message.thread_ts && event.message.thread_ts !== event.message.ts ? this.showReply(event.message) : this.showMessage(event.message, '');
      case 'update':
        return this.showMessage(event.message, ' · updated');
      case 'ephemeral': {
        const e = event.ephemeral;
        this.threadShown = undefined;
        const number = this.board.numbering({ kind: 'ephemeral', channel: e.channel, user: e.user }, e.text ?? '');
        return this.write([this.heading(e.channel, ` · only @${this.name(e.user)} sees this`), ...indent(renderMessage(e, this.ws.directory, number, this.inset(2)))]);
      }
      case 'view':
        return this.onView(event.record);
    }
  }

  private onView(record: ViewRecord) {
    if (record.kind === 'publish') {
      if (record.user_id !== this.hooks.person() || !this.homeWanted) return;
      this.homeWanted = false;
      return this.showView(record, record.user_id);
    }
    const open = this.hooks.openModal();
    // A modal with nothing to fill in is shown, not kept open: an update of it (a button pressed in it) shows too.
    const shown = this.modalsShown.get(record.id);
    const user = (record.trigger_id && this.triggers.get(record.trigger_id)) ?? open?.user ?? shown;
    if (!user) return;
    if (record.kind === 'update' && open?.viewId !== record.id && !shown) return;
    this.modalsShown.set(record.id, user);
    this.showView(record, user);
    this.hooks.modalShown(record, user);
  }

  showView(record: ViewRecord, user: string) {
    this.threadShown = undefined;
    const type = record.view.type === 'home' ? 'home' : 'modal';
    const number = this.board.numbering({ kind: 'view', viewId: record.id, viewType: type, user }, '');
    const title = type === 'home' ? `── App Home of @${this.name(user)} ──` : `── modal for @${this.name(user)} ──`;
    this.write([title, ...indent(renderView(record.view, this.ws.directory, number, this.inset(2)))]);
  }

  showMessage(message: PostedMessage, note: string) {
    // An update that changes nothing shows nothing, as in Slack.
    const key = `${message.channel}:${message.ts}`;
    const content = JSON.stringify([message.text, message.blocks]);
    if (note && this.shownContent.get(key) === content) return;
    this.shownContent.set(key, content);
    this.threadShown = undefined;
    const place: ButtonPlace = { kind: 'message', channel: message.channel, ts: message.ts, message: { text: message.text, blocks: message.blocks } };
    const number = this.board.numbering(place, message.text ?? '');
    this.write([this.heading(message.channel, note), ...indent(renderMessage(message, this.ws.directory, number, this.inset(2)))]);
  }

  /** Thread replies come under one heading while they follow each other, like a thread opened beside the channel. */
  private showReply(message: PostedMessage) {
    const key = `${message.channel}:${message.thread_ts}`;
    const lines: string[] = [];
    if (this.threadShown !== key) {
      const parent = this.ws.emulator.state.messages.find((m) => m.channel === message.channel && m.ts === message.thread_ts);
      const about = parent?.text ? ` · ${mrkdwnToText(parent.text.split('\n')[0]!, this.ws.directory).slice(0, 70)}` : '';
      lines.push(`  ↳ thread in #${this.channelName(message.channel)}${about}`);
      this.threadShown = key;
    }
    if (message.broadcast) lines.push(`  ↳ also sent to #${this.channelName(message.channel)}`);
    const number = this.board.numbering({ kind: 'message', channel: message.channel, ts: message.ts, message }, message.text ?? '');
    lines.push(...renderMessage(message, this.ws.directory, number, this.inset(4)).map((l) => `  │ ${l}`));
    this.write(lines);
  }

  /** A channel's messages as they are now, each with how many replies its thread holds; false when it has none. */
  showChannel(channel: string): boolean {
    const messages = this.ws.emulator.state.messages.filter((m) => m.channel === channel && (!m.thread_ts || m.thread_ts === m.ts));
    for (const message of messages) {
      this.showMessage(message, '');
      const replies = this.ws.emulator.state.messages.filter((m) => m.channel === channel && m.thread_ts === message.ts && m.ts !== message.ts).length;
      if (replies) this.write([`  ↳ ${replies} ${replies === 1 ? 'reply' : 'replies'} in its thread`]);
    }
    return messages.length > 0;
  }

  private heading(channel: string, note: string) {
    const where = channel.startsWith('D') ? `DM with @${this.name(channel.slice(1))}` : `#${this.channelName(channel)}`;
    return `── ${where}${note} ──`;
  }

  /** Rendering for lines that will be indented by `columns`: they still fit the width. */
  private inset = (columns: number): RenderOptions => ({ ...this.render, width: (this.o.width ?? 100) - columns });

  /** Slack's markup (mentions, emoji, bold) as a person reads it. */
  text = (mrkdwn: string) => mrkdwnToText(mrkdwn, this.ws.directory, this.render);
  name = (user: string) => this.ws.directory.userName(user) ?? user;
  channelName = (channel: string) => this.ws.directory.channelName(channel) ?? channel;

  /** The prompt, with who types where, below what was written. */
  showPrompt(where: string) {
    this.prompt?.setPrompt(where);
    this.prompt?.prompt(true);
  }

  /** Writes lines above the prompt, which is drawn again below them. */
  write(lines: string[]) {
    const out = this.o.output;
    if (this.prompt) out.write('\r\x1b[K');
    out.write(`${lines.join('\n')}\n`);
    if (this.prompt) this.prompt.prompt(true);
  }
}
