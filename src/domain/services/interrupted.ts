import { type ServiceDeps, audit } from '../service-deps.ts';
import { moveRequest } from '../states.ts';
import { formatId } from '../ids.ts';
import type { Actor, Repositories } from '../ports.ts';
import type { LogLine, Run, RunKind } from '../types.ts';
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
  await endLeftoverCommands(deps);
  const recovered: Run[] = [];
  for (const run of await deps.store.runs.orphaned()) {
    const now = deps.clock.now();
    const ended = await deps.store.transaction(async (tx) => {
      if (!(await tx.runs.finish(run.id, 'interrupted', now, INTERRUPTED))) return false;
      await appendToLog(tx, run.id, [{ at: now, level: 'error', text: 'Interrupted: the process running this stopped before it finished. Nothing was changed; it can be run again.' }, ...(await unknownTargets(tx, run, now))]);
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

/** A deployment cut off may have been cut off while its targets acted: what they hold is not known. */
async function unknownTargets(tx: Repositories, run: Run, at: Date): Promise<LogLine[]> {
  if (run.kind !== 'deploy' || run.environmentId === null) return [];
  const env = await tx.environments.byId(run.environmentId);
  if (!env?.targets.length) return [];
  const names = env.targets.map((t) => t.name).join(', ');
  return [{ at, level: 'warn', text: `The state of its targets (${names}) is unknown: they may have done part of their work before it stopped. Check them by hand before deploying again.` }];
}

/** Commands that a bot which died left running on this machine: ended, and said in the log of their run. */
async function endLeftoverCommands(deps: ServiceDeps) {
  for (const { run, group } of (await deps.actions?.endLeftovers()) ?? []) {
    const id = /^RUN-(\d+)$/.exec(run)?.[1];
    if (!id) continue;
    const text = `A command of this run (process group ${group}) was still running on this machine after the bot stopped: it was ended, with everything it started.`;
    await appendToLog(deps.store, Number(id), [{ at: deps.clock.now(), level: 'warn', text }]);
  }
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
  await appendToLog(deps.store, run.id, [{ at: now, level: 'warn', text: said }]);
}

/** Lines added after those the run's log holds (of a run no process writes any more). */
async function appendToLog(repos: Repositories, runId: number, lines: LogLine[]) {
  await repos.runs.appendLines(runId, await repos.runs.lineCount(runId), lines);
}
