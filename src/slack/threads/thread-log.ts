import type { Logger } from '@slack/bolt';
import type { LogSink, PostedMessages } from '../../domain/ports.ts';
import type { LogLine, Run } from '../../domain/types.ts';
import type { RunSubject } from '../blocks/run-message.ts';
import type { Chat } from '../chat.ts';
import { RunThread } from './live-thread.ts';
import { completeUnfinishedThreads } from './recovery.ts';

export interface ThreadLogDeps {
  chat: Chat;
  messages: PostedMessages;
  logger: Logger;
  /** Where the run happens; its environment's channel gets the thread. */
  subjectOf(run: Run): Promise<RunSubject>;
  /** Called when a run starts and ends (a deployment changes its request's card). */
  onRunChanged?(run: Run): Promise<void>;
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
        return completeUnfinishedThreads(this.deps, (runId) => this.threads.has(runId));
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
}
