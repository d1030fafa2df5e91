import { RUN_STATES, type RunState, type RunStatusReport } from '../api-tokens.ts';
import { InvalidInputError, InvalidStateError, NotFoundError } from '../errors.ts';
import { formatId } from '../ids.ts';
import type { Actor } from '../ports.ts';
import { type ServiceDeps, audit, audited } from '../service-deps.ts';

/**
 * A status callback (DESIGN.md section 11): an outside system doing a run's work (a webhook target) reports how it
 * goes. Kept with the run, in order, while the run runs; a run that ended takes none.
 */
export async function reportRunStatus(deps: ServiceDeps, actor: Actor, runId: number, report: { state: string; description?: string }): Promise<RunStatusReport> {
  const id = formatId('run', runId);
  return audited(deps, actor, 'run status', id, async () => {
    if (!RUN_STATES.includes(report.state as RunState)) throw new InvalidInputError(`“${report.state}” is not a run state: one of ${RUN_STATES.join(', ')}.`).about('state');
    const run = await deps.store.runs.byId(runId);
    if (!run) throw new NotFoundError(id, 'Report the status of the run the webhook named.');
    if (run.status !== 'running') throw new InvalidStateError(`${id} has ended (${run.status}): a status is reported only while its run runs.`);
    const status: RunStatusReport = { runId, at: deps.clock.now(), reporter: actor.user, state: report.state as RunState, description: report.description?.trim() || null };
    await deps.store.runStatuses.report(status);
    await audit(deps.store, deps, actor, 'run status', id, status.state, status.description ? { description: status.description } : null);
    return status;
  });
}
