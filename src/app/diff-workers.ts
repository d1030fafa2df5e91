import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type ComponentDiff, type DiffDrawer, drawHere } from '../domain/diff.ts';
import { packageFile } from '../package-files.ts';

/** Batches smaller than this (characters of both sides) are drawn here: a worker's round trip would cost more. */
const SMALL = 64 * 1024;

interface Job {
  resolve(diffs: ComponentDiff[]): void;
  reject(error: Error): void;
}

/**
 * Draws big batches of diffs in worker threads (as many as the machine has cores, two at most: the process's own
 * thread reads the next batch meanwhile), so that a long diff never holds up acknowledgements or the database, and a
 * 10,000-item package is drawn on every core. Started on first need; without the built worker (dist/diff-worker.js),
 * everything is drawn here.
 */
export function diffWorkers(size = Math.min(2, availableParallelism())): DiffDrawer & { close(): Promise<void> } {
  const script = packageFile('dist/diff-worker.js');
  const workers: { worker: Worker; jobs: Map<number, Job> }[] = [];
  let next = 0;

  function start() {
    const worker = new Worker(script);
    const jobs = new Map<number, Job>();
    worker.on('message', ({ id, diffs }: { id: number; diffs: ComponentDiff[] }) => {
      jobs.get(id)?.resolve(diffs);
      jobs.delete(id);
      if (jobs.size === 0) worker.unref();
    });
    worker.on('error', (error) => {
      for (const job of jobs.values()) job.reject(error);
      workers.splice(workers.findIndex((w) => w.worker === worker), 1);
    });
    worker.unref();
    const entry = { worker, jobs };
    workers.push(entry);
    return entry;
  }

  /** The worker with the fewest batches in hand, started if there is room for one more. */
  function leastBusy() {
    const idle = workers.find((w) => w.jobs.size === 0);
    if (idle) return idle;
    if (workers.length < size) return start();
    return workers.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
  }

  return {
    draw(items, deadline) {
      const chars = items.reduce((n, i) => n + (i.before?.length ?? 0) + (i.after?.length ?? 0), 0);
      if (chars < SMALL || !existsSync(script)) return drawHere.draw(items, deadline);
      const { worker, jobs } = leastBusy();
      const id = next++;
      return new Promise<ComponentDiff[]>((resolve, reject) => {
        jobs.set(id, { resolve, reject });
        // Kept alive while it has work, so that a command waiting for its diffs does not end first.
        worker.ref();
        worker.postMessage({ id, items, deadline });
      });
    },
    async close() {
      await Promise.all(workers.splice(0).map((w) => w.worker.terminate()));
    },
  };
}
