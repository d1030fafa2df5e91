import type { KnownBlock } from '@slack/types';
import { formatId } from '../../domain/ids.ts';
import { count } from '../../domain/pipeline.ts';
import type { EnvironmentStatus, InstanceStatus, RunWithLines } from '../../domain/services/queries.ts';
import { describeOutcome, describeState } from '../../domain/states.ts';
import type { AuditEvent, ComponentSummary, DeploymentRequest, Environment } from '../../domain/types.ts';
import { actions } from '../ids.ts';
import { actionsBlock, button, codeBlocks, context, escape, section, slackDate, mention } from './format.ts';
import { describeChanges, queueButtons, scheduleLine } from './request-card.ts';

export interface Reply {
  text: string;
  blocks?: KnownBlock[];
}

const lockLine = (env: Environment) => (env.lock ? ` :lock: locked by ${mention(env.lock.by)} ${slackDate(env.lock.at)}: “${escape(env.lock.reason)}”` : '');

/** The change request an instance works on, and the proposed keys it does not hold yet. */
export function workLine({ changeRequest: cr }: InstanceStatus): string {
  if (!cr) return '';
  const expected = cr.expected.length ? `; expected, not yet here: ${cr.expected.slice(0, 10).map((k) => `\`${escape(k)}\``).join(', ')}${cr.expected.length > 10 ? ` and ${cr.expected.length - 10} more` : ''}` : '';
  return `\n    :clipboard: works on *${formatId('changeRequest', cr.id)}* ${escape(cr.name)}${expected}`;
}

/** ` · branch `dev-alice` at `abc1234``: where an instance kept in git lives, and the commit of it it holds. */
export const branchLine = (i: InstanceStatus) => (i.git ? ` · branch \`${escape(i.git.branch)}\` ${i.git.tip ? `at \`${i.git.tip.slice(0, 7)}\`` : '_not read yet_'}` : '');

export function statusReply(pipeline: EnvironmentStatus[]): Reply {
  const blocks: KnownBlock[] = [];
  for (const { environment: env, instances, queue } of [...pipeline].reverse()) {
    const rows = instances.map((i) => {
      const project = i.project ? ` · *${i.project}*${i.project === 'Ready' ? '' : `, ${describeChanges(i.changes)}`}` : '';
      const parent = i.parent ? ` · synced from ${escape(i.parent)}` : '';
      const owner = i.instance.owner ? ` · ${mention(i.instance.owner)}` : '';
      const conflicts = i.conflicts.length ? ` · :warning: ${count(i.conflicts.length, 'conflict')} to resolve` : '';
      return `• \`${escape(i.instance.name)}\` ${count(i.components, 'component')}${project}${parent}${branchLine(i)}${owner}${conflicts}${workLine(i)}`;
    });
    const waiting = queue.length ? `\nQueue: ${queue.map((r) => `${formatId('request', r.id)} ${describeState(r.state)}`).join(', ')}` : '';
    blocks.push(section(`*${escape(env.name)}* (${env.kind})${lockLine(env)}\n${rows.join('\n') || '_no instances_'}${waiting}`));
  }
  return { text: 'The pipeline', blocks: blocks.slice(0, 50) };
}

export function queueReply(queues: { environment: Environment; requests: DeploymentRequest[] }[]): Reply {
  const blocks: KnownBlock[] = [];
  for (const { environment: env, requests } of queues) {
    blocks.push(section(`*${escape(env.name)} deployment queue*${lockLine(env)}${requests.length ? '' : '\n_Nothing is waiting._'}`));
    for (const r of requests.slice(0, 10)) {
      const id = formatId('request', r.id);
      const notes = [r.reason && `_${escape(r.reason)}_`, scheduleLine(r)].filter(Boolean).map((n) => `\n${n}`).join('');
      blocks.push(section(`*${id}* ${describeState(r.state)} · ${mention(r.requester)} · “${escape(r.message)}”${notes}`));
      const changes = button('View changes', actions.viewChanges, id);
      const buttons =
        r.state === 'pending_approval'
          ? [button('Approve', actions.approve, String(r.id), { style: 'primary' }), button('Reject', actions.reject, String(r.id), { style: 'danger' }), changes]
          : r.state === 'deploying'
            ? [button('View Logs', actions.viewLogs, id)]
            : [...queueButtons(r), button('Reject', actions.reject, String(r.id), { style: 'danger' }), changes];
      blocks.push(actionsBlock(`queue:${r.id}`, buttons));
    }
    if (requests.length > 10) blocks.push(context(`…and ${requests.length - 10} more: \`/sandbox queue ${env.name}\` from the command line lists all.`));
  }
  return { text: 'Deployment queues', blocks: blocks.slice(0, 50) };
}

