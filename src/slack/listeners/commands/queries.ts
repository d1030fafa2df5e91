import { formatId, parseId } from '../../../domain/ids.ts';
import { diffText } from '../../../domain/diff.ts';
import { compareText, reportText } from '../../../text/reports.ts';
import { escape } from '../../blocks/format.ts';
import { auditReply, codeReply, componentsReply, queueReply, runsReply, statusReply, whoamiReply } from '../../blocks/replies.ts';
import { helpText } from '../../blocks/usage.ts';
import { actorOf } from '../../listener-deps.ts';
import type { Subcommand } from './subcommand.ts';

/** How many components `/sandbox components` shows: a private reply, read on a screen (the command line lists all). */
const COMPONENTS_SHOWN = 50;

/** Subcommands that only read: they answer privately to whoever asked. */
export const querySubcommands: Record<string, Subcommand> = {
  help: { args: [0, 0], run: ({ reply }) => reply({ text: helpText() }) },
  status: { args: [0, 0], run: async ({ reply, deps }) => reply(statusReply(await deps.services.status())) },
  queue: { args: [0, 1], run: async ({ args, reply, deps }) => reply(queueReply(await deps.services.queue(args[0]))) },
  logs: {
    args: [1, 1],
    needs: 'a run or request id, e.g. `RUN-4` or `DR-12`',
    run: async ({ args, reply, deps }) => reply(runsReply(args[0]!.toUpperCase(), await deps.services.logs(args[0]!))),
  },
  compare: {
    args: [2, 2],
    needs: 'two instances, e.g. `staging production`',
    run: async ({ args, reply, deps }) => {
      const { from, to, differences } = await deps.services.compare(args[0]!, args[1]!);
      await reply(codeReply(`*Compare ${from.name} → ${to.name}*`, compareText(from.name, to.name, differences), `\`sandbox compare ${from.name} ${to.name}\` on the command line lists every difference.`));
    },
  },
  diff: {
    args: [1, 2],
    needs: 'a request id, and a component if you like, e.g. `DR-12` or `DR-12 Layout/Account`',
    run: async ({ args, reply, deps }) => {
      const requestNumber = parseId(args[0]!, 'request').id;
      const id = formatId('request', requestNumber);
      const { items } = await deps.services.diff(requestNumber, args[1]);
      const scope = args[1] ? ` --key ${args[1]}` : '';
      await reply(codeReply(`*Changes of ${id}*${args[1] ? ` in ${escape(args[1])}` : ''}`, diffText(items), `\`sandbox diff ${id}${scope}\` on the command line prints it whole.`));
    },
  },
  report: {
    args: [1, 1],
    needs: 'a request id, e.g. `DR-12`',
    run: async ({ args, reply, deps }) => {
      const id = formatId('request', parseId(args[0]!, 'request').id);
      await reply(codeReply(`*Report of ${id}*`, reportText(await deps.services.report(id)), `\`sandbox report ${id}\` on the command line prints it whole.`));
    },
  },
  components: {
    args: [1, 1],
    needs: 'an instance, e.g. `dev-alice`',
    run: async ({ args, reply, deps }) => reply(componentsReply(await deps.services.components.summarize(args[0]!, COMPONENTS_SHOWN))),
  },
  audit: { args: [0, 0], run: async ({ reply, deps }) => reply(auditReply(await deps.services.audit({ limit: 25 }))) },
  whoami: { args: [0, 0], run: async ({ user, reply, deps }) => reply(whoamiReply(await deps.services.whoami(actorOf(user)))) },
};
