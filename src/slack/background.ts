const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A job waits at most this long for acknowledgements to be sent first, so that work is delayed under load, never starved. */
const MAX_DEFER_MS = 1000;

/**
 * The work that follows an acknowledgement. Slack waits only for the acknowledgement, so it must never wait behind
 * the work of earlier requests: jobs run a few at a time, and a job starts only once the requests being received
 * have been acknowledged (or it has waited MAX_DEFER_MS). The embedded database runs its queries on this thread:
 * without this, a burst of clicks would hold every acknowledgement behind all their work.
 */
export class Background {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly concurrency: number,
    /** Requests from Slack being received right now; jobs wait for them. */
    private readonly inbound: () => number = () => 0,
  ) {}

  /** Runs `job` when its turn comes; resolves or rejects as the job does. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      await this.turn();
      return await job();
    } finally {
      this.release();
    }
  }

  private async turn() {
    await nextTurn();
    const until = Date.now() + MAX_DEFER_MS;
    while (this.inbound() > 0 && Date.now() < until) await pause(1);
  }

  /** Resolves when no job runs or waits. */
  drained(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  private release() {
    const next = this.waiting.shift();
    if (next) return next(); // the slot passes on to the next job
    this.running--;
    if (this.running === 0) for (const resolve of this.idle) resolve();
    if (this.running === 0) this.idle.clear();
  }
}

