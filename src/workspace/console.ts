import { createInterface, type Interface } from 'node:readline';
import { instanceSpec } from '../config/schema.ts';
import { DomainError } from '../domain/errors.ts';
import { ButtonBoard, type ButtonPlace, type NumberedButton, visibleTo } from './buttons.ts';
import type { LocalWorkspace } from './local.ts';
import { answer, type FormField, formFields, promptFor, stateValues } from './modal-form.ts';
import { appHomeOpened, blockAction, type PostResult, slashCommand, type SlackRequest, viewSubmission } from './payloads.ts';
import type { Person } from './people.ts';
import { mrkdwnToText, type RenderOptions, renderMessage, renderView } from './render.ts';
import type { PostedMessage, ViewRecord, WorkspaceEvent } from './web-api.ts';

type Json = Record<string, any>;

export interface ConsoleOptions {
  output: NodeJS.WritableStream;
  /** A person at a terminal: a prompt is shown and kept below what arrives. Otherwise each input line is echoed. */
  interactive?: boolean;
  color?: boolean;
  width?: number;
  /** Who types first (a name or id); the first person of the pipeline when not given. */
  user?: string;
}

/** A modal being filled in: its view, its inputs, the ones still to ask, and what was typed so far. */
interface OpenModal {
  view: Json;
  user: string;
  fields: FormField[];
  toAsk: FormField[];
  answers: Map<string, Json>;
}

const HELP = [
  'Type what you would type in Slack, and a few things Slack does by itself:',
  '  /sandbox <command>       a slash command, e.g. /sandbox help, /sandbox send dev-alice',
  '  press <n>                button n; press <label> [DR-3] presses the newest such button (about DR-3)',
  '  home                     open the App Home tab',
  '  as <name>                be someone else (people lists who is here)',
  '  in <#channel>            type in another channel',
  '  show [#channel]          the channel\'s messages as they are now',
  '  change <instance> <Type/Name> <content>   change a component in an instance, as your sandbox work',
  '  people | help | quit',
  'In a modal, answer each field in turn (Enter keeps what it holds), then Enter submits; cancel closes it.',
];

/** Between who is typing (and where) and what they typed, in the prompt and in the echo of piped input. */
export const ECHO_MARK = ' › ';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The local workspace at a terminal: what the bot posts, updates and opens, rendered as text as it happens; what a
 * person types, sent to the bot as Slack would send it (signed commands, button presses, modal submissions).
 */
export class WorkspaceConsole {
  person: Person;
  channel: string;
  private readonly board = new ButtonBoard();
  private readonly render: RenderOptions;
  private readonly triggers = new Map<string, string>();
  private modal?: OpenModal;
  private confirming?: NumberedButton;
  private threadShown?: string;
  private homeWanted = false;
  /** What each message showed when it was last shown, by channel and ts. */
  private readonly shownContent = new Map<string, string>();
  private events = 0;
  private readonly stopWatching: () => void;
  private prompt?: Interface;

  constructor(
    private readonly ws: LocalWorkspace,
    private readonly o: ConsoleOptions,
  ) {
    const people = ws.directory.people;
    this.person = (o.user ? ws.directory.find(o.user) : undefined) ?? people[0]!;
    this.channel = ws.directory.channelIds[0] ?? 'C0GENERAL';
    this.render = { color: o.color, width: o.width };
    this.stopWatching = ws.emulator.watch((event) => {
      this.events += 1;
      this.show(event);
    });
  }

  /** Reads lines until the input ends or `quit`; each line's work is finished before the next is read. */
  async run(input: NodeJS.ReadableStream): Promise<void> {
    const rl = createInterface({ input, output: this.o.interactive ? this.o.output : undefined, terminal: this.o.interactive });
    if (this.o.interactive) {
      rl.on('SIGINT', () => rl.close()); // Ctrl+C leaves, as Ctrl+D does
      this.prompt = rl;
      this.showPrompt();
    }
    try {
      for await (const line of rl) {
        if (!(await this.execute(line))) break;
        this.showPrompt();
      }
    } finally {
      this.prompt = undefined;
      rl.close();
    }
  }

