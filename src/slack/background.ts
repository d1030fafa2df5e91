import { type Inbound, noInbound } from './inbound.ts';

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Work starts once no request from Slack has come or gone for this long: a burst of requests is acknowledged first. */
const QUIET_MS = 20;
/**
 * …or once it has waited this long, so that work is delayed under load, never starved. A modal must be opened within
 * 3 s of the click or command that asks for it (its trigger expires), which bounds the wait of work that may open one.
 */
const MAX_DEFER_MS = 1000;
/**
 * How long `patient` work waits for a quiet moment before it even asks for its turn: it answers through a response
 * URL (valid for 30 minutes) or a card, never a modal, so it leaves a burst of acknowledgements alone for longer. It
 * waits without holding a turn, so that work which may open a modal is never held up by it.
 */
const PATIENT_MAX_DEFER_MS = 5000;
const CHECK_EVERY_MS = 5;

/**
 * The work that follows an acknowledgement. Slack waits only for the acknowledgement, so it must never wait behind
 * the work of earlier requests: jobs run a few at a time, each once the requests being received have been
 * acknowledged and a quiet moment has come (or MAX_DEFER_MS has passed). The embedded database runs its queries on
 * this thread: without this, a burst of clicks would hold every acknowledgement behind all their work.
 */
export class Background {
  private running = 0;
  /** Patient jobs waiting for quiet before they ask for a turn. */
  private patientlyWaiting = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly idle = new Set<() => void>();
  /** One shared wait for a quiet moment per longest wait, however many jobs wait for it. */
  private readonly quietMoments = new Map<number, Promise<void>>();

  constructor(
    private readonly concurrency: number,
    private readonly inbound: Inbound = noInbound,
  ) {}

  /**
   * Runs `job` when its turn comes; resolves or rejects as the job does. `beforeAck`: the request still waits for
   * this job's outcome (a modal submission), so its own open request must not hold it back waiting for quiet.
   * `patient`: the job opens no modal, so it may wait longer for quiet (see PATIENT_MAX_DEFER_MS).
   */
  async run<T>(job: () => Promise<T>, o: { beforeAck?: boolean; patient?: boolean } = {}): Promise<T> {
    if (o.patient && !o.beforeAck) {
      this.patientlyWaiting++;
      try {
        await this.quiet(PATIENT_MAX_DEFER_MS);
      } finally {
        this.patientlyWaiting--;
      }
    }
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      if (!o.beforeAck) await this.quiet(MAX_DEFER_MS);
      return await job();
    } finally {
      this.release();
    }
  }

  /**
   * Starts `job` when its turn comes, detached from the request that asked for it; the job answers its own errors.
   * Bolt holds a request's objects (the HTTP request and response, the raw and parsed body) until its listener
   * returns: listeners that awaited their turn kept a whole burst of them alive, and every garbage collection during
   * the burst copied them, pausing the acknowledgements of the requests after them.
   */
  start(job: () => Promise<void>, o: { patient?: boolean } = {}) {
    void this.run(job, o);
  }

  /** Resolves when no job runs or waits. */
  drained(): Promise<void> {
    if (this.running === 0 && this.patientlyWaiting === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  private quiet(maxDefer: number): Promise<void> {
    let moment = this.quietMoments.get(maxDefer);
    if (!moment) {
      moment = this.waitForQuiet(maxDefer).finally(() => this.quietMoments.delete(maxDefer));
      this.quietMoments.set(maxDefer, moment);
    }
    return moment;
  }

  private async waitForQuiet(maxDefer: number) {
    const until = Date.now() + maxDefer;
    await pause(0);
    while (Date.now() < until && (this.inbound.open() > 0 || Date.now() - this.inbound.lastActivity() < QUIET_MS)) await pause(CHECK_EVERY_MS);
  }

  private release() {
    const next = this.waiting.shift();
    if (next) return next(); // the slot passes on to the next job
    this.running--;
    if (this.running > 0 || this.patientlyWaiting > 0) return;
    for (const resolve of this.idle) resolve();
    this.idle.clear();
  }
}
