import { formatId, parseId } from '../../../domain/ids.ts';
import { describeState } from '../../../domain/states.ts';
import { changeRequestComparisonReply, changeRequestReply, changeRequestsReply, changeRequestSyncedText } from '../../blocks/change-request-card.ts';
import { actorOf } from '../../listener-deps.ts';
import { openNewChangeRequest } from '../../modals.ts';
import type { Invocation, Subcommand } from './subcommand.ts';
import { escape } from '../../blocks/format.ts';

const idOf = (call: Invocation) => parseId(call.args[1]!, 'changeRequest').id;

/** Each action with the words it takes after its name (shown when they are missing) and what it does. */
const ACTIONS: Record<string, { words: string[]; run(call: Invocation): Promise<void> }> = {
  new: { words: [], run: (call) => openNewChangeRequest(call.opening) },
  list: { words: [], run: async ({ reply, deps }) => reply(changeRequestsReply(await deps.services.changeRequests.list())) },
  show: { words: ['a change request id, e.g. `CR-3`'], run: async (call) => call.reply(changeRequestReply(await call.deps.services.changeRequests.show(idOf(call)))) },
  submit: {
    words: ['a change request id, e.g. `CR-3`'],
    run: async (call) => {
      const cr = await call.deps.services.changeRequests.submit(actorOf(call.user), idOf(call));
      await call.reply(`${formatId('changeRequest', cr.id)} is ${describeState(cr.state)}: its approval card, with Approve and Reject, is in production's channel.`);
    },
  },
  sync: {
    words: ['a change request id, e.g. `CR-3`', 'the instance to work on it in, e.g. `dev-alice`'],
    run: async (call) => call.reply(changeRequestSyncedText(await call.deps.services.changeRequests.sync(actorOf(call.user), idOf(call), call.args[2]!))),
  },
  compare: {
    words: ['a change request id, e.g. `CR-3`'],
    run: async (call) => call.reply(changeRequestComparisonReply(await call.deps.services.changeRequests.compare(idOf(call)))),
  },
  complete: {
    words: ['a change request id, e.g. `CR-3`'],
    run: async (call) => {
      const cr = await call.deps.services.changeRequests.complete(actorOf(call.user), idOf(call));
      await call.reply(`${formatId('changeRequest', cr.id)} is ${describeState(cr.state)}.`);
    },
  },
};

export const CHANGE_REQUEST_USAGE =
  '`/sandbox cr new`, `/sandbox cr list`, `/sandbox cr show CR-3`, `/sandbox cr submit CR-3`, `/sandbox cr sync CR-3 dev-alice`, `/sandbox cr compare CR-3`, `/sandbox cr complete CR-3`';

export const changeRequestSubcommand: Subcommand = {
  args: [1, 3],
  needs: `what to do with change requests: ${CHANGE_REQUEST_USAGE}`,
  async run(call) {
    const name = call.args[0]!.toLowerCase();
    const action = ACTIONS[name];
    if (!action) return call.reply(`:no_entry: \`cr ${escape(call.args[0]!)}\` is not a change request command. Use ${CHANGE_REQUEST_USAGE}.`);
    const given = call.args.length - 1;
    if (given !== action.words.length) {
      const wanted = action.words.length ? `needs ${action.words.join(' and ')}` : 'takes no more words';
      return call.reply(`:no_entry: \`/sandbox cr ${name}\` ${wanted}. Use ${CHANGE_REQUEST_USAGE}.`);
    }
    await action.run(call);
  },
};
