import { formatId, parseId } from '../../../domain/ids.ts';
import { describeState } from '../../../domain/states.ts';
import { changeRequestReply, changeRequestsReply } from '../../blocks/replies.ts';
import { actorOf } from '../../listener-deps.ts';
import { openNewChangeRequest } from '../../modals.ts';
import type { Invocation, Subcommand } from './subcommand.ts';
import { escape } from '../../blocks/format.ts';

const idOf = (call: Invocation) => parseId(call.args[1]!, 'changeRequest').id;

const ACTIONS: Record<string, { needsId: boolean; run(call: Invocation): Promise<void> }> = {
  new: { needsId: false, run: (call) => openNewChangeRequest(call.opening) },
  list: { needsId: false, run: async ({ reply, deps }) => reply(changeRequestsReply(await deps.services.changeRequests.list())) },
  show: {
    needsId: true,
    run: async (call) => {
      const details = await call.deps.services.changeRequests.show(idOf(call));
      await call.reply(changeRequestReply(details.changeRequest, details.votes, details.requests));
    },
  },
  submit: {
    needsId: true,
    run: async (call) => {
      const cr = await call.deps.services.changeRequests.submit(actorOf(call.user), idOf(call));
      await call.reply(`${formatId('changeRequest', cr.id)} is ${describeState(cr.state)}: its approval card, with Approve and Reject, is in production's channel.`);
    },
  },
  complete: {
    needsId: true,
    run: async (call) => {
      const cr = await call.deps.services.changeRequests.complete(actorOf(call.user), idOf(call));
      await call.reply(`${formatId('changeRequest', cr.id)} is ${describeState(cr.state)}.`);
    },
  },
};

export const CHANGE_REQUEST_USAGE = '`/sandbox cr new`, `/sandbox cr list`, `/sandbox cr show CR-3`, `/sandbox cr submit CR-3`, `/sandbox cr complete CR-3`';

export const changeRequestSubcommand: Subcommand = {
  args: [1, 2],
  needs: `what to do with change requests: ${CHANGE_REQUEST_USAGE}`,
  async run(call) {
    const name = call.args[0]!.toLowerCase();
    const action = ACTIONS[name];
    if (!action) return call.reply(`:no_entry: \`cr ${escape(call.args[0]!)}\` is not a change request command. Use ${CHANGE_REQUEST_USAGE}.`);
    if (action.needsId !== (call.args.length === 2)) {
      return call.reply(`:no_entry: \`/sandbox cr ${name}\` ${action.needsId ? 'needs a change request id, e.g. `CR-3`' : 'takes no more words'}. Use ${CHANGE_REQUEST_USAGE}.`);
    }
    await action.run(call);
  },
};
