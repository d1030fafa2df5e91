import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { DomainError } from '../../../domain/errors.ts';
import { escape } from '../../blocks/format.ts';
import { helpText, meant, usageLine } from '../../blocks/usage.ts';
import { answering, replier, type SlackDeps } from '../../listener-deps.ts';
import { changeRequestSubcommand } from './change-requests.ts';
import { metricsSubcommand } from './metrics.ts';
import { querySubcommands } from './queries.ts';
import type { Invocation, Subcommand } from './subcommand.ts';
import { workSubcommands } from './work.ts';

const SUBCOMMANDS: Record<string, Subcommand> = { ...querySubcommands, ...workSubcommands, cr: changeRequestSubcommand, metrics: metricsSubcommand };

const words = (text: string) => text.trim().split(/\s+/).filter(Boolean);

/** Why the words do not fit the subcommand, or undefined when they do. */
function misfit(name: string, sub: Subcommand, args: string[]): string | undefined {
  const [min, max] = sub.args;
  if (args.length < min) return `\`/sandbox ${name}\` needs ${sub.needs ?? 'more words'}.`;
  if (args.length > max) return `\`/sandbox ${name}\` takes ${max === 0 ? 'no more words' : `at most ${max}`}, but got “${escape(args.slice(max).join(' '))}” too.`;
  return undefined;
}

/** An unknown word: the command it most likely meant, with its usage, or the whole list when none is close. */
function notACommand(word: string) {
  const refusal = `:no_entry: \`${escape(word)}\` is not a \`/sandbox\` command.`;
  const guess = meant(word.toLowerCase());
  if (!guess) return `${refusal}\n\n${helpText()}`;
  return `${refusal} Did you mean ${usageLine(guess)}? \`/sandbox help\` lists every command.`;
}

/** `/sandbox …`: acknowledged at once (Slack waits 3 seconds at most), then the subcommand runs and answers privately. */
export async function sandboxCommand({ command, ack, respond, client, deps }: AllMiddlewareArgs & SlackCommandMiddlewareArgs & { deps: SlackDeps }) {
  await ack();
  const reply = replier(deps, command.user_id, { respond, hasResponseUrl: Boolean(command.response_url), channel: command.channel_id });
  const [first = 'help', ...args] = words(command.text);
  const name = first.toLowerCase();
  const sub = SUBCOMMANDS[name];
  if (name === 'approve') return reply(':no_entry: Approvals are given in Slack with the *Approve* button on the request\'s card, in its environment\'s channel; `/sandbox queue` lists the requests waiting.');
  if (!sub) return reply(notACommand(first));
  const problem = misfit(name, sub, args);
  if (problem) return reply(`:no_entry: ${problem} Usage: ${usageLine(name)}. \`/sandbox help\` lists every command.`);
  // Input the subcommand itself refuses (a malformed id, say) is answered with its usage too.
  const usage = (error: unknown) => (error instanceof DomainError && error.code === 'INVALID_INPUT' ? ` Usage: ${usageLine(name)}.` : '');
  const invocation: Invocation = {
    args,
    rest: (n) => words(command.text).slice(n + 1).join(' '),
    user: command.user_id,
    channel: command.channel_id,
    client,
    reply,
    deps,
    opening: { client, triggerId: command.trigger_id, user: command.user_id, metadata: { channel: command.channel_id } },
  };
  deps.background.start(() => answering(deps, `/sandbox ${name}`, reply, () => sub.run(invocation), usage));
}
