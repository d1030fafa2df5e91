import type { Logger } from '@slack/bolt';
import type { LogSink, PostedMessages, RunStep } from '../../domain/ports.ts';
import type { RequestOverview } from '../../domain/services/queries.ts';
import type { LogLine, Run } from '../../domain/types.ts';
import type { RunSubject } from '../blocks/run-message.ts';
import type { Chat } from '../chat.ts';
import { RunThread } from './live-thread.ts';
import type { Parent } from './replies.ts';
import { completeUnfinishedThreads } from './recovery.ts';

export interface ThreadLogDeps {
  chat: Chat;
  messages: PostedMessages;
  logger: Logger;
  /** Where the run happens; its environment's channel gets the thread. */
  subjectOf(run: Run): Promise<RunSubject>;
  /** The request cards whose threads hold their runs' logs. */
  cards: {
    /** Where the card is, if it was posted. */
    where(requestId: number): Promise<Parent | undefined>;
    overview(requestId: number): Promise<RequestOverview>;
    /** Where the card is once posted (posting it if it was not). */
    posted(requestId: number): Promise<Parent | undefined>;
  };
  /** Called when a run ended (a request's run changes its card). */
  onRunChanged?(run: Run): Promise<void>;
}

/**
 * The log sink of the Slack app: a request's runs log into the thread of its card, which shows their status, step and
 * duration while they run; a shared instance's sync gets its own parent message, updated in place the same way. Lines
 * are batched to about one post per second per channel.
 * How far each thread got is kept in the database, so that a thread Slack kept from being written, or whose process
 * died, is completed later from the stored log (`resume`), by one process.
 */
export class ThreadLog implements LogSink {
  private readonly threads = new Map<number, RunThread>();
  /** The passes of `resume` run one at a time; calls made while one waits for its turn share it. */
  private passes: Promise<unknown> = Promise.resolve();
  private waitingPass: Promise<number> | undefined;

  constructor(private readonly deps: ThreadLogDeps) {}

  /** The run waits while its thread finds its card: on the embedded database no read gets past the run's transaction. */
  async started(run: Run) {
    await this.thread(run).placed;
  }

  line(run: Run, line: LogLine) {
    this.thread(run).push(line);
  }

  progress(run: Run, step: RunStep) {
    this.thread(run).progress(step);
  }

  /** Resolves once the run's thread holds its whole log (at once when this process writes none), so that its outcome is told after. */
  async settled(runId: number) {
    await this.threads.get(runId)?.done;
  }

  finished(run: Run) {
    const thread = this.thread(run);
    thread.finish(run);
    void Promise.all([thread.done, thread.afterwards]).finally(() => this.threads.delete(run.id));
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
        return completeUnfinishedThreads(this.deps, (runId) => this.threads.has(runId));
      });
      this.waitingPass = pass;
      this.passes = pass.catch(() => undefined);
    }
    return this.waitingPass;
  }

  /** Resolves once every thread started so far, and every `resume` asked for, is done (used at shutdown and by the command line). */
  async drain() {
    await Promise.all([...this.threads.values()].flatMap((t) => [t.done, t.afterwards]));
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
}