  /** Runs one line as typed; false when it asks to quit. */
  async execute(line: string): Promise<boolean> {
    if (!this.o.interactive) this.write([`${this.where()}${ECHO_MARK}${line}`]);
    try {
      const more = await this.dispatch(line.trim());
      await this.quiesce();
      this.askNext();
      return more;
    } catch (error) {
      this.write([`⚠ ${this.text(error instanceof DomainError ? error.message : (error as Error).message)}`]);
      return true;
    }
  }

  /** What still waits for an answer from the person: a modal being filled in, or a button's confirmation. */
  get waiting(): 'modal' | 'confirmation' | undefined {
    return this.confirming ? 'confirmation' : this.modal ? 'modal' : undefined;
  }

  /** Who is here, who you are, and what to try first. */
  introduce() {
    this.write([
      ...this.peopleLines(),
      `You are ${this.person.name}, typing in #${this.channelName(this.channel)}. Try /sandbox status, then /sandbox sync ${this.firstInstance()} and /sandbox send ${this.firstInstance()}; help lists the rest.`,
      'npm run demo plays a whole release in a fresh workspace.',
    ]);
  }

  private firstInstance() {
    return instanceSpec(this.ws.config.environments[0]!.instances[0]!).name;
  }

  close() {
    this.stopWatching();
  }

  private async dispatch(line: string): Promise<boolean> {
    if (this.confirming) return this.confirm(line);
    if (this.modal) return this.fill(line);
    const [word = '', ...rest] = line.split(/\s+/);
    const arg = rest.join(' ');
    if (line === '') return true;
    if (/^\/?sandbox\b/.test(line)) return this.command(line.replace(/^\/?sandbox\s*/, ''));
    switch (word.toLowerCase()) {
      case 'press':
        return arg ? this.press(arg) : this.say(['Press what? press <n> presses button n, press Approve DR-3 the newest Approve button about DR-3.']);
      case 'home':
        return this.openHome();
      case 'as':
        return arg ? this.become(arg) : this.listPeople();
      case 'in':
        return this.moveTo(arg);
      case 'show':
        return this.showChannel(arg);
      case 'change':
        return this.change(rest);
      case 'people':
      case 'who':
        return this.listPeople();
      case 'help':
      case '?':
        return this.say(HELP);
      case 'quit':
      case 'exit':
        return false;
      default:
        return this.say([`“${word}” is not something this console knows. Slash commands start with /sandbox; help lists the rest.`]);
    }
  }

  private say(lines: string[]) {
    this.write(lines);
    return true;
  }

  private where() {
    const channel = this.ws.directory.channelName(this.channel) ?? this.channel;
    return this.modal ? `${this.person.name} (modal)` : `${this.person.name} in #${channel}`;
  }

  // —— sending what a person does ——

  private async deliver(request: SlackRequest, triggerId?: string): Promise<PostResult> {
    if (triggerId) this.triggers.set(triggerId, this.person.id);
    const result = await this.ws.emulator.deliver(request);
    if (result.status !== 200) this.write([`⚠ The bot answered ${result.status}: ${result.body.slice(0, 200)}`]);
    return result;
  }

  private async command(text: string) {
    const triggerId = this.ws.emulator.triggerId();
    const responseUrl = this.ws.emulator.responseUrl({ user: this.person.id, channel: this.channel });
    await this.deliver(slashCommand({ text, userId: this.person.id, channelId: this.channel, responseUrl, triggerId }), triggerId);
    return true;
  }

  private async openHome() {
    this.homeWanted = true;
    await this.deliver(appHomeOpened({ userId: this.person.id }));
    return true;
  }

  private async press(what: string) {
    const button = this.findButton(what);
    if (typeof button === 'string') return this.say([button]);
    if (button.confirm) {
      this.confirming = button;
      return this.say([`${button.confirm.title}: ${button.confirm.text}`, `Type yes to ${button.confirm.confirm.toLowerCase()}, anything else to cancel.`]);
    }
    await this.click(button);
    return true;
  }

