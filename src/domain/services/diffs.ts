import type { ServiceDeps } from '../service-deps.ts';
import { type ComponentDiff, DIFF_LIMITS, drawHere } from '../diff.ts';
import { NotFoundError } from '../errors.ts';
import { formatId } from '../ids.ts';
import { findInstance, findRequest } from '../lookups.ts';
import { command, msg } from '../message.ts';
import type { Change, DeploymentRequest, Difference, Instance } from '../types.ts';

export interface RequestDiff {
  request: DeploymentRequest;
  items: ComponentDiff[];
}

/**
 * What a request changes, component by component: each item of its package diffed against what the target held
 * when it was sent (an added component whole, a deleted one as what goes). `key` narrows it to one component.
 */
export async function requestDiff(deps: ServiceDeps, requestId: number, key?: string): Promise<RequestDiff> {
  const request = await findRequest(deps.store, requestId);
  const drawer = deps.diffs ?? drawHere;
  const deadline = Date.now() + DIFF_LIMITS.totalMs;
  if (key !== undefined) {
    const contents = await deps.store.packages.contents(request.packageId, key);
    if (contents.length === 0) {
      const id = formatId('request', requestId);
      throw new NotFoundError(`${key} in ${id}`, msg`${command(`diff ${id}`)} shows every component it changes.`);
    }
    return { request, items: await drawer.draw(contents, deadline) };
  }
  // Page by page, each drawn while the next is read.
  const drawn: Promise<ComponentDiff[]>[] = [];
  for (let after: string | null = null; ; ) {
    const page = await deps.store.packages.contentsPage(request.packageId, after, PAGE);
    if (page.length) drawn.push(drawer.draw(page, deadline));
    if (page.length < PAGE) break;
    after = page.at(-1)!.key;
  }
  return { request, items: (await Promise.all(drawn)).flat() };
}

/** Package items read and drawn at a time. */
const PAGE = 500;

/** The components a request changes, by key, without their diffs. */
export async function requestChanges(deps: ServiceDeps, requestId: number): Promise<Change[]> {
  return deps.store.packages.items((await findRequest(deps.store, requestId)).packageId);
}

export type DifferenceDiff = Difference & Omit<ComponentDiff, 'action'>;

const ACTION_OF = { added: 'add', removed: 'delete', changed: 'modify' } as const;

/** A compare of `a` to `b` (what sending a to b would change in b) with the diff of each difference. */
export async function compareContent(deps: ServiceDeps, a: string, b: string): Promise<{ from: Instance; to: Instance; differences: DifferenceDiff[] }> {
  const [from, to] = await Promise.all([findInstance(deps.store, a), findInstance(deps.store, b)]);
  // As in compare: asked with b first, the store's words are those of a send of a to b.
  const differences = await deps.store.components.compareContents(to.id, from.id);
  const diffs = await (deps.diffs ?? drawHere).draw(differences.map((d) => ({ ...d, action: ACTION_OF[d.change] })), Date.now() + DIFF_LIMITS.totalMs);
  return { from, to, differences: diffs.map(({ action: _, ...diff }, i) => ({ ...diff, change: differences[i]!.change })) };
}
