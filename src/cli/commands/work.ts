import { type ComponentDiff, diffText } from '../../domain/diff.ts';
import { formatId } from '../../domain/ids.ts';
import { count } from '../../domain/pipeline.ts';
import type { ConflictDetails } from '../../domain/services/conflicts.ts';
import { describeState } from '../../domain/states.ts';
import { summaryText } from '../../text/reports.ts';
import type { CommandKit } from '../kit.ts';
import { forTerminal } from '../voice.ts';
import { changeRequestId, list, requestId, requestJson } from '../shapes.ts';

/** `sync`, `resolve` and `send`: a developer's work going up the pipeline. */
export function addWorkCommands({ program, print, warn, actor, userOption, withServices }: CommandKit) {
  program
    .command('sync <instance>')
    .description('pull the instance of the next environment up into this instance (three-way merge)')
    .option('--from <instance>', 'the source instance in the next environment up')
    .addOption(userOption())
    .action(
      withServices(async (s, instance: string, opts: { from?: string; user?: string }) => {
        const r = await s.sync(actor(opts), instance, opts.from);
        print({ id: formatId('run', r.run.id), state: r.run.status, instance: r.instance.name, source: r.source.name, taken: r.taken, kept: r.kept, conflicts: r.conflicts }, () =>
          [
            `Synced ${r.instance.name} with ${r.source.name}: taken ${r.taken.length}, kept ${r.kept.length}, conflicts ${r.conflicts.length}.`,
            ...r.conflicts.map((k) => `  conflict (kept yours): ${k}`),
            ...(r.conflicts.length ? [resolveHint(r.instance.name)] : []),
          ].join('\n'),
        );
      }),
    );

  program
    .command('refresh <instance>')
    .description("read a git-backed instance's branch: its components become what the branch holds")
    .addOption(userOption())
    .action(
      withServices(async (s, instance: string, opts: { user?: string }) => {
        const r = await s.refresh(actor(opts), instance);
        const tip = r.tip.slice(0, 12);
        print({ instance: r.instance.name, tip: r.tip, changed: r.changed, written: r.written, removed: r.removed }, () =>
          r.changed
            ? `Refreshed ${r.instance.name} from its branch at ${tip}: ${count(r.written.length, 'component')} written, ${r.removed.length} removed.`
            : `${r.instance.name} holds its branch at ${tip} already: nothing to refresh.`,
        );
      }),
    );

  program
    .command('resolve <instance> [component]')
    .description('sync conflicts: list them, show one (base, mine, theirs), or resolve it with --keep')
    .option('--keep <side>', 'mine (your version stays, to be sent) or theirs (the synced version replaces it)')
    .addOption(userOption())
    .action(
      withServices(async (s, instance: string, key: string | undefined, opts: { keep?: string; user?: string }) => {
        if (key === undefined) {
          const r = await s.conflicts.open(instance);
          return print({ instance: r.instance.name, conflicts: r.conflicts }, () =>
            r.conflicts.length
              ? [`${r.instance.name} has ${count(r.conflicts.length, 'open conflict')}:`, ...r.conflicts.map((c) => `  ${c.key} (changed here and in ${c.source})`), resolveHint(r.instance.name)].join('\n')
              : `${r.instance.name} has no open conflicts.`,
          );
        }
        if (opts.keep === undefined) {
          const d = await s.conflicts.details(instance, key);
          return print({ instance: d.instance.name, key, source: d.conflict.source, baseKept: d.baseKept, mine: d.mine, theirs: d.theirs }, () => conflictText(d));
        }
        const r = await s.conflicts.resolve(actor(opts), instance, key, opts.keep);
        print({ instance: r.instance.name, key: r.key, keep: r.keep }, () =>
          r.keep === 'mine'
            ? `Resolved ${r.key} in ${r.instance.name}: your version stays, and the next send carries it.`
            : `Resolved ${r.key} in ${r.instance.name}: ${r.removed ? 'removed, as the synced version has it' : 'the synced version replaces yours'}.`,
        );
      }),
    );

  program
    .command('send <instance>')
    .description('send the changes of an instance to the deployment queue of the next environment up')
    .requiredOption('--message <text>', 'the deployment message')
    .option('--cr <id>', 'an approved change request to carry (CR-3)')
    .option('--yes', 'send even though the target changed since the last sync')
    .option('--only <keys>', 'send only these changed components, comma-separated (Layout/A,Flow/B)', list)
    .option('--except <keys>', 'send every change but these components, comma-separated', list)
    .addOption(userOption())
    .action(
      withServices(async (s, instance: string, opts: { message: string; cr?: string; yes?: boolean; only?: string[]; except?: string[]; user?: string }) => {
        const r = await s.send(actor(opts), {
          instance,
          message: opts.message,
          changeRequestId: opts.cr ? changeRequestId(opts.cr) : undefined,
          confirmDrift: opts.yes === true,
          only: opts.only,
          except: opts.except,
        });
        r.warnings.forEach(warn);
        print({ ...requestJson(r.request), target: r.target.name, targetInstance: r.targetInstance.name, summary: r.summary, warnings: r.warnings.map(forTerminal) }, () =>
          `Sent ${formatId('request', r.request.id)} to ${r.target.name} (${r.targetInstance.name}): ${summaryText(r.summary)}. State: ${describeState(r.request.state)}.`,
        );
      }),
    );
}