  private async confirm(line: string) {
    const button = this.confirming!;
    this.confirming = undefined;
    if (/^(y|yes)$/i.test(line)) await this.click(button);
    else this.write(['Not pressed.']);
    return true;
  }

  private findButton(what: string): NumberedButton | string {
    if (/^\d+$/.test(what)) {
      const found = this.board.get(Number(what));
      if (found === 'retired') return `Button ${what} is gone: its message was shown again since, with new numbers. Press a button of its newest version.`;
      if (!found) return `There is no button ${what}. Buttons show their number like [3 Approve].`;
      if (!visibleTo(found.place, this.person.id)) return `Button ${what} is on something only its person sees; you are ${this.person.name}.`;
      return found;
    }
    const [label, about] = splitLabel(what);
    return this.board.find(label, this.person.id, about) ?? `No “${label}” button${about ? ` about ${about}` : ''} that ${this.person.name} can see.`;
  }

  private async click(button: NumberedButton) {
    const triggerId = this.ws.emulator.triggerId();
    const base = { userId: this.person.id, actionId: button.actionId, value: button.value, blockId: button.blockId, triggerId };
    const place = button.place;
    if (place.kind === 'view') {
      await this.deliver(blockAction({ ...base, view: { id: place.viewId, type: place.viewType } }), triggerId);
    } else {
      const messageTs = place.kind === 'message' ? place.ts : undefined;
      const responseUrl = this.ws.emulator.responseUrl({ user: this.person.id, channel: place.channel, messageTs });
      const message = place.kind === 'message' ? place.message : undefined;
      await this.deliver(blockAction({ ...base, channelId: place.channel, messageTs, message, responseUrl, ephemeral: place.kind === 'ephemeral' }), triggerId);
    }
  }

  // —— modals ——

  private openModal(record: ViewRecord, user: string) {
    const fields = formFields(record.view);
    this.modal = { view: record.view, user, fields, toAsk: [...fields], answers: new Map() };
    if (!record.view.submit && fields.length === 0) this.modal = undefined;
  }

  /** Prints what the open modal asks next: a field, or whether to submit. */
  private askNext() {
    const modal = this.modal;
    if (!modal || this.confirming) return;
    const field = modal.toAsk[0];
    if (field) this.write(promptFor(field, this.ws.directory).map((l, i) => (i === 0 ? `▸ ${l}` : `  ${l}`)));
    else this.write([`Enter submits “${modal.view.submit?.text ?? 'Submit'}”; cancel closes the modal.`]);
  }

  private async fill(line: string) {
    const modal = this.modal!;
    if (/^(cancel|close)$/i.test(line)) {
      this.modal = undefined;
      return this.say([`Closed “${modal.view.title?.text ?? 'modal'}”; nothing was submitted.`]);
    }
    const field = modal.toAsk[0];
    if (!field) {
      if (line === '' || /^(y|yes|submit)$/i.test(line)) return this.submit(modal);
      // Anything else leaves the modal open, as Slack's would be; what it takes is said again below.
      return this.say([`“${line}” was not run: the modal “${modal.view.title?.text ?? ''}” is still open.`]);
    }
    const result = answer(field, line, this.ws.directory);
    if ('error' in result) return this.say([`  ⚠ ${result.error}`]);
    modal.answers.set(field.blockId, result.state);
    modal.toAsk.shift();
    return true;
  }

