import type { Logger } from '@slack/bolt';
import { formatId } from '../domain/ids.ts';
import type { LogSink } from '../domain/ports.ts';
import type { LogLine, Run } from '../domain/types.ts';
import { type RunSubject, runParent, threadLine } from './blocks/run-message.ts';
import { type Chat, isRefusal } from './chat.ts';
import type { PostedMessages, ThreadProgress, UnfinishedThread } from './posted-messages.ts';

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

type Parent = { channel: string; ts: string };

/** The first of `lines` that fit in one thread reply: its text, and how many lines it holds. */
function nextReply(lines: readonly LogLine[]): { text: string; count: number } {
  const batch: string[] = [];
  let size = 0;
  for (const line of lines) {
    const text = threadLine(line).slice(0, BATCH_CHARS);
    if (batch.length > 0 && size + text.length + 1 > BATCH_CHARS) break;
    batch.push(text);
    size += text.length + 1;
  }
  return { text: batch.join('\n'), count: batch.length };
}

const reason = (error: unknown) => (error as Error).message;

/**
 * How far a live thread got, written to the database behind its posts, latest state only: the posts never wait
 * for it, since on the embedded database a write waits for the deployment's transaction to end.
 */
class Bookmark {
  private latest: ThreadProgress | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** False once another process has taken the thread over (it took this one for dead). */
  held = true;

  constructor(
    private readonly subject: string,
    private readonly deps: ThreadLogDeps,
  ) {}

  set(progress: ThreadProgress) {
    const queued = this.latest !== undefined;
    this.latest = progress;
    if (!queued) this.writing = this.writing.then(() => this.write());
  }

  /** Resolves once the latest state is written. */
  written(): Promise<void> {
    return this.writing;
  }

  private async write() {
    const progress = this.latest!;
    this.latest = undefined;
    try {
      this.held = await this.deps.messages.recordThread(this.subject, progress);
    } catch (error) {
      this.deps.logger.warn(`Could not record how far the thread of ${this.subject} got: ${reason(error)}`);
    }
  }
}

/** Log lines of one run on their way to its thread, in order, as the run writes them. */
class RunThread {
  private lines: LogLine[] = [];
  /** Lines are not kept: the run is not threaded, or this thread gave up (`ThreadLog.resume` writes it from the database). */
  private dropping = false;
  private fraction = 0;
  private final: Run | undefined;
  private wake: (() => void) | undefined;
  private lastEdit = 0;
  private posted = 0;
  private readonly id: string;
  private readonly bookmark: Bookmark;
  readonly done: Promise<void>;

  constructor(
    private run: Run,
    private readonly deps: ThreadLogDeps,
  ) {
    this.id = formatId('run', run.id);
    this.bookmark = new Bookmark(this.id, deps);
    this.done = this.work().catch((error) => {
      this.stopKeepingLines();
      deps.logger.error(`The thread of ${this.id} stopped: ${reason(error)}`);
    });
  }

  push(line: LogLine) {
    if (!this.dropping) this.lines.push(line);
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
    try {
      if (channel && (await this.deps.messages.claimThread(this.id, channel))) await this.write(channel, subject);
    } catch (error) {
      this.deps.logger.warn(`The thread of ${this.id} stopped (${reason(error)}); it is completed from the stored log later.`);
    }
    this.stopKeepingLines();
    // A thread given up is taken up from the database: it must hold how far this one got by then.
    await this.bookmark.written();
    await this.deps.onRunChanged?.(await this.ended());
  }

  private async write(channel: string, subject: RunSubject) {
    const parent = await this.deps.chat.post({ channel, ...runParent(this.run, subject, 0, new Date()) });
    this.lastEdit = Date.now();
    this.bookmark.set({ ...parent, linesPosted: 0 });
    for (;;) {
      const finished = this.final;
      await this.postLines(parent);
      if (finished && this.lines.length === 0) break;
      if (Date.now() - this.lastEdit >= PARENT_EDIT_MS) await this.editParent(parent, subject);
      if (this.lines.length === 0 && !this.final) await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    this.run = this.final!;
    await this.editParent(parent, subject);
    await this.bookmark.written();
    await this.deps.messages.completeThread(this.id, this.posted);
  }

  /** Everything written so far, in as few replies as the size limit allows. Each reply waits for the channel's slot. */
  private async postLines(parent: Parent) {
    while (this.lines.length) {
      if (!this.bookmark.held) throw new Error('another process has taken it over');
      const reply = nextReply(this.lines);
      await this.deps.chat.post({ channel: parent.channel, thread_ts: parent.ts, text: reply.text });
      this.lines.splice(0, reply.count);
      this.posted += reply.count;
      this.bookmark.set({ ...parent, linesPosted: this.posted });
    }
  }

  private async editParent(parent: Parent, subject: RunSubject) {
    this.lastEdit = Date.now();
    const run = this.final ?? this.run;
    await this.deps.chat.update({ ...parent, ...runParent(run, subject, this.fraction, new Date()) });
  }

  private stopKeepingLines() {
    this.dropping = true;
    this.lines = [];
  }

  private async ended(): Promise<Run> {
    while (!this.final) await new Promise<void>((resolve) => (this.wake = resolve));
    return this.final;
  }
}

/**
 * The log sink of the Slack app: each run gets a parent message in its environment's channel, updated in place
 * with status, progress and duration, and its log lines in the thread, batched to about one post per second per channel.
 * How far each thread got is kept in the database, so that a thread Slack kept from being written, or whose process
 * died, is completed later from the stored log (`resume`), by one process.
 */
export class ThreadLog implements LogSink {
  private readonly threads = new Map<number, RunThread>();
  /** The passes of `resume` run one at a time; calls made while one waits for its turn share it. */
  private passes: Promise<unknown> = Promise.resolve();
  private waitingPass: Promise<number> | undefined;

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

