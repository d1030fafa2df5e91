import { formatId, parseId } from '../../../domain/ids.ts';
import { actorOf } from '../../context.ts';
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