  private async submit(modal: OpenModal) {
    const view = modal.view;
    const values = stateValues(modal.fields, modal.answers);
    const request = viewSubmission({ userId: modal.user, callbackId: view.callback_id, privateMetadata: view.private_metadata, viewId: view.id, values, opened: view });
    const response = answerOf(await this.deliver(request));
    if (!response) {
      // Slack keeps a modal open when the app's answer is not one: the person may try again.
      this.modal = { ...modal, toAsk: [] };
      return this.say([`“${view.title?.text ?? 'The modal'}” was not accepted: the bot did not answer as Slack expects. It stays open.`]);
    }
    this.modal = undefined;
    if (response.response_action === 'errors') return this.refused(modal, response.errors ?? {});
    if (response.response_action === 'update' || response.response_action === 'push') {
      const record = { kind: 'update' as const, id: view.id, view: { ...response.view, id: view.id }, at: Date.now() };
      this.showView(record, modal.user);
      this.openModal(record, modal.user);
      return true;
    }
    return this.say([`Submitted “${view.title?.text ?? 'modal'}”.`]);
  }

  /**
   * Slack keeps the modal open, with what was typed and each refusal under its field; the console asks those fields
   * again and keeps what was typed in the others. An error for a block the modal does not have is shown, not dropped.
   */
  private refused(modal: OpenModal, errors: Record<string, string>) {
    const fields = modal.fields.map((f) => (errors[f.blockId] ? f : { ...f, initial: modal.answers.get(f.blockId) ?? f.initial }));
    const wrong = fields.filter((f) => errors[f.blockId]);
    const stray = Object.keys(errors).filter((id) => !fields.some((f) => f.blockId === id));
    this.modal = { ...modal, fields, toAsk: wrong, answers: new Map() };
    return this.say([
      ...wrong.map((f) => `  ⚠ ${f.label}: ${this.text(errors[f.blockId]!)}`),
      ...stray.map((id) => `  ⚠ ${this.text(errors[id]!)} (the bot put this under “${id}”, a field this modal does not have)`),
    ]);
  }

  // —— showing what happens ——

