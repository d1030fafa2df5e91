import { InvalidStateError } from './errors.ts';
import type { ChangeRequestState, RequestState } from './types.ts';

/** Requests that still sit in a queue: their change set counts as sent. */
export const QUEUED_STATES: RequestState[] = ['pending_approval', 'approved', 'deploying', 'failed'];
export const FINAL_STATES: RequestState[] = ['deployed', 'rejected', 'expired', 'reverted'];

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
  in_progress: ['deployed'],
  deployed: ['completed'],
  completed: [],
  rejected: [],
};

/** States a request may leave towards `to`. */
export const requestStatesLeadingTo = (to: RequestState) =>
  (Object.keys(REQUEST_TRANSITIONS) as RequestState[]).filter((from) => REQUEST_TRANSITIONS[from].includes(to));

export function assertChangeRequestTransition(label: string, from: ChangeRequestState, to: ChangeRequestState) {
  if (!CHANGE_REQUEST_TRANSITIONS[from].includes(to)) {
    throw new InvalidStateError(`${label} is ${describeState(from)}, so it cannot become ${describeState(to)}.`);
  }
}

/** Change requests whose approval still stands: they may be attached to a send and deployed. */
export const ATTACHABLE_CHANGE_REQUEST_STATES: ChangeRequestState[] = ['approved', 'in_progress', 'deployed'];

export const describeState = (state: string) => state.replace(/_/g, ' ');
