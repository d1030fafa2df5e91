import { parentPort } from 'node:worker_threads';
import { componentDiffs, type DiffItem } from '../domain/diff.ts';

/** A worker thread of diff-workers.ts: draws the diffs of each batch it is sent, within the answer's deadline. */
parentPort!.on('message', ({ id, items, deadline }: { id: number; items: DiffItem[]; deadline: number }) => {
  parentPort!.postMessage({ id, diffs: componentDiffs(items, Date.now, deadline) });
});
