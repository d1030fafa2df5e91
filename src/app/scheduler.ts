import { createTask, type ScheduledTask } from 'node-cron';

/** The scheduled jobs, by name; each is run on one replica per tick. */
export type Jobs = Record<string, () => Promise<void>>;

export interface SchedulerOptions {
  /** Cron expression of each job (node-cron syntax, seconds optional). */
  crons: Record<string, string>;
  timezone: string;
  /** Claims one tick of one job (`tick:2026-11-22T18:00:30.000Z`) for this process; false if another took it. */
  claim(key: string): Promise<boolean>;
  warn(message: string): void;
}

export interface Scheduler {
  stop(): Promise<void>;
}

/**
 * Starts each job on its cron. Every replica runs the same crons; node-cron's run coordinator asks the database
 * which of them takes each tick, so a job runs once per tick across all replicas. A tick still running when the
 * next comes is skipped in this process (another replica may take it).
 */
export function startScheduler(jobs: Jobs, options: SchedulerOptions): Scheduler {
  const tasks: ScheduledTask[] = Object.entries(jobs).map(([name, job]) => {
    const task = createTask(
      options.crons[name]!,
      async () => {
        try {
          await job();
        } catch (error) {
          options.warn(`The scheduled job "${name}" failed: ${(error as Error).message}`);
        }
      },
      {
        name,
        timezone: options.timezone,
        noOverlap: true,
        distributed: true,
        runCoordinator: { shouldRun: (key) => options.claim(key) },
        suppressMissedWarning: true,
      },
    );
    void task.start();
    return task;
  });
  return {
    async stop() {
      await Promise.all(tasks.map((t) => t.destroy()));
    },
  };
}
