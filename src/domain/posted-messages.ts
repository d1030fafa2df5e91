import type { LogLine, Run } from './types.ts';

// Where the adapters that post messages (the Slack app, the command line announcing in Slack) keep them, so that
// every process updates the same ones.

/** A request's card, a run's message and thread, or a diff uploaded into a card's thread (subject `DR-1 Layout/A`). */
export type MessageRole = 'card' | 'run' | 'diff';

export interface PostedMessage {
  subject: string;
  role: MessageRole;
  channel: string;
  ts: string;
  linesPosted: number;
}

/** How far a run's thread got: where its parent is (none yet: not posted) and how many log lines are in it. */
export interface ThreadProgress {
  channel: string;
  ts: string | null;
  linesPosted: number;
}

/** A run's thread that is not complete and that nobody is writing; its run has ended. */
export interface UnfinishedThread extends ThreadProgress {
  subject: string;
  /** The process that wrote it last (null: none recorded). */
  writer: number | null;
  run: Run;
  /** How many log lines the run has stored. */
  lines: number;
}

/**
 * A posted message with the writes of it recorded so far (cards record theirs: see `recordWrite`): how many, the
 * fingerprint of the last one's content, and from which write on every one had that content.
 */
export interface FoundMessage extends PostedMessage {
  writes: number;
  content: string | null;
  contentSince: number;
}

/**
 * Where the bot's messages are, kept in the database so that every process updates the same ones. A message is
 * claimed before it is posted (its row without a ts), so that of several processes only one posts it.
 */
export interface PostedMessages {
  /** The message, once it has been posted. */
  find(subject: string, role: MessageRole): Promise<FoundMessage | undefined>;
  save(message: PostedMessage): Promise<void>;
  /**
   * Records, atomically, that this process wrote a posted message with content `fingerprint`. Answers how many
   * writes are recorded now (this one included) and from which of them on every one had this content.
   */
  recordWrite(subject: string, role: MessageRole, fingerprint: string): Promise<{ writes: number; contentSince: number }>;
  /**
   * Claims the first post of a message for this process: true when nobody posted it and nobody else alive is
   * posting it (a claim whose process died is taken over), false otherwise.
   */
  claim(subject: string, role: MessageRole, channel: string): Promise<boolean>;
  /** As claim, but exclusive within this process too: false while this process is posting it already. */
  claimOnce(subject: string, role: MessageRole, channel: string): Promise<boolean>;
  /** Gives up this process's claim of a message it could not post, so that the next one who needs it tries again. */
  release(subject: string, role: MessageRole): Promise<void>;
  /** Claims a run's thread for this process before its parent is posted: false when it is claimed already. */
  claimThread(subject: string, channel: string): Promise<boolean>;
  /** Records how far this process got with a thread; false when the thread is no longer this process's. */
  recordThread(subject: string, progress: ThreadProgress): Promise<boolean>;
  /** The thread holds every line and its parent the final state. */
  completeThread(subject: string, linesPosted: number): Promise<void>;
  /** Threads of ended runs that are not complete and whose writer is gone or is this process. */
  unfinishedThreads(): Promise<UnfinishedThread[]>;
  /** Takes a thread over from `writer`: of several processes trying at once, one gets it. */
  takeThread(subject: string, writer: number | null): Promise<boolean>;
  /** The stored log lines of a run from line `from` (0: the first) on, in order; at most `limit` when given. */
  linesFrom(runId: number, from: number, limit?: number): Promise<LogLine[]>;
  /**
   * At most `limit` stored lines of a run from line `from` on, as the text of a log file: a line each, its time (ISO
   * 8601, UTC), its level and its text. `count`: how many lines it holds.
   */
  logText(runId: number, from: number, limit: number): Promise<{ text: string; count: number }>;
}
