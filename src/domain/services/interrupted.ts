import { type ServiceDeps, audit } from '../service-deps.ts';
import { moveRequest } from '../states.ts';
import { formatId } from '../ids.ts';
import type { Actor } from '../ports.ts';
import type { Run, RunKind } from '../types.ts';
import { followCarrier } from './change-request-work.ts';
import { reconcileBranch } from './git-writes.ts';

export const INTERRUPTED = 'interrupted';

/**
 * Runs left `running` by a process that died (its lock in the database is gone): each is marked interrupted with a
 * log line, and a deployment's request becomes `failed` with the reason "interrupted", so it can be deployed again.
 * Its transaction never committed, so the target is as it was. Any process may call this at any time: a run is
 * recovered once, by whichever process ends it first.
 */
export async function recoverInterruptedRuns(deps: ServiceDeps): Promise<Run[]> {
  const recovered: Run[] = [];
  for (const run of await deps.store.runs.orphaned()) {
    const now = deps.clock.now();
    const ended = await deps.store.transaction(async (tx) => {
      if (!(await tx.runs.finish(run.id, 'interrupted', now, INTERRUPTED))) return false;
      const seq = (await tx.runs.lines(run.id)).length;
      await tx.runs.appendLines(run.id, seq, [{ at: now, level: 'error', text: 'Interrupted: the process running this stopped before it finished. Nothing was changed; it can be run again.' }]);
      const system: Actor = { user: 'system', via: 'system' };
      if (run.requestId !== null && run.kind === 'deploy') {
        const failed = await moveRequest(tx, run.requestId, ['deploying'], 'failed', { reason: INTERRUPTED, updatedAt: now });
        if (failed) await followCarrier(tx, deps, system, failed, 'failed');
      }
      await audit(tx, deps, system, 'recover', formatId('run', run.id), INTERRUPTED, run.requestId ? { request: formatId('request', run.requestId) } : null);
      return true;
    });
    if (!ended) continue;
    await reconcileAfter(deps, run, now);
    recovered.push({ ...run, status: 'interrupted', endedAt: now, summary: INTERRUPTED });
  }
  return recovered;
}

/** The runs that may commit to a git-backed instance's branch. */
const COMMITTING: readonly RunKind[] = ['deploy', 'revert', 'sync'];

/** A deployment, revert or sync into a git-backed instance may have pushed its commit before its process died: undone, and said in its log. */
async function reconcileAfter(deps: ServiceDeps, run: Run, now: Date) {
  if (run.instanceId === null || !COMMITTING.includes(run.kind)) return;
  const target = await deps.store.instances.byId(run.instanceId);
  if (!target) return;
  const said = await reconcileBranch(deps, target, run);
  if (!said) return;
  await deps.store.runs.appendLines(run.id, (await deps.store.runs.lines(run.id)).length, [{ at: now, level: 'warn', text: said }]);
}
