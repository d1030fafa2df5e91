import { formatId } from '../domain/ids.ts';
import type { EnvironmentStatus } from '../domain/services/queries.ts';
import { describeState } from '../domain/states.ts';
import type { ChangeSummary, Component, DeploymentRequest, Environment } from '../domain/types.ts';
import { summaryText } from '../text/reports.ts';

/** Plain-text views of domain results for the terminal only; `--json` prints the results themselves. */

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
  const held = r.state === 'pending_approval' && r.claimedBy && r.claimedAt ? `  (held by ${r.claimedBy} since ${r.claimedAt.toISOString()})` : '';
  return `${formatId('request', r.id)}  ${describeState(r.state).padEnd(16)} by ${r.requester}  "${r.message}"${r.reason ? `  (${r.reason})` : ''}${held}`;
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
      const git = i.git ? `  branch ${i.git.branch}@${i.git.tip?.slice(0, 7) ?? '(not read yet)'}` : '';
      out.push(`  ${i.instance.name.padEnd(14)} ${String(i.components).padStart(6)} components${project}${parent}${git}${owner}`);
      const cr = i.changeRequest;
      if (cr) out.push(`  ${''.padEnd(14)} works on ${formatId('changeRequest', cr.id)} ${cr.name}${cr.expected.length ? `; expected, not yet here: ${cr.expected.join(', ')}` : ''}`);
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
