import { formatId } from '../domain/ids.ts';
import { diffText } from '../domain/diff.ts';
import type { Report, RunWithLines } from '../domain/services/queries.ts';
import { describeState } from '../domain/states.ts';
import type { ChangeSummary, Difference, Run } from '../domain/types.ts';

/** Plain-text views of domain results that the command line prints and Slack shows in code blocks. */

export const timeText = (d: Date | null) => (d ? d.toISOString().replace('.000Z', 'Z') : '-');
export const summaryText = (s: ChangeSummary) => `${s.added} added, ${s.modified} modified, ${s.deleted} deleted`;

export function compareText(from: string, to: string, differences: Difference[]): string {
  if (differences.length === 0) return `${from} and ${to} hold the same components.`;
  const count = (c: Difference['change']) => differences.filter((d) => d.change === c).length;
  const head = `${from} → ${to}: ${count('added')} added, ${count('removed')} removed, ${count('changed')} changed`;
  const label = { added: `only in ${from}:`, removed: `only in ${to}:`, changed: 'changed:' } as const;
  const width = Math.max(...differences.map((d) => label[d.change].length));
  return [head, ...differences.map((d) => `  ${label[d.change].padEnd(width)} ${d.key}`)].join('\n');
}

export function runText(run: RunWithLines | (Run & { lines?: RunWithLines['lines'] })): string {
  const head = `${formatId('run', run.id)} ${run.kind} ${run.status} by ${run.user}  ${timeText(run.startedAt)} → ${timeText(run.endedAt)}${run.message ? `  "${run.message}"` : ''}`;
  const lines = (run.lines ?? []).map((l) => `  ${timeText(l.at)} ${l.level.padEnd(5)} ${l.text}`);
  return [head, ...lines].join('\n');
}

export function reportText(r: Report): string {
  const req = r.request;
  return [
    `${formatId('request', req.id)}: ${r.source.name} → ${r.target.name} (${r.environment.name}), ${describeState(req.state)}`,
    `Message: ${req.message}`,
    `Requested by ${req.requester} at ${timeText(req.createdAt)}${r.changeRequest ? `, change request ${r.changeRequest}` : ''}`,
    req.deployedBy ? `Deployed by ${req.deployedBy} at ${timeText(req.deployedAt)}` : '',
    '',
    `Changes (${r.changes.length}):`,
    ...r.changes.map((c) => `  ${c.action.padEnd(6)} ${c.key}`),
    '',
    'Votes:',
    ...(r.votes.length ? r.votes.map((v) => `  ${v.decision} by ${v.voter} at ${timeText(v.at)}${v.reason ? `: ${v.reason}` : ''}`) : ['  (none)']),
    req.reason ? `Reason: ${req.reason}` : '',
    ...(r.revertChain.length ? ['', 'Revert chain:', ...r.revertChain.map((l) => `  ${l}`)] : []),
    '',
    'Runs:',
    ...r.runs.map(runText),
  ]
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n')
    .concat(r.diffs.length ? `\n\nDiffs:\n${diffText(r.diffs)}` : '');
}
