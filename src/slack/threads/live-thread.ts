import { formatId } from '../../domain/ids.ts';
import type { RunStep, ThreadProgress } from '../../domain/ports.ts';
import type { RequestOverview } from '../../domain/services/queries.ts';
import type { LogLine, Run } from '../../domain/types.ts';
import { requestCard } from '../blocks/request-card.ts';
import { type RunSubject, runParent } from '../blocks/run-message.ts';
import { leftOutNote, postStoredLines, THREAD_BACKLOG, THREAD_REPLIES, uploadWholeLog } from './long-logs.ts';
import { nextReply, type Parent, TAKEN_OVER } from './replies.ts';
import type { ThreadLogDeps } from './thread-log.ts';

/** Runs of a request log into the thread of the request's card, which shows them while they run. */
export const onRequestCard = (run: Run): run is Run & { requestId: number } => run.requestId !== null && run.kind !== 'sync';

/** Where a run of no request is threaded under its own message: a shared instance's sync (a sandbox's is its user's business). */
function ownChannel(run: Run, subject: RunSubject): string | undefined {
  if (run.kind !== 'sync' || subject.environment?.kind === 'development') return undefined;
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

/** Where a run's thread goes, read before the run does its work: its parent (a request's card, or its own message to post). */
interface Place {
  subject: RunSubject;
  /** The request's card, as read when the run started (its live edits render from this). */
  card?: { parent: Parent; overview: RequestOverview };
  /** The channel to post the run's own parent message in. */
  channel?: string;
}

/**
 * Log lines of one run on their way to its thread, in order, as the run writes them. A run that prints faster than
 * the thread can take, or more than it holds, has lines left out (see long-logs.ts): memory stays flat.
 */
export class RunThread {
  private lines: LogLine[] = [];
  /** Lines left out since the last reply said so; whether any ever were (the whole log is then uploaded). */
  private leftOut = 0;
  private elided = false;
  private replies = 0;
  /** The first lines of `lines`, in the reply being posted: they stay until it is in. */
  private inFlight = 0;
  /** Lines are not kept: the run is not threaded, or this thread gave up (`ThreadLog.resume` writes it from the database). */
  private dropping = false;
  private step: RunStep | undefined;
  private final: Run | undefined;
  private wake: (() => void) | undefined;
  private lastEdit = 0;
  private posted = 0;
  private ending!: (run: Run) => void;
  private readonly end = new Promise<Run>((resolve) => (this.ending = resolve));
  private readonly id: string;
  private readonly bookmark: Bookmark;
  /** Resolves once the thread knows where it goes (none: it is not this process's to write live). */
  readonly placed: Promise<Place | undefined>;
  /** The thread holds the run's whole log (or this process gave it up). */
  readonly done: Promise<void>;
  /** A card that was not posted when the run started is posted, its thread written (see underLateCard). */
  readonly afterwards: Promise<void>;

  constructor(
    private run: Run,
    private readonly deps: ThreadLogDeps,
  ) {
    this.id = formatId('run', run.id);
    this.bookmark = new Bookmark(this.id, deps);
    this.placed = this.place().catch((error) => {
      deps.logger.warn(`Could not find where the thread of ${this.id} goes (${reason(error)}); it is completed from the stored log later.`);
      return undefined;
    });
    this.done = this.work().catch((error) => {
      this.stopKeepingLines();
      deps.logger.error(`The thread of ${this.id} stopped: ${reason(error)}`);
    });
    // Apart from `done`: posting a card waits for its turn behind acknowledgements, where the run's caller may wait for `done`.
    this.afterwards = Promise.all([this.placed, this.done, this.ended()])
      .then(([place, , final]) => (place && !place.card && !place.channel && onRequestCard(final) ? this.underLateCard(final) : undefined))
      .catch((error) => deps.logger.warn(`The thread of ${this.id} under its card was not written (${reason(error)}); it is completed from the stored log later.`));
  }

  push(line: LogLine) {
    if (this.dropping) return;
    if (this.replies >= THREAD_REPLIES) this.leftOut++;
    else this.lines.push(line);
    // Trimmed now and then rather than at each line: the oldest waiting lines give way to the newest.
    if (this.lines.length >= this.inFlight + 2 * THREAD_BACKLOG) this.leftOut += this.lines.splice(this.inFlight, this.lines.length - this.inFlight - THREAD_BACKLOG).length;
    this.wake?.();
  }

  progress(step: RunStep) {
    this.step = step;
    this.wake?.();
  }

  finish(run: Run) {
    this.final = run;
    this.ending(run);
    this.wake?.();
  }

  /** Reads where the thread goes and claims it. A request's card not posted yet gets the thread once the run ended. */
  private async place(): Promise<Place | undefined> {
    const subject = await this.deps.subjectOf(this.run);
    if (onRequestCard(this.run)) {
      const [parent, overview] = await Promise.all([this.deps.cards.where(this.run.requestId), this.deps.cards.overview(this.run.requestId)]);
      if (!parent) return { subject };
      if (!(await this.deps.messages.claimThread(this.id, parent.channel))) return undefined;
      this.bookmark.set({ ...parent, linesPosted: 0 });
      return { subject, card: { parent, overview } };
    }
    const channel = ownChannel(this.run, subject);
    if (!channel || !(await this.deps.messages.claimThread(this.id, channel))) return undefined;
    return { subject, channel };
  }

  private async work() {
    const place = await this.placed;
    try {
      if (place?.card || place?.channel) await this.write(place);
    } catch (error) {
      this.deps.logger.warn(`The thread of ${this.id} stopped (${reason(error)}); it is completed from the stored log later.`);
    }
    this.stopKeepingLines();
    // A thread given up is taken up from the database: it must hold how far this one got by then.
    await this.bookmark.written();
    await this.deps.onRunChanged?.(await this.ended());
  }

  private async write(place: Place) {
    const parent = place.card?.parent ?? (await this.deps.chat.post({ channel: place.channel!, ...this.render(place) }));
    if (!place.card) this.bookmark.set({ ...parent, linesPosted: 0 });
    // A card shows at once that its run started (its own message just did).
    else await this.editParent(parent, place);
    this.lastEdit = Date.now();
    for (;;) {
      const finished = this.final;
      await this.postLines(parent);
      if (finished && this.lines.length === 0) break;
      if (Date.now() - this.lastEdit >= PARENT_EDIT_MS) await this.editParent(parent, place);
      if (this.lines.length === 0 && !this.final) await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    this.run = this.final!;
    await this.noteLeftOut(parent);
    if (this.elided) await uploadWholeLog(this.deps, parent, this.run.id);
    // A card's final state is rendered from the database once the run ended (onRunChanged).
    if (!place.card) await this.editParent(parent, place);
    await this.bookmark.written();
    await this.deps.messages.completeThread(this.id, this.posted);
  }

  /**
   * The run's card was not posted when it started: once it is (the run's end refreshes it), the stored log goes
   * into its thread, whole.
   */
  private async underLateCard(run: Run & { requestId: number }) {
    const parent = await this.deps.cards.posted(run.requestId);
    if (!parent || !(await this.deps.messages.claimThread(this.id, parent.channel))) return;
    const record = (progress: ThreadProgress) => this.deps.messages.recordThread(this.id, progress);
    await record({ ...parent, linesPosted: 0 });
    await postStoredLines(this.deps, parent, run.id, 0, async (count) => {
      this.posted += count;
      await record({ ...parent, linesPosted: this.posted });
    });
    await this.deps.messages.completeThread(this.id, this.posted);
  }

  /**
   * Everything waiting, a reply at a time (each waits for the channel's slot, see Chat), a reply saying how many
   * lines were left out before the lines that follow them; stops once another process has taken the thread over.
   */
  private async postLines(parent: Parent) {
    while (this.lines.length) {
      if (!this.bookmark.held) throw new Error(TAKEN_OVER);
      const reply = nextReply(this.lines);
      // Once the thread is full, the lines left out follow those still waiting: the last note counts them.
      const leftOut = this.replies >= THREAD_REPLIES ? 0 : this.leftOut;
      this.inFlight = reply.count;
      try {
        await this.deps.chat.post({ channel: parent.channel, thread_ts: parent.ts, text: leftOut ? `${leftOutNote(leftOut)}\n${reply.text}` : reply.text });
      } finally {
        this.inFlight = 0;
      }
      this.lines.splice(0, reply.count);
      this.replies++;
      this.advance(parent, leftOut, reply.count);
    }
  }

  /** At the end: says how many lines were left out since the last reply, if any. */
  private async noteLeftOut(parent: Parent) {
    if (!this.leftOut) return;
    const leftOut = this.leftOut;
    await this.deps.chat.post({ channel: parent.channel, thread_ts: parent.ts, text: leftOutNote(leftOut) });
    this.advance(parent, leftOut, 0);
  }

  /** Lines left out and lines posted count alike as dealt with, for a recovery to go on from. */
  private advance(parent: Parent, leftOut: number, posted: number) {
    this.leftOut -= leftOut;
    this.elided ||= leftOut > 0;
    this.posted += leftOut + posted;
    this.bookmark.set({ ...parent, linesPosted: this.posted });
  }

  private render(place: Place) {
    const run = this.final ?? this.run;
    if (!place.card) return runParent(run, place.subject, this.step, new Date());
    const { overview } = place.card;
    return requestCard({ ...overview, runs: overview.runs.map((r) => (r.id === run.id ? run : r)) }, { step: this.step, now: new Date() });
  }

  private async editParent(parent: Parent, place: Place) {
    this.lastEdit = Date.now();
    await this.deps.chat.update({ ...parent, ...this.render(place) });
  }

  private stopKeepingLines() {
    this.dropping = true;
    this.lines = [];
  }

  /** Resolves with the run as it ended. */
  private ended(): Promise<Run> {
    return this.end;
  }
}
