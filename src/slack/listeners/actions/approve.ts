import { formatId, parseId } from '../../../domain/ids.ts';
import { describeState } from '../../../domain/states.ts';
import { actorOf } from '../../listener-deps.ts';
import type { Click } from './button.ts';

/** Approve: one vote, counted at once; the card updates itself, the voter hears where the request stands. */
export async function approveClicked({ value, user, reply, deps }: Click) {
  const { id } = parseId(value, 'request');
  const result = await deps.services.approve(actorOf(user), id);
  const ref = formatId('request', id);
  await reply(
    result.decided
      ? `:white_check_mark: Your approval decided it: ${ref} is approved and waits in the queue.`
      : `:ballot_box_with_check: Your approval of ${ref} is recorded: ${result.approvals} of ${result.required}.`,
  );
}

/** Approve on a change request's card: one vote; the card shows the count, the creator hears the decision. */
export async function approveChangeRequestClicked({ value, user, reply, deps }: Click) {
  const { id } = parseId(value, 'changeRequest');
  const cr = await deps.services.changeRequests.approve(actorOf(user), id);
  const ref = formatId('changeRequest', id);
  await reply(cr.state === 'approved' ? `:white_check_mark: Your approval decided it: ${ref} is approved.` : `:ballot_box_with_check: Your approval of ${ref} is recorded; it is still ${describeState(cr.state)}.`);
}
