import { RUN_STATES, type RunState, type RunStatusReport } from '../api-tokens.ts';
import { InvalidInputError, InvalidStateError, NotFoundError, NotPermittedError } from '../errors.ts';
import { formatId } from '../ids.ts';
import type { Actor } from '../ports.ts';
import { type ServiceDeps, audit, audited } from '../service-deps.ts';
import { hashOfSecret } from './tokens.ts';

/** Who reports a status: a token with the scope `runs:status`, or the callback token a webhook target was given with the run. */
export type StatusReporter = { actor: Actor } | { callback: string };

/**
 * A status callback (DESIGN.md section 11): an outside system doing a run's work (a webhook target) reports how it
 * goes. Kept with the run, in order, while the run runs; a run that ended takes none. A run's callback token reports
 * that run only; a status reported with it to the process whose deployment waits for it reaches the deployment at once.
 */
export async function reportRunStatus(deps: ServiceDeps, reporter: StatusReporter, runId: number, report: { state: string; description?: string }): Promise<RunStatusReport> {
  const id = formatId('run', runId);
  const actor: Actor = 'actor' in reporter ? reporter.actor : { user: `webhook:${id}`, via: 'api' };
  if (!RUN_STATES.includes(report.state as RunState)) throw new InvalidInputError(`“${report.state}” is not a run state: one of ${RUN_STATES.join(', ')}.`).about('state');
  const status: RunStatusReport = { runId, at: deps.clock.now(), reporter: actor.user, state: report.state as RunState, description: report.description?.trim() || null };
  if ('callback' in reporter) {
    const hash = hashOfSecret(reporter.callback);
    const inbox = deps.statusInbox;
    if (inbox?.deliver(runId, hash, status)) {
      // Written once the database is free: on PGlite, once the deployment's transaction has ended, and maybe the run
      // with it (the status came while it ran). The run's log has it meanwhile.
      inbox.writeBehind(() => record(deps, actor, status, false));
      return status;
    }
    if (!(await deps.store.runs.takesCallback(runId, hash))) throw new NotPermittedError(`This callback token does not report ${id}: use the token the webhook was given with this run, and the run it named.`);
  }
  return record(deps, actor, status, true);
}

async function record(deps: ServiceDeps, actor: Actor, status: RunStatusReport, whileRunning: boolean) {
  const id = formatId('run', status.runId);
  return audited(deps, actor, 'run status', id, async () => {
    const run = await deps.store.runs.byId(status.runId);
    if (!run) throw new NotFoundError(id, 'Report the status of the run the webhook named.');
    if (whileRunning && run.status !== 'running') throw new InvalidStateError(`${id} has ended (${run.status}): a status is reported only while its run runs.`);
    await deps.store.runStatuses.report(status);
    await audit(deps.store, deps, actor, 'run status', id, status.state, status.description ? { description: status.description } : null);
    return status;
  });
}
