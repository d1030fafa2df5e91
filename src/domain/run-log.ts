import type { ServiceDeps } from './service-deps.ts';
import type { Repositories } from './ports.ts';
import type { LogLevel, LogLine, Run, RunStatus } from './types.ts';

/** Lines waiting to be stored that start a write behind the run (a command printing 100,000 lines). */
const STORED_EVERY = 2_000;
/** Lines stored by one call of the repository. */
const STORED_AT_ONCE = 5_000;

/**
 * Lines not stored yet, kept lean (a time, a level and a text each, no object): a run may print 100,000 of them
 * while its transaction holds the embedded database, and they wait here until it ends.
 */
class PendingLines {
  private at: number[] = [];
  private level: LogLevel[] = [];
  private text: string[] = [];

  get length() {
    return this.text.length;
  }

  push(line: LogLine) {
    this.at.push(line.at.getTime());
    this.level.push(line.level);
    this.text.push(line.text);
  }

  /** The first `count` lines, taken out. */
  take(count: number): LogLine[] {
    const n = Math.min(count, this.length);
    const lines = Array.from({ length: n }, (_, i) => ({ at: new Date(this.at[i]!), level: this.level[i]!, text: this.text[i]! }));
    this.at.splice(0, n);
    this.level.splice(0, n);
    this.text.splice(0, n);
    return lines;
  }

  /** Lines put back in front, as they were (their write failed). */
  putBack(lines: LogLine[]) {
    this.at.unshift(...lines.map((l) => l.at.getTime()));
    this.level.unshift(...lines.map((l) => l.level));
    this.text.unshift(...lines.map((l) => l.text));
  }
}

/**
 * The log of one run. Each line reaches the sink the moment it is written; lines are stored in order at `flush()`,
 * which callers invoke outside of transactions so that a rolled-back deployment still keeps the log of why it failed,
 * and behind the run's back once many wait (on PGlite such a write waits for the deployment's transaction to end).
 */
export class RunLog {
  private readonly pending = new PendingLines();
  private stored = 0;
  /** The writes of lines, one after another: each takes every line waiting when its turn comes. */
  private writing: Promise<void> = Promise.resolve();
  private writeQueued = false;

  constructor(
    readonly run: Run,
    private readonly deps: ServiceDeps,
  ) {}

  info(text: string) {
    this.write('info', text);
  }

  warn(text: string) {
    this.write('warn', text);
  }

  error(text: string) {
    this.write('error', text);
  }

  /** Step `done` of `total`, called `name`, is under way; the sink shows it as progress. */
  progress(done: number, total: number, name: string) {
    this.notify(() => this.deps.sink.progress?.(this.run, { done: Math.min(done, total), total, name }));
  }

  /** Lets the sink get ready for the run's work (see LogSink.started); call it before the run's transaction. */
  async begin() {
    try {
      await this.deps.sink.started?.(this.run);
    } catch {
      // As with every sink call: the run goes on whatever its sink does.
    }
  }

  private write(level: LogLevel, text: string) {
    const line = { at: this.deps.clock.now(), level, text };
    this.pending.push(line);
    this.notify(() => this.deps.sink.line(this.run, line));
    // A failure is not lost: its lines wait for the next write, and `finish` reports it.
    if (this.pending.length >= STORED_EVERY && !this.writeQueued) this.flush().catch(() => {});
  }

  private notify(call: () => void) {
    try {
      call();
    } catch {
      // A failing sink (e.g. chat unavailable) must never change the outcome of a run.
    }
  }

  /** Stores every line written so far, after the writes under way. */
  flush(): Promise<void> {
    this.writeQueued = true;
    const turn = this.writing.then(async () => {
      this.writeQueued = false;
      while (this.pending.length) {
        const lines = this.pending.take(STORED_AT_ONCE);
        try {
          await this.deps.store.runs.appendLines(this.run.id, this.stored, lines);
          this.stored += lines.length;
        } catch (error) {
          this.pending.putBack(lines);
          throw error;
        }
      }
    });
    this.writing = turn.catch(() => {});
    return turn;
  }

  /**
   * Ends the run with `status`, unless its end is already recorded: inside the deployment's own transaction, or
   * by a process that took this one for dead (it is then `interrupted`). The run as recorded is returned.
   */
  async finish(status: RunStatus, summary: string | null): Promise<Run> {
    await this.flush();
    const endedAt = this.deps.clock.now();
    const ended = await this.deps.store.runs.finish(this.run.id, status, endedAt, summary);
    const finished = ended ? { ...this.run, status, endedAt, summary } : ((await this.deps.store.runs.byId(this.run.id)) ?? this.run);
    this.notify(() => this.deps.sink.finished?.(finished));
    return finished;
  }
}

/** A command's output as lines of a run's log (none: nowhere): `[name] text`, what it printed on stderr as warnings. */
export const commandOutput =
  (log: RunLog | undefined, name: string) =>
  (text: string, stream: 'stdout' | 'stderr') => {
    if (stream === 'stderr') log?.warn(`[${name}] ${text}`);
    else log?.info(`[${name}] ${text}`);
  };

/** Records a new run (within `repos`' transaction when given) and returns its log. */
export async function startRun(
  deps: ServiceDeps,
  run: Pick<Run, 'kind' | 'user' | 'message' | 'requestId' | 'instanceId' | 'environmentId'> & { callbackHash?: string },
  repos: Repositories = deps.store,
): Promise<RunLog> {
  const created = await repos.runs.create({ ...run, startedAt: deps.clock.now() });
  return new RunLog(created, deps);
}
