import type { Logger } from '@slack/bolt';
import { formatId } from '../domain/ids.ts';
import type { LogSink } from '../domain/ports.ts';
import type { LogLine, Run } from '../domain/types.ts';
import { type RunSubject, runParent, threadLine } from './blocks/run-message.ts';
import type { Chat } from './chat.ts';
import type { PostedMessages } from './posted-messages.ts';

/** Runs the channel watches; a validation is a dry run whose answer goes to whoever asked. */
const THREADED: readonly Run['kind'][] = ['deploy', 'revert', 'sync'];
/** A thread reply holds this much log text at most, so that no post comes near Slack's limits. */
const BATCH_CHARS = 3500;
/** The parent message is edited at most this often while a run goes on (chat.update is rate-limited too). */
const PARENT_EDIT_MS = 2000;

export interface ThreadLogDeps {
  chat: Chat;
  messages: PostedMessages;
  logger: Logger;
  /** Where the run happens; its environment's channel gets the thread. */
  subjectOf(run: Run): Promise<RunSubject>;
  /** Called when a run starts and ends (a deployment changes its request's card). */
  onRunChanged?(run: Run): Promise<void>;
}

/** Log lines of one run on their way to its thread, in order. */
class RunThread {
  private lines: LogLine[] = [];
  private fraction = 0;
  private final: Run | undefined;
  private wake: (() => void) | undefined;
  private parent: { channel: string; ts: string } | undefined;
  private lastEdit = 0;
  private posted = 0;
  readonly done: Promise<void>;

  constructor(
    private run: Run,
    private readonly deps: ThreadLogDeps,
  ) {
    this.done = this.work().catch((error) => deps.logger.error(`The thread of ${formatId('run', run.id)} stopped: ${(error as Error).message}`));
  }

  push(line: LogLine) {
    this.lines.push(line);
    this.wake?.();
  }

  progress(fraction: number) {
    this.fraction = fraction;
    this.wake?.();
  }

  finish(run: Run) {
    this.final = run;
    this.wake?.();
  }

  private async work() {
    const subject = await this.deps.subjectOf(this.run);
    const channel = THREADED.includes(this.run.kind) ? subject.environment?.channel : undefined;
    await this.deps.onRunChanged?.(this.run);
    if (!channel) return this.waitForEnd();
    this.parent = await this.deps.chat.post({ channel, ...runParent(this.run, subject, 0, new Date()) });
    const subjectId = formatId('run', this.run.id);
    // Not awaited before the lines: on the embedded database it would wait for the deployment's transaction to end.
    const saved = this.deps.messages
      .save({ subject: subjectId, role: 'run', channel: this.parent.channel, ts: this.parent.ts, linesPosted: 0 })
      .catch((error) => this.deps.logger.warn(`Could not record the thread of ${subjectId}: ${(error as Error).message}`));
    for (;;) {
      const finished = this.final;
      await this.postLines(this.parent);
      if (finished && this.lines.length === 0) break;
      if (Date.now() - this.lastEdit >= PARENT_EDIT_MS) await this.editParent(subject);
      if (this.lines.length === 0 && !this.final) await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    await saved;
    await this.deps.messages.setLinesPosted(subjectId, 'run', this.posted);
    this.run = this.final!;
    await this.editParent(subject);
    await this.deps.onRunChanged?.(this.run);
  }

  /** Everything written so far, in as few replies as the size limit allows. Each reply waits for the channel's slot. */
  private async postLines(parent: { channel: string; ts: string }) {
    while (this.lines.length) {
      const batch: string[] = [];
      let size = 0;
      let taken = 0;
      for (const line of this.lines) {
        const text = threadLine(line).slice(0, BATCH_CHARS);
        if (taken > 0 && size + text.length + 1 > BATCH_CHARS) break;
        batch.push(text);
        size += text.length + 1;
        taken++;
      }
      await this.deps.chat.post({ channel: parent.channel, thread_ts: parent.ts, text: batch.join('\n') });
      this.lines.splice(0, taken);
      this.posted += taken;
    }
  }

  private async editParent(subject: RunSubject) {
    this.lastEdit = Date.now();
    const run = this.final ?? this.run;
    await this.deps.chat.update({ ...this.parent!, ...runParent(run, subject, this.fraction, new Date()) });
  }

  private async waitForEnd() {
    while (!this.final) await new Promise<void>((resolve) => (this.wake = resolve));
    await this.deps.onRunChanged?.(this.final);
  }
}

/**
 * The log sink of the Slack app: each run gets a parent message in its environment's channel, updated in place
 * with status, progress and duration, and its log lines in the thread, batched to about one post per second per channel.
 */
export class ThreadLog implements LogSink {
  private readonly threads = new Map<number, RunThread>();

  constructor(private readonly deps: ThreadLogDeps) {}

  line(run: Run, line: LogLine) {
    this.thread(run).push(line);
  }

  progress(run: Run, fraction: number) {
    this.thread(run).progress(fraction);
  }

  finished(run: Run) {
    const thread = this.thread(run);
    thread.finish(run);
    void thread.done.finally(() => this.threads.delete(run.id));
  }

  /** Resolves once every thread started so far has been written (used at shutdown and by the command line). */
  async drain() {
    await Promise.all([...this.threads.values()].map((t) => t.done));
  }

  private thread(run: Run): RunThread {
    let thread = this.threads.get(run.id);
    if (!thread) {
      thread = new RunThread(run, this.deps);
      this.threads.set(run.id, thread);
    }
    return thread;
  }
}