  /**
   * Completes the threads of ended runs that nobody is writing: their writer died, or gave up while Slack failed.
   * Safe at any time and from several processes at once (each thread is taken over by one). Resolves with how many
   * threads it completed or moved on.
   */
  resume(): Promise<number> {
    if (!this.waitingPass) {
      const pass = this.passes.then(() => {
        this.waitingPass = undefined;
        return this.resumeAll();
      });
      this.waitingPass = pass;
      this.passes = pass.catch(() => undefined);
    }
    return this.waitingPass;
  }

  /** Resolves once every thread started so far, and every `resume` asked for, is done (used at shutdown and by the command line). */
  async drain() {
    await Promise.all([...this.threads.values()].map((t) => t.done));
    await this.passes;
  }

  private thread(run: Run): RunThread {
    let thread = this.threads.get(run.id);
    if (!thread) {
      thread = new RunThread(run, this.deps);
      this.threads.set(run.id, thread);
    }
    return thread;
  }

  private async resumeAll(): Promise<number> {
    const unfinished = await this.deps.messages.unfinishedThreads().catch((error) => {
      this.deps.logger.warn(`Could not look for unfinished threads: ${reason(error)}`);
      return [];
    });
    // A run still handled here is left to its RunThread until the run's last lines are stored and it has let go.
    const left = unfinished.filter((t) => !this.threads.has(t.run.id));
    const moved = await Promise.all(
      left.map((t) =>
        this.complete(t).catch((error) => {
          this.deps.logger.warn(`Could not resume the thread of ${t.subject}: ${reason(error)}`);
          return false;
        }),
      ),
    );
    return moved.filter(Boolean).length;
  }

  /** Takes the thread over, then writes what it lacks; true when it got further. */
  private async complete(thread: UnfinishedThread): Promise<boolean> {
    if (!(await this.deps.messages.takeThread(thread.subject, thread.writer))) return false;
    const progress = { posted: firstUnposted(thread), moved: false };
    try {
      await this.writeRest(thread, progress);
      return true;
    } catch (error) {
      if (!isRefusal(error)) {
        this.deps.logger.warn(`The thread of ${thread.subject} is not complete yet: ${reason(error)}`);
        return progress.moved;
      }
      this.deps.logger.error(`Slack refused the thread of ${thread.subject} (${reason(error)}); it stays as it is, and its whole log is in View Logs.`);
      await this.deps.messages.completeThread(thread.subject, progress.posted);
      return true;
    }
  }

  /** The parent if it was never posted, the remaining lines in order, then the final state; `progress` follows along. */
  private async writeRest(thread: UnfinishedThread, progress: { posted: number; moved: boolean }) {
    const { chat, messages } = this.deps;
    const record = async (parent: Parent) => {
      progress.moved = true;
      if (!(await messages.recordThread(thread.subject, { ...parent, linesPosted: progress.posted }))) throw new Error('another process has taken it over');
    };
    const final = runParent(thread.run, await this.deps.subjectOf(thread.run), 1, new Date());
    const parent = thread.ts ? { channel: thread.channel, ts: thread.ts } : await chat.post({ channel: thread.channel, ...final });
    if (!thread.ts) await record(parent);
    const lines = await messages.linesFrom(thread.run.id, progress.posted);
    while (lines.length) {
      const reply = nextReply(lines);
      await chat.post({ channel: parent.channel, thread_ts: parent.ts, text: reply.text });
      lines.splice(0, reply.count);
      progress.posted += reply.count;
      await record(parent);
    }
    await chat.update({ ...parent, ...final });
    await messages.completeThread(thread.subject, progress.posted);
  }
}

/**
 * The first stored line the thread lacks. A run the recovery ended has that recovery's line last, which its writer
 * never saw; the writer may have posted lines it never stored (it died first), so its count can run past the others.
 */
function firstUnposted(thread: UnfinishedThread): number {
  if (thread.run.status !== 'interrupted') return thread.linesPosted;
  return Math.max(0, Math.min(thread.linesPosted, thread.lines - 1));
}
