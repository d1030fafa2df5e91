import { formatId } from '../../domain/ids.ts';
import { count } from '../../domain/pipeline.ts';
import type { Actor } from '../../domain/ports.ts';
import type { Services } from '../../domain/services/index.ts';
import { describeState } from '../../domain/states.ts';
import type { ChangeRequest } from '../../domain/types.ts';
import { changeRequestId, changeRequestJson, list, requestJson } from '../shapes.ts';
import type { CommandKit } from '../kit.ts';
import { requestLine } from '../text.ts';

const crLine = (cr: ChangeRequest) => `${formatId('changeRequest', cr.id)}  ${describeState(cr.state).padEnd(16)} ${cr.type.padEnd(9)} ${cr.name}`;

/** `cr new|submit|approve|reject|complete|list|show`: change requests, approved in production before anything carries them there. */
export function addChangeRequestCommands({ program, print, actor, withServices, readingServices, userOption }: CommandKit) {
  const cr = program.command('cr').description('change requests: governed changes tracked in production');
  cr.command('new')
    .description('create a change request (draft)')
    .requiredOption('--name <name>', 'a meaningful name')
    .requiredOption('--type <type>', 'standard, normal or emergency')
    .requiredOption('--overview <text>', 'what changes and why')
    .option('--customizations <keys>', 'comma-separated component keys (existing or proposed)', list)
    .option('--approvers <users>', 'comma-separated additional approvers', list)
    .addOption(userOption())
    .action(withServices(async (s, opts: { name: string; type: string; overview: string; customizations?: string[]; approvers?: string[]; user?: string }) => {
      const created = await s.changeRequests.create(actor(opts), { ...opts, additionalApprovers: opts.approvers });
      print(changeRequestJson(created), () => `Created ${crLine(created)}. Submit it for approval with \`sandbox cr submit ${formatId('changeRequest', created.id)}\`.`);
    }));
  const transitions = {
    submit: (s: Services, a: Actor, id: number) => s.changeRequests.submit(a, id),
    complete: (s: Services, a: Actor, id: number) => s.changeRequests.complete(a, id),
  };
  for (const [verb, run] of Object.entries(transitions)) {
    cr.command(`${verb} <id>`)
      .description(`${verb} a change request`)
      .addOption(userOption())
      .action(withServices(async (s, ref: string, opts: { user?: string }) => {
        const updated = await run(s, actor(opts), changeRequestId(ref));
        print(changeRequestJson(updated), () => crLine(updated));
      }));
  }
  cr.command('approve <id>')
    .description('approve a change request')
    .addOption(userOption())
    .action(withServices(async (s, ref: string, opts: { user?: string }) => {
      const updated = await s.changeRequests.approve(actor(opts), changeRequestId(ref));
      const approvals = (await s.changeRequests.show(updated.id)).votes.filter((v) => v.decision === 'approve').length;
      const counted = count(approvals, 'approval');
      print({ ...changeRequestJson(updated), approvals }, () =>
        `${formatId('changeRequest', updated.id)}: ${updated.state === 'pending_approval' ? `${counted} so far` : counted}; ${describeState(updated.state)}.`,
      );
    }));
  cr.command('reject <id>')
    .description('reject a change request')
    .requiredOption('--reason <text>', 'why')
    .addOption(userOption())
    .action(withServices(async (s, ref: string, opts: { reason: string; user?: string }) => {
      const updated = await s.changeRequests.reject(actor(opts), changeRequestId(ref), opts.reason);
      print(changeRequestJson(updated), () => crLine(updated));
    }));
  cr.command('sync <id> <instance>')
    .description('work on an approved change request in a lower instance: its sends carry it, its proposed keys are expected there')
    .addOption(userOption())
    .action(withServices(async (s, ref: string, instance: string, opts: { user?: string }) => {
      const r = await s.changeRequests.sync(actor(opts), changeRequestId(ref), instance);
      const id = formatId('changeRequest', r.changeRequest.id);
      print({ ...changeRequestJson(r.changeRequest), instance: r.instance.name, expected: r.expected, replaced: r.replaced ? formatId('changeRequest', r.replaced.id) : null, movedFrom: r.movedFrom?.name ?? null }, () =>
        [
          `${id} is now worked on in ${r.instance.name} (${describeState(r.changeRequest.state)}): its sends carry ${id}.`,
          r.movedFrom && `It is no longer worked on in ${r.movedFrom.name}.`,
          r.replaced && `${r.instance.name} no longer works on ${formatId('changeRequest', r.replaced.id)}.`,
          r.expected.length && `Expected there, not yet present: ${r.expected.join(', ')}.`,
        ].filter(Boolean).join('\n'),
      );
    }));
  cr.command('compare <id>')
    .description("the change request's customizations where it is worked on (or staging) against production")
    .action(readingServices(async (s, ref: string) => {
      const c = await s.changeRequests.compare(changeRequestId(ref));
      const width = Math.max(0, ...c.items.map((i) => i.key.length + (i.proposed ? 11 : 0)));
      print({ changeRequest: formatId('changeRequest', c.changeRequest.id), from: c.from.name, production: c.production.name, items: c.items }, () =>
        [`${formatId('changeRequest', c.changeRequest.id)}: ${c.from.name} against ${c.production.name}`, ...c.items.map((i) => `  ${`${i.key}${i.proposed ? ' (proposed)' : ''}`.padEnd(width)}  ${i.state}`)].join('\n') +
          (c.items.length ? '' : '\n  (it names no customizations)'),
      );
    }));
  cr.command('list')
    .description('every change request')
    .action(readingServices(async (s) => {
      const all = await s.changeRequests.list();
      print({ changeRequests: all.map(changeRequestJson) }, () => all.map(crLine).join('\n') || 'No change requests.');
    }));
  cr.command('show <id>')
    .description('one change request with its votes and requests')
    .action(readingServices(async (s, ref: string) => {
      const d = await s.changeRequests.show(changeRequestId(ref));
      const c = d.changeRequest;
      print({ ...changeRequestJson(c), votes: d.votes, requests: d.requests.map(requestJson) }, () =>
        [
          crLine(c),
          `Overview: ${c.overview}`,
          `Customizations: ${c.customizations.join(', ') || '-'}`,
          `Proposed: ${c.proposedCustomizations.join(', ') || '-'}`,
          `Additional approvers: ${c.additionalApprovers.join(', ') || '-'}`,
          `Worked on: ${d.workedIn && c.workedSince ? `in ${d.workedIn.name} by ${c.workedBy} since ${c.workedSince.toISOString()}` : '-'}`,
          `Votes: ${d.votes.map((v) => `${v.decision} by ${v.voter}`).join(', ') || '-'}`,
          `Requests: ${d.requests.map(requestLine).join('; ') || '-'}`,
        ].join('\n'),
      );
    }));
}
