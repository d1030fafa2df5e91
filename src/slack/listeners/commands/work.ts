import { DomainError } from '../../../domain/errors.ts';
import { formatId, parseId } from '../../../domain/ids.ts';
import { count } from '../../../domain/pipeline.ts';
import { parseWhen } from '../../../domain/when.ts';
import { actionsBlock, button, escape, section, slackDate } from '../../blocks/format.ts';
import { actorOf } from '../../listener-deps.ts';
import { actions } from '../../ids.ts';
import { openDeploy, openReject, openRevert, openSend, openSync } from '../../modals.ts';
import type { Invocation, Subcommand } from './subcommand.ts';
import { testConnectionsFor } from '../../connection-tests.ts';
import { conflictBlocks, conflictValue } from '../../views/conflicts.ts';
import { resolveClicked } from '../actions/conflicts.ts';

/** The instance a sync or send is about: the one named, or the user's own when they have exactly one. */
async function instanceOf({ args, user, deps }: Invocation, verb: string): Promise<string> {
  if (args[0]) return args[0];
  const instances = await deps.services.ownedInstances(actorOf(user));
  if (instances.length === 1) return instances[0]!;
  const yours = instances.length ? `Yours are ${instances.map((i) => `\`${i}\``).join(', ')}.` : 'You own no instance; name one without an owner.';
  throw new DomainError('INVALID_INPUT', `Say which instance to ${verb}: \`/sandbox ${verb} <instance>\`. ${yours}`);
}

/** The person's time zone as Slack knows it, so that `at 18:00` means their 18:00; UTC when Slack cannot say. */
async function timeZoneOf({ client, user }: Invocation): Promise<string> {
  const info = await client.users.info({ user }).catch(() => undefined);
  return info?.user?.tz ?? 'UTC';
}

/** `/sandbox deploy DR-12` asks for confirmation; `/sandbox deploy DR-12 at friday 18:00` schedules it. */
async function deployOrSchedule(call: Invocation) {
  const [ref, at] = call.args;
  if (at === undefined) return openDeploy(call.deps, call.opening, ref!);
  if (at.toLowerCase() !== 'at' || call.args.length < 3) {
    const extra = at.toLowerCase() === 'at' ? 'no time after `at`' : `“${call.rest(1)}” after the request`;
    throw new DomainError('INVALID_INPUT', `\`/sandbox deploy\` got ${extra}: deploy one request now (\`/sandbox deploy ${ref}\`), or schedule it with a time (\`/sandbox deploy ${ref} at 18:00\`).`);
  }
  const { id } = parseId(ref!, 'request');
  const when = parseWhen(call.rest(2), call.deps.services.deps.clock.now(), await timeZoneOf(call));
  const request = await call.deps.services.scheduleDeployment(actorOf(call.user), id, when);
  await call.reply(`:alarm_clock: ${formatId('request', id)} will be deployed ${slackDate(request.scheduledAt!)}, as you. \`/sandbox unschedule ${formatId('request', id)}\` or *Cancel schedule* on its card cancels it.`);
}

/** Subcommands that change things: most open a modal to confirm or complete, the rest act at once. */
export const workSubcommands: Record<string, Subcommand> = {
  sync: { args: [0, 1], run: async (call) => openSync(call.deps, call.opening, await instanceOf(call, 'sync')) },
  refresh: {
    args: [1, 1],
    needs: 'an instance kept in git, e.g. `dev-alice`',
    run: async ({ args, user, reply, deps }) => {
      const r = await deps.services.refresh(actorOf(user), args[0]!);
      const tip = `\`${r.tip.slice(0, 12)}\``;
      await reply(
        r.changed
          ? `:arrows_counterclockwise: Refreshed *${escape(r.instance.name)}* from its branch at ${tip}: ${count(r.written.length, 'component')} written, ${r.removed.length} removed.`
          : `:white_check_mark: *${escape(r.instance.name)}* holds its branch at ${tip} already: nothing to refresh.`,
      );
    },
  },
  resolve: {
    args: [1, Infinity],
    needs: 'an instance, e.g. `dev-alice`',
    run: async (call) => {
      const [instance] = call.args;
      const key = call.rest(1);
      if (key) return resolveClicked({ ...call, value: conflictValue({ instance: instance!, key }) });
      const open = await call.deps.services.conflicts.open(instance!);
      const keys = open.conflicts.map((c) => c.key);
      if (keys.length === 0) return call.reply(`:white_check_mark: ${open.instance.name} has no open conflicts.`);
      await call.reply({ text: `${count(keys.length, 'open conflict')} in ${open.instance.name}`, blocks: conflictBlocks(open.instance.name, keys, 10) });
    },
  },
  send: { args: [0, 1], run: async (call) => openSend(call.deps, call.opening, await instanceOf(call, 'send')) },
  deploy: { args: [1, Infinity], needs: 'a request id, e.g. `DR-12`', run: deployOrSchedule },
  unschedule: {
    args: [1, 1],
    needs: 'a request id, e.g. `DR-12`',
    run: async ({ args, user, reply, deps }) => {
      const request = await deps.services.unscheduleDeployment(actorOf(user), parseId(args[0]!, 'request').id);
      await reply(`:x: The scheduled deployment of ${formatId('request', request.id)} is cancelled; it waits in the queue for a deployer.`);
    },
  },
  reject: { args: [1, 1], needs: 'a request id, e.g. `DR-12`', run: (call) => openReject(call.deps, call.opening, call.args[0]!) },
  revert: { args: [0, 1], run: (call) => openRevert(call.deps, call.opening, call.args[0]) },
  validate: {
    args: [1, 1],
    needs: 'a request id, e.g. `DR-12`',
    run: async ({ args, user, reply, deps }) => {
      const { id } = parseId(args[0]!, 'request');
      const result = await deps.services.validate(actorOf(user), id);
      const problems = result.missingDependencies.length + result.drifted.length + result.failedChecks.length;
      const verdict = result.ok
        ? `:white_check_mark: ${formatId('request', id)} validates: dependencies present, every item applies cleanly${result.failedChecks.length ? '' : ', checks pass'}.`
        : `:x: ${formatId('request', id)} would fail: ${count(problems, 'problem')}. ${escape(result.run.summary ?? '')}`;
      await reply({ text: verdict, blocks: [section(verdict), actionsBlock('validate', [button('View Logs', actions.viewLogs, formatId('run', result.run.id))])] });
    },
  },
  test: {
    args: [1, 1],
    needs: 'an environment, e.g. `Staging`',
    run: async ({ args, user, reply, deps }) => {
      await testConnectionsFor(deps, user, args[0]!, () => reply(`:electric_plug: Testing the connections of ${escape(args[0]!)}: the results come in your direct messages with me as they arrive.`));
    },
  },
  lock: {
    args: [2, Infinity],
    needs: 'an environment and a reason, e.g. `Production release in progress`',
    run: async ({ args, rest, user, reply, deps }) => {
      const env = await deps.services.lock(actorOf(user), args[0]!, rest(1));
      await reply(`:lock: ${env.name} is locked: deployments to it wait until \`/sandbox unlock ${env.name}\`.`);
    },
  },
  unlock: {
    args: [1, 1],
    needs: 'an environment, e.g. `Production`',
    run: async ({ args, user, reply, deps }) => {
      const env = await deps.services.unlock(actorOf(user), args[0]!);
      await reply(`:unlock: ${env.name} is unlocked.`);
    },
  },
};
