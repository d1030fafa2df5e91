import type { KnownBlock } from '@slack/types';
import { formatId } from '../../domain/ids.ts';
import type { DeploymentRequest, Environment, Instance, LogLine, Run } from '../../domain/types.ts';
import { actions } from '../ids.ts';
import type { RunStep } from '../../domain/ports.ts';
import { actionsBlock, button, context, duration, escape, section, mention } from './format.ts';
import { took } from './request-card.ts';

export interface RunSubject {
  environment?: Environment;
  instance?: Instance;
  request?: DeploymentRequest;
}

const VERBS: Record<Run['kind'], [running: string, done: string]> = {
  deploy: ['Deploying', 'Deployment'],
  revert: ['Reverting', 'Revert'],
  sync: ['Syncing', 'Sync'],
  validate: ['Validating', 'Validation'],
};

function title(run: Run, s: RunSubject): string {
  const request = s.request ? formatId('request', s.request.id) : null;
  const where = s.instance ? `*${escape(s.instance.name)}*` : escape(s.environment?.name ?? '');
  switch (run.kind) {
    case 'sync':
      return `${escape(run.message ?? `Sync of ${where}`)}`;
    case 'revert':
      return `Revert of ${request} in ${escape(s.environment?.name ?? '')}`;
    default:
      return `${run.kind === 'deploy' ? 'Deployment' : 'Validation'} of ${request} to ${where} (${escape(s.environment?.name ?? '')})`;
  }
}

function statusLine(run: Run, step: RunStep | undefined, now: Date): string {
  const [running, done] = VERBS[run.kind];
  switch (run.status) {
    case 'running': {
      const at = step ? ` step ${step.done} of ${step.total}: ${escape(step.name)} ·` : '';
      return `:hourglass_flowing_sand: *${running}…*${at} ${duration(now.getTime() - run.startedAt.getTime())} so far`;
    }
    case 'succeeded':
      return `:white_check_mark: *${done} succeeded* · ${took(run)}`;
    case 'failed':
      return `:x: *${done} failed*: ${escape(run.summary ?? 'see the log')} · ${took(run)}`;
    case 'interrupted':
      return `:warning: *${done} interrupted*: the process running it stopped. Nothing was changed; it can be started again.`;
  }
}

/** The parent message of a run that belongs to no request (a shared instance's sync): what runs, its status, step and duration; View Logs at the end. */
export function runParent(run: Run, subject: RunSubject, step: RunStep | undefined, now: Date): { text: string; blocks: KnownBlock[] } {
  const heading = `${title(run, subject)} · ${formatId('run', run.id)}`;
  const blocks: KnownBlock[] = [section(heading), section(statusLine(run, step, now))];
  const by = [`Started by ${mention(run.user)}`];
  if (run.kind !== 'sync' && run.message) by.push(`“${escape(run.message)}”`);
  blocks.push(context(...by, run.status === 'running' ? 'Log lines follow in the thread' : 'The whole log is in the thread'));
  if (run.status !== 'running') blocks.push(actionsBlock(`run:${run.id}`, [button('View Logs', actions.viewLogs, formatId('run', run.id))]));
  return { text: `${heading}: ${run.status}`, blocks };
}

const LEVEL_MARK: Record<LogLine['level'], string> = { info: '•', warn: ':warning:', error: ':x:' };

/** One log line as it reads in a thread. */
export const threadLine = (line: LogLine) => `${LEVEL_MARK[line.level]} ${escape(line.text)}`;
