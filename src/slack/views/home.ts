import type { KnownBlock, View } from '@slack/types';
import { formatId } from '../../domain/ids.ts';
import { outsideActionsOf } from '../../domain/actions.ts';
import { count, nextEnvironmentUp, sendLabel, syncLabel } from '../../domain/pipeline.ts';
import type { EnvironmentStatus } from '../../domain/services/queries.ts';
import { describeState } from '../../domain/states.ts';
import type { DeploymentRequest, Environment } from '../../domain/types.ts';
import { actionsBlock, button, context, divider, escape, header, section, slackDate, mention } from '../blocks/format.ts';
import { describeChanges, requestButtons } from '../blocks/request-card.ts';
import { branchLine, workLine } from '../blocks/replies.ts';
import { actions } from '../ids.ts';
import { conflictBlocks } from './conflicts.ts';

export interface HomeInput {
  user: string;
  admin: boolean;
  pipeline: EnvironmentStatus[];
  recent: DeploymentRequest[];
  /** The latest production deployment, when it may still be reverted. */
  revertable?: DeploymentRequest;
  /** Where the user approves and deploys, user groups resolved. */
  roles: { environment: string; approver: boolean; deployer: boolean }[];
}

/** The requests that wait on this user: votes where they approve, deployments where they deploy. */
function waitingOn(input: HomeInput) {
  return input.pipeline.flatMap(({ environment: env, queue }) => {
    const role = input.roles.find((r) => r.environment === env.name);
    const votes = role?.approver ? queue.filter((r) => r.state === 'pending_approval' && (r.requester !== input.user || env.approvals.allowSelfApproval)) : [];
    const deployments = role?.deployer ? queue.filter((r) => r.state === 'approved' || r.state === 'failed') : [];
    return [...votes, ...deployments].map((request) => ({ request, env }));
  });
}

const WAITING_SHOWN = 8;

function waitingBlocks(input: HomeInput): KnownBlock[] {
  const waiting = waitingOn(input);
  const blocks: KnownBlock[] = [header('Waiting on you')];
  if (waiting.length === 0) blocks.push(context('Nothing waits on you.'));
  for (const { request: r, env } of waiting.slice(0, WAITING_SHOWN)) {
    const what = r.state === 'pending_approval' ? 'waits for your approval' : `waits to be deployed (${describeState(r.state)})`;
    blocks.push(section(`*${formatId('request', r.id)}* to ${escape(env.name)} ${what} · ${mention(r.requester)} · “${escape(r.message)}”`));
    blocks.push(actionsBlock(`waiting:${r.id}`, requestButtons(r)));
  }
  if (waiting.length > WAITING_SHOWN) blocks.push(context(`…and ${waiting.length - WAITING_SHOWN} more: \`/sandbox queue\` lists them all.`));
  return blocks;
}

function pipelineBlocks(pipeline: EnvironmentStatus[]): KnownBlock[] {
  const steps = pipeline.map(({ environment: e, queue }) => `*${escape(e.name)}*${e.lock ? ' :lock:' : ''}${queue.length ? ` (${queue.length} queued)` : ''}`);
  return [header('Pipeline'), section(steps.join('  →  '))];
}

