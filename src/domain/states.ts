import { InvalidStateError } from './errors.ts';
import type { Repositories } from './ports.ts';
import type { ChangeRequestState, DeploymentRequest, RequestState } from './types.ts';

/** Requests that still sit in a queue: their change set counts as sent. */
export const QUEUED_STATES: RequestState[] = ['pending_approval', 'approved', 'deploying', 'failed'];
/** Queued requests nobody is deploying right now: they may still be validated or rejected. */
export const WAITING_STATES: RequestState[] = QUEUED_STATES.filter((s) => s !== 'deploying');

export const REQUEST_TRANSITIONS: Record<RequestState, RequestState[]> = {
  pending_approval: ['approved', 'rejected', 'expired'],
  approved: ['deploying', 'rejected', 'expired'],
  deploying: ['deployed', 'failed'],
  failed: ['deploying', 'rejected', 'expired'],
  deployed: ['reverted'],
  rejected: [],
  expired: [],
  reverted: [],
};

export const CHANGE_REQUEST_TRANSITIONS: Record<ChangeRequestState, ChangeRequestState[]> = {
  draft: ['pending_approval'],
  pending_approval: ['approved', 'rejected'],
  approved: ['in_progress', 'deployed'],
  in_progress: ['approved', 'deployed'],
  deployed: ['completed', 'reverted'],
  completed: ['reverted'],
  rejected: [],
  reverted: [],
};

/** Guards every state change of a request: a move the state machine does not have is a programming error. */
export function assertRequestTransition(from: readonly RequestState[], to: RequestState) {
  const illegal = from.filter((state) => !REQUEST_TRANSITIONS[state].includes(to));
  if (illegal.length) throw new Error(`a deployment request cannot move from ${illegal.join(', ')} to ${to}`);
}

export function assertChangeRequestTransition(label: string, from: ChangeRequestState, to: ChangeRequestState) {
  if (!CHANGE_REQUEST_TRANSITIONS[from].includes(to)) {
    throw new InvalidStateError(`${label} is ${describeState(from)}, so it cannot become ${describeState(to)}.`);
  }
}

/** Change requests whose approval still stands: they may be attached to a send and deployed. */
export const ATTACHABLE_CHANGE_REQUEST_STATES: ChangeRequestState[] = ['approved', 'in_progress', 'deployed'];

/** Change requests that may be synced to an instance to be worked on: approved, and not yet deployed. */
export const SYNCABLE_CHANGE_REQUEST_STATES: ChangeRequestState[] = ['approved', 'in_progress'];

export const describeState = (state: string) => state.replace(/_/g, ' ');

const STATES = new Set<string>([...Object.keys(REQUEST_TRANSITIONS), ...Object.keys(CHANGE_REQUEST_TRANSITIONS)]);

/** What an audited action ended in, in words: a state as people say it (`pending approval`), anything else as recorded. */
export const describeOutcome = (outcome: string) => (STATES.has(outcome) ? describeState(outcome) : outcome);

/** Moves a request along its state machine, only if it is still in one of `from`; undefined when it was not. */
export function moveRequest(repos: Repositories, id: number, from: RequestState[], to: RequestState, changes: Partial<DeploymentRequest>) {
  assertRequestTransition(from, to);
  // A deployment that starts (or a request that ends) replaces its scheduled deployment: nothing is left to run later.
  const unscheduled = to === 'approved' || to === 'failed' ? {} : { scheduledAt: null, scheduledBy: null };
  return repos.requests.transition(id, from, to, { ...unscheduled, ...changes });
}
