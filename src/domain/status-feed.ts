import type { RunStatusReport } from './api-tokens.ts';

// Status callbacks on their way to the deployment waiting for them (a webhook target answered 202). A deployment
// waits inside its transaction, and on embedded PGlite every other query waits behind that transaction: a status
// reported to this process is therefore handed over in memory, and written to the database after. One reported to
// another replica is read from the database, where that replica wrote it.

/** How often a waiting deployment reads the statuses other replicas took in. */
const READ_EVERY_MS = 1_000;

const sameReport = (s: RunStatusReport) => `${s.at.getTime()} ${s.state} ${s.description ?? ''}`;

/** The statuses of one run, in the order they came, each once however it arrived. */
export class StatusFeed {
  private readonly seen = new Set<string>();
  private readonly queue: RunStatusReport[] = [];
  private wake?: () => void;
  private reading = false;

  /** @param read the statuses of the run in the database (those reported to other replicas too). */
  constructor(private readonly read: () => Promise<RunStatusReport[]>) {}

  push(status: RunStatusReport) {
    const key = sameReport(status);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.queue.push(status);
    this.wake?.();
  }

  /** The next status not taken yet; undefined once the time `until` (ms since the epoch) passes or `signal` aborts. */
  async next(until: number, signal?: AbortSignal): Promise<RunStatusReport | undefined> {
    while (!this.queue.length) {
      const left = until - Date.now();
      if (left <= 0 || signal?.aborted) return undefined;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(READ_EVERY_MS, left));
        signal?.addEventListener('abort', done, { once: true });
        this.wake = done;
      });
      this.wake = undefined;
      this.readBehind();
    }
    return this.queue.shift();
  }

  /** Reads the database without waiting for it: on PGlite the read waits for the deployment's transaction to end. */
  private readBehind() {
    if (this.reading || this.queue.length) return;
    this.reading = true;
    void this.read()
      .then((statuses) => statuses.forEach((status) => this.push(status)))
      .catch(() => {}) // read again a second later
      .finally(() => (this.reading = false));
  }
}

/** The runs of this process that wait for status callbacks, each with the hash of its callback token. */
export class StatusInbox {
  private readonly open = new Map<number, { hash: string; feed: StatusFeed }>();
  private writing: Promise<unknown> = Promise.resolve();

  /**
   * Writes a status handed over in memory once those before it are written: two callbacks a moment apart would
   * otherwise race on two connections, and be kept out of order.
   */
  writeBehind(write: () => Promise<unknown>) {
    this.writing = this.writing.then(write).catch(() => {});
  }

  /** Takes the statuses reported to this process for `runId` with its token into `feed`, until the answer is called. */
  listen(runId: number, hash: string, feed: StatusFeed): () => void {
    this.open.set(runId, { hash, feed });
    return () => this.open.delete(runId);
  }

  /** Hands a status to the run waiting here for it; false when none does, or the token is not its. */
  deliver(runId: number, hash: string, status: RunStatusReport): boolean {
    const waiting = this.open.get(runId);
    if (waiting?.hash !== hash) return false;
    waiting.feed.push(status);
    return true;
  }
}
