import { formatId } from '../../domain/ids.ts';
import type { ThreadProgress } from '../../domain/ports.ts';
import type { LogLine, Run } from '../../domain/types.ts';
import { type RunSubject, runParent } from '../blocks/run-message.ts';
import { type Parent, postReplies } from './replies.ts';
import type { ThreadLogDeps } from './thread-log.ts';

/** Runs the channel watches; a validation is a dry run whose answer goes to whoever asked. */
const THREADED: readonly Run['kind'][] = ['deploy', 'revert', 'sync'];

/** Where a run's log is threaded: in its environment's channel, except a sandbox's sync, which its user hears privately. */
function threadChannel(run: Run, subject: RunSubject): string | undefined {
  if (!THREADED.includes(run.kind)) return undefined;
  if (run.kind === 'sync' && subject.environment?.kind === 'development') return undefined;
  return subject.environment?.channel ?? undefined;
}
/** The parent message is edited at most this often while a run goes on (chat.update is rate-limited too). */
const PARENT_EDIT_MS = 2000;

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
export class RunThread {
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
    const channel = threadChannel(this.run, subject);
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

  /** Everything written so far; stops once another process has taken the thread over. */
  private postLines(parent: Parent) {
    return postReplies(this.deps.chat, parent, this.lines, {
      stillMine: () => this.bookmark.held,
      posted: (count) => {
        this.posted += count;
        this.bookmark.set({ ...parent, linesPosted: this.posted });
      },
    });
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