const resolveHint = (instance: string) => `Look at one with: sandbox resolve ${instance} <component>; resolve it with --keep mine or --keep theirs.`;

function conflictText(d: ConflictDetails): string {
  const base = d.baseKept ? '' : 'The base was synced before bases were kept: both sides are shown whole.\n';
  const side = (title: string, diff: ComponentDiff) => `${title}\n${diffText([diff])}`;
  return `${base}${side(`Mine: ${d.instance.name} (base → yours)`, d.mine)}\n${side(`Theirs: ${d.conflict.source} at the sync (base → theirs)`, d.theirs)}\n${resolveHint(d.instance.name)}`;
}

/** `approve`, `reject`, `validate`, `deploy`, `unschedule`, `revert`: what happens to a request in its queue. */
export function addRequestCommands({ program, print, fail, actor, userOption, withServices }: CommandKit) {
  program
    .command('approve <request>')
    .description('approve a deployment request')
    .addOption(userOption())
    .action(
      withServices(async (s, ref: string, opts: { user?: string }) => {
        const r = await s.approve(actor(opts), requestId(ref));
        print({ ...requestJson(r.request), approvals: r.approvals, required: r.required }, () =>
          `${formatId('request', r.request.id)}: ${r.approvals} of ${r.required} approvals. State: ${describeState(r.request.state)}.`,
        );
      }),
    );

  program
    .command('reject <request>')
    .description('reject a deployment request (an approver, a deployer of its environment, or its requester)')
    .requiredOption('--reason <text>', 'why')
    .addOption(userOption())
    .action(
      withServices(async (s, ref: string, opts: { reason: string; user?: string }) => {
        const r = await s.reject(actor(opts), requestId(ref), opts.reason);
        print(requestJson(r), () => `${formatId('request', r.id)} rejected: ${r.reason}.`);
      }),
    );

  program
    .command('claim <request>')
    .description('take a request waiting for your approval on (Assign to me): the others see you hold it and may still vote')
    .addOption(userOption())
    .action(
      withServices(async (s, ref: string, opts: { user?: string }) => {
        const r = await s.claim(actor(opts), requestId(ref));
        print(requestJson(r), () => `You hold ${formatId('request', r.id)} now.`);
      }),
    );

  program
    .command('unclaim <request>')
    .description('release a request you hold (admins: any)')
    .addOption(userOption())
    .action(
      withServices(async (s, ref: string, opts: { user?: string }) => {
        const r = await s.unclaim(actor(opts), requestId(ref));
        print(requestJson(r), () => `${formatId('request', r.id)} is released: nobody holds it now.`);
      }),
    );

  program
    .command('validate <request>')
    .description('check dependencies and validate a request against its target without applying anything')
    .addOption(userOption().default('cli'))
    .action(
      withServices(async (s, ref: string, opts: { user: string }) => {
        const r = await s.validate(actor(opts), requestId(ref));
        const value = { id: formatId('run', r.run.id), state: r.run.status, ok: r.ok, missingDependencies: r.missingDependencies, drifted: r.drifted };
        const text = () => `${formatId('request', r.request.id)}: ${r.run.summary}.`;
        if (!r.ok) fail(value, text, r.run.summary ?? 'validation failed');
        print(value, text);
      }),
    );

  program
    .command('deploy <request>')
    .description('deploy an approved request to its target, now or --at a time')
    .option('--at <time>', 'schedule it instead: 18:00, tomorrow 9:00, friday 17:00, in 2 hours or 2026-12-01T18:00Z (a time without a zone is read in this machine\'s)')
    .addOption(userOption())
    .action(
      withServices(async (s, ref: string, opts: { user?: string; at?: string }) => {
        if (opts.at) {
          const { parseWhen } = await import('../../domain/when.ts'); // only here: it takes a while to load
          const planned = await s.scheduleDeployment(actor(opts), requestId(ref), parseWhen(opts.at, new Date(), Intl.DateTimeFormat().resolvedOptions().timeZone));
          return print(requestJson(planned), () => `${formatId('request', planned.id)} will be deployed at ${planned.scheduledAt!.toISOString()} by the scheduler of the running app, as ${planned.scheduledBy}.`);
        }
        const r = await s.deploy(actor(opts), requestId(ref));
        const value = { ...requestJson(r.request), run: formatId('run', r.run.id), succeeded: r.succeeded, reason: r.reason };
        if (!r.succeeded) {
          fail(value, () => `${formatId('request', r.request.id)} failed: ${r.reason}.`, `Deployment failed: ${r.reason}. The target is unchanged; fix the cause and deploy again.`);
        }
        print(value, () => `${formatId('request', r.request.id)} deployed (${formatId('run', r.run.id)}).`);
      }),
    );

  program
    .command('unschedule <request>')
    .description('cancel the scheduled deployment of a request')
    .addOption(userOption())
    .action(
      withServices(async (s, ref: string, opts: { user?: string }) => {
        const r = await s.unscheduleDeployment(actor(opts), requestId(ref));
        print(requestJson(r), () => `The scheduled deployment of ${formatId('request', r.id)} is cancelled.`);
      }),
    );

  program
    .command('revert [environment]')
    .description('restore the state before the latest deployment (production unless named) and lock the environment')
    .option('--reason <text>', 'why it is reverted: the lock\'s reason ("reverted: <text>"; "find the cause first" when none is given)')
    .option('--only <keys>', 'admins: restore only these components of the deployment, comma-separated', list)
    .addOption(userOption())
    .action(
      withServices(async (s, environment: string | undefined, opts: { user?: string; reason?: string; only?: string[] }) => {
        const r = await s.revert(actor(opts), environment, opts.reason, opts.only);
        print({ ...requestJson(r.request), run: formatId('run', r.run.id), restored: r.restored }, () =>
          `Reverted ${formatId('request', r.request.id)} in ${r.environment.name}: ${r.restored} components restored. ${r.environment.name} is now locked ("${r.lock.reason}") until someone unlocks it: sandbox unlock ${r.environment.name}`,
        );
      }),
    );
}

/** `lock` and `unlock`: stopping and allowing deployments to an environment. */
export function addLockCommands({ program, print, actor, userOption, withServices }: CommandKit) {
  program
    .command('lock <environment>')
    .description('stop every deployment to an environment until it is unlocked')
    .requiredOption('--reason <text>', 'why')
    .addOption(userOption())
    .action(withServices(async (s, environment: string, opts: { reason: string; user?: string }) => {
      const env = await s.lock(actor(opts), environment, opts.reason);
      print({ environment: env.name, lock: env.lock }, () => `${env.name} is locked: ${env.lock?.reason}.`);
    }));

  program
    .command('unlock <environment>')
    .description('allow deployments to an environment again')
    .addOption(userOption())
    .action(withServices(async (s, environment: string, opts: { user?: string }) => {
      const env = await s.unlock(actor(opts), environment);
      print({ environment: env.name, lock: null }, () => `${env.name} is unlocked.`);
    }));
}
