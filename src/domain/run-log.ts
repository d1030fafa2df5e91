import type { ServiceDeps } from './service-deps.ts';
import type { Repositories } from './ports.ts';
import type { LogLevel, LogLine, Run, RunStatus } from './types.ts';

/**
 * The log of one run. Each line reaches the sink the moment it is written; lines are stored in order
 * at `flush()`, which callers invoke outside of transactions so that a rolled-back deployment
 * still keeps the log of why it failed.
 */
export class RunLog {
  private pending: LogLine[] = [];
  private stored = 0;

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
  }

  private notify(call: () => void) {
    try {
      call();
    } catch {
      // A failing sink (e.g. chat unavailable) must never change the outcome of a run.
    }
  }

  async flush() {
    const lines = this.pending;
    this.pending = [];
    await this.deps.store.runs.appendLines(this.run.id, this.stored, lines);
    this.stored += lines.length;
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
