import { createInterface } from 'node:readline';
import { instanceSpec } from '../config/schema.ts';
import { DomainError } from '../domain/errors.ts';
import { spell, type Voice } from '../domain/message.ts';
import { type NumberedButton, visibleTo } from './buttons.ts';
import { ConsoleDisplay } from './console-display.ts';
import { ConsoleModal } from './console-modal.ts';
import { committer, type LocalWorkspace } from './local.ts';
import { appHomeOpened, blockAction, type PostResult, slashCommand, type SlackRequest } from './payloads.ts';
import type { Person } from './people.ts';

export interface ConsoleOptions {
  output: NodeJS.WritableStream;
  /** A person at a terminal: a prompt is shown and kept below what arrives. Otherwise each input line is echoed. */
  interactive?: boolean;
  color?: boolean;
  width?: number;
  /** Who types first (a name or id); the first person of the pipeline when not given. */
  user?: string;
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
  '                           (an instance kept in git: a commit in your clone of its branch, pushed)',
  '  git <args>               git in the workspace\'s repository, e.g. git log --oneline production',
  '  people | help | quit',
  'In a modal, answer each field in turn (Enter keeps what it holds), then Enter submits; cancel closes it.',
];

/** Between who is typing (and where) and what they typed, in the prompt and in the echo of piped input. */
export const ECHO_MARK = ' › ';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The local workspace at a terminal: what a person types, read line by line and sent to the bot as Slack would send
 * it (signed commands, button presses, modal submissions); what the bot does is shown by the display (see
 * ConsoleDisplay) and modals are filled in field by field (see ConsoleModal).
 */
export class WorkspaceConsole {
  person: Person;
  channel: string;
  private readonly display: ConsoleDisplay;
  private readonly modal: ConsoleModal;
  private confirming?: NumberedButton;
  private events = 0;
  private readonly stopWatching: () => void;
  /** People by their names here, commands as typed at this console. */
  private readonly voice: Voice = {
    person: (id) => `@${this.display.name(id)}`,
    group: (id) => `@${this.ws.directory.groupName?.(id) ?? id}`,
    command: (args) => `/sandbox ${args}`,
  };

  constructor(
    private readonly ws: LocalWorkspace,
    private readonly o: ConsoleOptions,
  ) {
    const people = ws.directory.people;
    this.person = (o.user ? ws.directory.find(o.user) : undefined) ?? people[0]!;
    this.channel = ws.directory.channelIds[0] ?? 'C0GENERAL';
    this.display = new ConsoleDisplay(ws, o, {
      person: () => this.person.id,
      openModal: () => this.modal.open,
      modalShown: (record, user) => this.modal.opened(record, user),
    });
    this.modal = new ConsoleModal({
      directory: ws.directory,
      deliver: (request) => this.deliver(request),
      say: (lines) => this.say(lines),
      showView: (record, user) => this.display.showView(record, user),
      text: (mrkdwn) => this.display.text(mrkdwn),
    });
    this.stopWatching = ws.emulator.watch((event) => {
      this.events += 1;
      this.display.show(event);
    });
  }

  /** Reads lines until the input ends or `quit`; each line's work is finished before the next is read. */
  async run(input: NodeJS.ReadableStream): Promise<void> {
    const rl = createInterface({ input, output: this.o.interactive ? this.o.output : undefined, terminal: this.o.interactive });
    if (this.o.interactive) {
      rl.on('SIGINT', () => rl.close()); // Ctrl+C leaves, as Ctrl+D does
      this.display.prompt = rl;
      this.showPrompt();
    }
    try {
      for await (const line of rl) {
        if (!(await this.execute(line))) break;
        this.showPrompt();
      }
    } finally {
      this.display.prompt = undefined;
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
      this.write([`⚠ ${error instanceof DomainError ? spell(error.words, this.voice) : (error as Error).message}`]);
      return true;
    }
  }

  /** What still waits for an answer from the person: a modal being filled in, or a button's confirmation. */
  get waiting(): 'modal' | 'confirmation' | undefined {
    return this.confirming ? 'confirmation' : this.modal.open ? 'modal' : undefined;
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
    if (this.modal.open) return this.modal.fill(line);
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
      case 'git':
        if (!this.ws.repository) return this.say(['This workspace keeps no instance in git: start it with SANDBOX_LOCAL_GIT=1 for one that does.']);
        return this.say(await this.ws.repository.run(rest));
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

  private say(lines: string[]): true {
    this.write(lines);
    return true;
  }

  private where() {
    const channel = this.ws.directory.channelName(this.channel) ?? this.channel;
    return this.modal.open ? `${this.person.name} (modal)` : `${this.person.name} in #${channel}`;
  }

  // —— sending what a person does ——

  private async deliver(request: SlackRequest, triggerId?: string): Promise<PostResult> {
    if (triggerId) this.display.triggers.set(triggerId, this.person.id);
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
    this.display.homeWanted = true;
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
      const found = this.display.board.get(Number(what));
      if (found === 'retired') return `Button ${what} is gone: its message was shown again since, with new numbers. Press a button of its newest version.`;
      if (!found) return `There is no button ${what}. Buttons show their number like [3 Approve].`;
      if (!visibleTo(found.place, this.person.id)) return `Button ${what} is on something only its person sees; you are ${this.person.name}.`;
      return found;
    }
    const [label, about] = splitLabel(what);
    return this.display.board.find(label, this.person.id, about) ?? `No “${label}” button${about ? ` about ${about}` : ''} that ${this.person.name} can see.`;
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

  /** Prints what the open modal asks next, unless a button waits for its confirmation. */
  private askNext() {
    if (!this.confirming && this.modal.open) this.write(this.modal.nextQuestion());
  }

  private showChannel(where: string) {
    const channel = where ? this.ws.directory.findChannel(where) : this.channel;
    if (!channel) return this.say([`There is no channel ${where}. Channels: ${this.channelList()}.`]);
    if (!this.display.showChannel(channel)) return this.say([`Nothing in #${this.channelName(channel)} yet.`]);
    return true;
  }

  private channelName = (channel: string) => this.display.channelName(channel);

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
    const component = { key, content: content.join(' ').replace(/\\n/g, '\n') };
    const repository = this.ws.repository;
    if (repository?.keeps(instance)) {
      const said = await repository.commit(instance, committer(this.ws.directory, this.person.id), [component], `Change ${key}`);
      return this.say([...said, `${this.person.name} pushed to ${instance}'s branch: the bot reads it at the next sync or send of ${instance} (or /sandbox refresh ${instance}).`]);
    }
    await this.ws.bot.services.components.put({ user: this.person.id, via: 'cli' }, instance, [component]);
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
    this.display.showPrompt(`${this.where()}${ECHO_MARK}`);
  }

  private write(lines: string[]) {
    this.display.write(lines);
  }
}

/** `Approve DR-3` → label Approve about DR-3; a label may have several words (`View Logs RUN-2`). */
function splitLabel(what: string): [string, string | undefined] {
  const match = /^(.*?)\s+((?:DR|CR|RUN)-\d+)$/i.exec(what.trim());
  return match ? [match[1]!, match[2]!] : [what.trim(), undefined];
}