  private show(event: WorkspaceEvent) {
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
      if (record.user_id !== this.person.id || !this.homeWanted) return;
      this.homeWanted = false;
      return this.showView(record, record.user_id);
    }
    const user = (record.trigger_id && this.triggers.get(record.trigger_id)) ?? this.modal?.user;
    if (!user) return;
    if (record.kind === 'update' && this.modal?.view.id !== record.id) return;
    this.showView(record, user);
    this.openModal(record, user);
  }

  private showView(record: ViewRecord, user: string) {
    this.threadShown = undefined;
    const type = record.view.type === 'home' ? 'home' : 'modal';
    const number = this.board.numbering({ kind: 'view', viewId: record.id, viewType: type, user }, '');
    const title = type === 'home' ? `── App Home of @${this.name(user)} ──` : `── modal for @${this.name(user)} ──`;
    this.write([title, ...indent(renderView(record.view, this.ws.directory, number, this.inset(2)))]);
  }

  private showMessage(message: PostedMessage, note: string) {
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
    const number = this.board.numbering({ kind: 'message', channel: message.channel, ts: message.ts, message }, message.text ?? '');
    lines.push(...renderMessage(message, this.ws.directory, number, this.inset(4)).map((l) => `  │ ${l}`));
    this.write(lines);
  }

  private heading(channel: string, note: string) {
    const where = channel.startsWith('D') ? `DM with @${this.name(channel.slice(1))}` : `#${this.channelName(channel)}`;
    return `── ${where}${note} ──`;
  }

  /** Rendering for lines that will be indented by `columns`: they still fit the width. */
  private inset = (columns: number): RenderOptions => ({ ...this.render, width: (this.o.width ?? 100) - columns });

  /** Slack's markup (mentions, emoji, bold) as a person reads it. */
  private text = (mrkdwn: string) => mrkdwnToText(mrkdwn, this.ws.directory, this.render);
  private name = (user: string) => this.ws.directory.userName(user) ?? user;
  private channelName = (channel: string) => this.ws.directory.channelName(channel) ?? channel;

  private showChannel(where: string) {
    const channel = where ? this.ws.directory.findChannel(where) : this.channel;
    if (!channel) return this.say([`There is no channel ${where}. Channels: ${this.channelList()}.`]);
    const messages = this.ws.emulator.state.messages.filter((m) => m.channel === channel && (!m.thread_ts || m.thread_ts === m.ts));
    if (messages.length === 0) return this.say([`Nothing in #${this.channelName(channel)} yet.`]);
    for (const message of messages) {
      this.showMessage(message, '');
      const replies = this.ws.emulator.state.messages.filter((m) => m.channel === channel && m.thread_ts === message.ts && m.ts !== message.ts).length;
      if (replies) this.write([`  ↳ ${replies} ${replies === 1 ? 'reply' : 'replies'} in its thread`]);
    }
    return true;
  }

  // —— the person at the keyboard ——

  private become(who: string) {
    const person = this.ws.directory.find(who);
    if (!person) return this.say([`Nobody here is called “${who}”.`, ...this.peopleLines()]);
    this.person = person;
    return this.say([`You are ${person.name} (${person.roles.join(', ') || 'no role in the pipeline'}).`]);
  }

  private moveTo(where: string) {
    const channel = this.ws.directory.findChannel(where);
    if (!channel) return this.say([`There is no channel “${where}”. Channels: ${this.channelList()}.`]);
    this.channel = channel;
    return this.say([`You type in #${this.channelName(channel)} now.`]);
  }

  private channelList = () => this.ws.directory.channelIds.map((c) => `#${this.channelName(c)}`).join(', ');

  private async change(words: string[]) {
    const [instance, key, ...content] = words;
    if (!instance || !key || content.length === 0) return this.say(['Usage: change <instance> <Type/Name> <content>, e.g. change dev-alice Layout/Account sections: [Name]']);
    const env = this.ws.config.environments.find((e) => e.instances.some((i) => instanceSpec(i).name === instance));
    if (env && env.kind !== 'development') {
      return this.say([`⚠ ${instance} is in ${env.name}: changes reach it only through the pipeline (send, approve, deploy). Change a sandbox of ${this.sandboxEnvironments()} instead.`]);
    }
    await this.ws.bot.services.components.put({ user: this.person.id, via: 'cli' }, instance, [{ key, content: content.join(' ').replace(/\\n/g, '\n') }]);
    return this.say([`${this.person.name} changed ${key} in ${instance}.`]);
  }

  private sandboxEnvironments() {
    return this.ws.config.environments.filter((e) => e.kind === 'development').map((e) => e.name).join(' or ');
  }

  private listPeople() {
    return this.say(this.peopleLines());
  }

  private peopleLines() {
    return ['People here:', ...this.ws.directory.people.map((p) => `  ${p.name.padEnd(10)} ${p.roles.join(', ')}`)];
  }

  /** Waits until the bot has done all that the last line started: its listeners, queued work, posts and threads. */
  private async quiesce() {
    for (;;) {
      const seen = this.events;
      await this.ws.settled();
      await sleep(10); // an answer on its way back from the emulator
      if (this.events === seen) return;
    }
  }

  private showPrompt() {
    this.prompt?.setPrompt(`${this.where()}${ECHO_MARK}`);
    this.prompt?.prompt(true);
  }

  /** Writes lines above the prompt, which is drawn again below them. */
  private write(lines: string[]) {
    const out = this.o.output;
    if (this.prompt) out.write('\r\x1b[K');
    out.write(`${lines.join('\n')}\n`);
    if (this.prompt) this.prompt.prompt(true);
  }
}

const indent = (lines: string[]) => lines.map((l) => `  ${l}`);

/** The JSON a submission was answered with (empty means the modal closes), or undefined when it is not an answer. */
function answerOf(result: PostResult): Json | undefined {
  if (result.status !== 200) return undefined;
  try {
    return result.body ? (JSON.parse(result.body) as Json) : {};
  } catch {
    return undefined;
  }
}

/** `Approve DR-3` → label Approve about DR-3; a label may have several words (`View Logs RUN-2`). */
function splitLabel(what: string): [string, string | undefined] {
  const match = /^(.*?)\s+((?:DR|CR|RUN)-\d+)$/i.exec(what.trim());
  return match ? [match[1]!, match[2]!] : [what.trim(), undefined];
}