function instanceBlocks(input: HomeInput): KnownBlock[] {
  const environments = input.pipeline.map((p) => p.environment);
  const blocks: KnownBlock[] = [header('Your instances')];
  const mine = input.pipeline.flatMap((p) => p.instances.filter((i) => p.environment.kind !== 'production' && (i.instance.owner === input.user || (!i.instance.owner && input.admin))).map((i) => ({ ...i, env: p.environment })));
  if (mine.length === 0) blocks.push(context(`You own no instance. Instances without an owner are open to everyone: \`/sandbox sync ${escape('<instance>')}\`.`));
  for (const i of mine.slice(0, 12)) {
    const upper = nextEnvironmentUp(environments, i.env) as Environment;
    const state = i.project === 'Ready' || !i.project ? 'Ready: nothing to send' : `${i.project}, ${describeChanges(i.changes)}`;
    blocks.push(section(`*${escape(i.instance.name)}* (${escape(i.env.name)}) · ${state}${i.parent ? ` · synced from ${escape(i.parent)}` : ''}${branchLine(i)}${workLine(i)}`));
    const buttons = [button(syncLabel(upper), actions.sync, i.instance.name)];
    if (i.project === 'Active') buttons.push(button(sendLabel(upper), actions.send, i.instance.name, { style: 'primary' }));
    blocks.push(actionsBlock(`instance:${i.instance.name}`, buttons));
    blocks.push(...conflictBlocks(i.instance.name, i.conflicts, 3));
  }
  return blocks;
}

function queueBlocks(pipeline: EnvironmentStatus[]): KnownBlock[] {
  const blocks: KnownBlock[] = [header('Deployment queues')];
  for (const { environment: env, queue } of pipeline.filter((p) => p.environment.kind !== 'development')) {
    const items = queue.slice(0, 5).map((r) => `• *${formatId('request', r.id)}* ${describeState(r.state)} · ${mention(r.requester)} · “${escape(r.message)}”`);
    blocks.push(section(`*${escape(env.name)}*${env.lock ? ` :lock: ${escape(env.lock.reason)}` : ''}\n${items.join('\n') || '_empty_'}${queue.length > 5 ? `\n…and ${queue.length - 5} more` : ''}`));
  }
  return blocks;
}

function recentBlocks(input: HomeInput): KnownBlock[] {
  const blocks: KnownBlock[] = [header('Recent deployments')];
  if (input.recent.length === 0) blocks.push(context('Nothing has been deployed yet.'));
  for (const r of input.recent) {
    const id = formatId('request', r.id);
    blocks.push(section(`*${id}* ${describeState(r.state)} · by ${mention(r.deployedBy ?? r.requester)}${r.deployedAt ? ` ${slackDate(r.deployedAt)}` : ''}\n“${escape(r.message)}”`));
    const buttons = [button('View Logs', actions.viewLogs, id)];
    if (input.revertable?.id === r.id) buttons.push(button('Revert Changes', actions.revert, String(r.id), { style: 'danger' }));
    blocks.push(actionsBlock(`recent:${r.id}`, buttons));
  }
  return blocks;
}

/** What Test Connection would check in an environment: its instances kept in git, targets, command checks and hooks. */
const connectionsOf = ({ environment, instances }: EnvironmentStatus) => instances.filter((i) => i.git).length + outsideActionsOf(environment).length;

/** Test Connection for each environment with something to test, to admins and to the environment's deployers. */
function connectionBlocks(input: HomeInput): KnownBlock[] {
  const testable = input.pipeline.filter((p) => connectionsOf(p) > 0 && (input.admin || input.roles.some((r) => r.environment === p.environment.name && r.deployer)));
  if (!testable.length) return [];
  const blocks: KnownBlock[] = [divider, header('Connections')];
  for (const p of testable) {
    blocks.push(section(`*${escape(p.environment.name)}* · ${count(connectionsOf(p), 'connection')} to test: git remotes, targets, checks and hooks, without deploying`));
    blocks.push(actionsBlock(`connections:${p.environment.name}`, [button('Test Connection', actions.testConnections, p.environment.name)]));
  }
  return blocks;
}

/** App Home: what waits on the user, their instances with Sync and Send, the pipeline and its queues, recent deployments. */
export function homeView(input: HomeInput): View {
  const blocks = [...waitingBlocks(input), divider, ...instanceBlocks(input), divider, ...pipelineBlocks(input.pipeline), divider, ...queueBlocks(input.pipeline), divider, ...recentBlocks(input), ...connectionBlocks(input)];
  return { type: 'home', blocks: blocks.slice(0, 100) };
}