/** Text in code blocks, as many as fit one message; the rest is named, not dropped silently. */
export function codeReply(title: string, text: string, more: string): Reply {
  const chunks = codeBlocks(text.split('\n'));
  const blocks: KnownBlock[] = [section(title), ...chunks.slice(0, 4).map((c) => section(c))];
  if (chunks.length > 4) blocks.push(context(`The rest is too long for one message: ${more}`));
  return { text: title, blocks };
}

export function runsReply(ref: string, runs: RunWithLines[]): Reply {
  if (runs.length === 0) return { text: `${ref} has no runs yet.` };
  const blocks: KnownBlock[] = [];
  for (const run of runs.slice(-10)) {
    const id = formatId('run', run.id);
    blocks.push(section(`*${id}* ${run.kind} · *${run.status}* · ${mention(run.user)} · ${slackDate(run.startedAt)} · ${count(run.lines.length, 'line')}${run.summary ? `\n${escape(run.summary)}` : ''}`));
    blocks.push(actionsBlock(`logs:${run.id}`, [button('View Logs', actions.viewLogs, id)]));
  }
  return { text: `Runs of ${ref}`, blocks };
}

export function auditReply(events: AuditEvent[]): Reply {
  if (events.length === 0) return { text: 'Nothing has been recorded yet.' };
  const lines = events.slice(0, 25).map((e) => `• ${slackDate(e.at)} ${mention(e.actor)} *${e.action}* ${escape(e.subject)} → ${escape(describeOutcome(e.outcome))} _(${e.via})_`);
  return { text: 'Latest actions', blocks: [section(lines.join('\n')), context('The command line shows more: `sandbox audit --since 7d`')] };
}

/** The components an instance holds, first ones by key, each with who changed it last and when. */
export function componentsReply(listing: { instance: string; total: number; components: ComponentSummary[] }): Reply {
  const { instance, total, components } = listing;
  if (total === 0) return { text: `${escape(instance)} holds no components.` };
  const title = `*${escape(instance)}* holds ${count(total, 'component')}${total > components.length ? `; the first ${components.length} by name` : ''}:`;
  const lines = components.map((c) => `• \`${escape(c.key)}\`: ${mention(c.changedBy)} ${slackDate(c.changedAt)}`);
  const blocks = [section(title), ...chunked(lines, 2900).map(section)];
  if (total > components.length) blocks.push(context(`\`sandbox components list ${escape(instance)}\` on the command line lists every one.`));
  return { text: `${instance}: ${count(total, 'component')}`, blocks };
}

/** Lines joined into texts of at most `max` characters each, never splitting a line. */
function chunked(lines: string[], max: number): string[] {
  const texts: string[] = [];
  for (const line of lines) {
    const last = texts.at(-1);
    if (last !== undefined && last.length + 1 + line.length <= max) texts[texts.length - 1] = `${last}\n${line}`;
    else texts.push(line);
  }
  return texts;
}

export function whoamiReply(w: { user: string; admin: boolean; roles: { environment: string; approver: boolean; deployer: boolean }[]; instances: string[] }): Reply {
  const roles = w.roles.filter((r) => r.approver || r.deployer).map((r) => `${escape(r.environment)}: ${[r.approver && 'approver', r.deployer && 'deployer'].filter(Boolean).join(' and ')}`);
  const lines = [
    `You are ${mention(w.user)}${w.admin ? ', an *admin*' : ''}.`,
    roles.length ? `Roles: ${roles.join('; ')}` : 'You approve and deploy nowhere.',
    w.instances.length ? `Your instances: ${w.instances.map((i) => `\`${escape(i)}\``).join(', ')}` : 'You own no instance; instances without an owner are open to everyone.',
  ];
  return { text: lines.join('\n'), blocks: [section(lines.join('\n'))] };
}

