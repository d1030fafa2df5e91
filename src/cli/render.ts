import { formatId } from '../domain/ids.ts';
import type { RunWithLines, EnvironmentStatus, Report } from '../domain/services/queries.ts';
import type { ChangeSummary, Component, DeploymentRequest, Difference, Environment, Run } from '../domain/types.ts';
import { describeState } from '../domain/states.ts';

/** Plain-text views of domain results for the terminal; `--json` prints the results themselves. */

const time = (d: Date | null) => (d ? d.toISOString().replace('.000Z', 'Z') : '-');
export const summaryText = (s: ChangeSummary) => `${s.added} added, ${s.modified} modified, ${s.deleted} deleted`;
const changesText = (s: ChangeSummary) => (s.added + s.modified + s.deleted === 0 ? 'no changes' : summaryText(s));

/** One component a line, in aligned columns: key, hash, who changed it last, what it needs. */
export function componentsText(rows: Pick<Component, 'key' | 'hash' | 'changedBy' | 'dependsOn'>[]): string {
  const keyWidth = Math.max(...rows.map((c) => c.key.length));
  const byWidth = Math.max(...rows.map((c) => c.changedBy.length));
  return rows
    .map((c) => `${c.key.padEnd(keyWidth)}  ${c.hash.slice(0, 12)}  ${c.dependsOn.length ? `${c.changedBy.padEnd(byWidth)}  needs ${c.dependsOn.join(', ')}` : c.changedBy}`)
    .join('\n');
}

export function requestLine(r: DeploymentRequest): string {
  return `${formatId('request', r.id)}  ${describeState(r.state).padEnd(16)} by ${r.requester}  "${r.message}"${r.reason ? `  (${r.reason})` : ''}`;
}

export function statusText(pipeline: EnvironmentStatus[]): string {
  const out: string[] = [];
  for (const { environment: env, instances, queue } of [...pipeline].reverse()) {
    const lock = env.lock ? `  LOCKED by ${env.lock.by}: ${env.lock.reason}` : '';
    out.push(`${env.name} (${env.kind})${lock}`);
    for (const i of instances) {
      const project = i.project ? `  ${i.project.padEnd(6)} ${changesText(i.changes)}` : '';
      const parent = i.parent ? `  parent ${i.parent}` : '';
      const owner = i.instance.owner ? `  owner ${i.instance.owner}` : '';
      out.push(`  ${i.instance.name.padEnd(14)} ${String(i.components).padStart(6)} components${project}${parent}${owner}`);
    }
    if (queue.length) out.push(`  queue: ${queue.map((r) => `${formatId('request', r.id)} ${describeState(r.state)}`).join(', ')}`);
  }
  return out.join('\n');
}

export function queueText(queues: { environment: Environment; requests: DeploymentRequest[] }[]): string {
  return queues
    .map(({ environment, requests }) =>
      [`${environment.name} deployment queue${environment.lock ? ` (locked: ${environment.lock.reason})` : ''}`, ...(requests.length ? requests.map((r) => `  ${requestLine(r)}`) : ['  (empty)'])].join('\n'),
    )
    .join('\n');
}

export function compareText(from: string, to: string, differences: Difference[]): string {
  if (differences.length === 0) return `${from} and ${to} hold the same components.`;
  const count = (c: Difference['change']) => differences.filter((d) => d.change === c).length;
  const head = `${from} → ${to}: ${count('added')} added, ${count('removed')} removed, ${count('changed')} changed`;
  const label = { added: `only in ${to}:`, removed: `only in ${from}:`, changed: 'changed:' } as const;
  const width = Math.max(...differences.map((d) => label[d.change].length));
  return [head, ...differences.map((d) => `  ${label[d.change].padEnd(width)} ${d.key}`)].join('\n');
}

export function runText(run: RunWithLines | Run & { lines?: RunWithLines['lines'] }): string {
  const head = `${formatId('run', run.id)} ${run.kind} ${run.status} by ${run.user}  ${time(run.startedAt)} → ${time(run.endedAt)}${run.message ? `  "${run.message}"` : ''}`;
  const lines = (run.lines ?? []).map((l) => `  ${time(l.at)} ${l.level.padEnd(5)} ${l.text}`);
  return [head, ...lines].join('\n');
}

export function reportText(r: Report): string {
  const req = r.request;
  return [
    `${formatId('request', req.id)}: ${r.source.name} → ${r.target.name} (${r.environment.name}), ${describeState(req.state)}`,
    `Message: ${req.message}`,
    `Requested by ${req.requester} at ${time(req.createdAt)}${r.changeRequest ? `, change request ${r.changeRequest}` : ''}`,
    req.deployedBy ? `Deployed by ${req.deployedBy} at ${time(req.deployedAt)}` : '',
    '',
    `Changes (${r.changes.length}):`,
    ...r.changes.map((c) => `  ${c.action.padEnd(6)} ${c.key}`),
    '',
    'Votes:',
    ...(r.votes.length ? r.votes.map((v) => `  ${v.decision} by ${v.voter} at ${time(v.at)}${v.reason ? `: ${v.reason}` : ''}`) : ['  (none)']),
    req.reason ? `Reason: ${req.reason}` : '',
    ...(r.revertChain.length ? ['', 'Revert chain:', ...r.revertChain.map((l) => `  ${l}`)] : []),
    '',
    'Runs:',
    ...r.runs.map(runText),
  ]
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n');
}

/** Messages as a terminal shows them: `<@U0BOB>` → `@U0BOB`, `<!subteam^S0QA>` → `@S0QA`, `/sandbox queue` → `sandbox queue`. */
export const forTerminal = (text: string) =>
  text
    .replace(/<@([A-Z0-9]+)>/g, '@$1')
    .replace(/<!subteam\^([A-Z0-9]+)>/g, '@$1')
    .replace(/`\/sandbox /g, '`sandbox ');
