import type { ServiceDeps } from '../service-deps.ts';
import { type ComponentDiff, DIFF_LIMITS, drawHere } from '../diff.ts';
import { NotFoundError } from '../errors.ts';
import { formatId } from '../ids.ts';
import { findInstance, findRequest } from '../lookups.ts';
import { command, msg } from '../message.ts';
import type { ItemContents } from '../ports.ts';
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
  if (key === undefined) return { request, items: await packageDiffs(deps, request.packageId) };
  const contents = await deps.store.packages.contents(request.packageId, key);
  if (contents.length === 0) {
    const id = formatId('request', requestId);
    throw new NotFoundError(`${key} in ${id}`, msg`${command(`diff ${id}`)} shows every component it changes.`);
  }
  return { request, items: await drawAndKeep(deps, request.packageId, contents, Date.now() + DIFF_LIMITS.totalMs) };
}

/** Package items read and drawn at a time. */
const PAGE = 500;

/**
 * The diffs of every item of a package, page by page, each page drawn while the next is read. A package never
 * changes: each diff is drawn once and kept (see drawAndKeep), which the send does for its package.
 */
export async function packageDiffs(deps: ServiceDeps, packageId: number): Promise<ComponentDiff[]> {
  const deadline = Date.now() + DIFF_LIMITS.totalMs;
  const keys = await deps.store.packages.itemKeys(packageId);
  const drawn: Promise<ComponentDiff[]>[] = [];
  for (let at = 0; at < keys.length; at += PAGE) {
    const page = await deps.store.packages.contentsBetween(packageId, keys[at]!, keys[Math.min(at + PAGE, keys.length) - 1]!);
    drawn.push(drawAndKeep(deps, packageId, page, deadline));
  }
  return (await Promise.all(drawn)).flat();
}

/** The items' diffs: those kept, and the others drawn and then kept (unless cut off, so that they are tried again). */
async function drawAndKeep(deps: ServiceDeps, packageId: number, items: ItemContents[], deadline: number): Promise<ComponentDiff[]> {
  const missing = items.filter((item) => item.diff === null);
  const drawn = missing.length ? await (deps.diffs ?? drawHere).draw(missing, deadline) : [];
  await deps.store.packages.keepDiffs(packageId, drawn.filter((d) => !d.cutOff).map(({ key, diff }) => ({ key, diff })));
  const byKey = new Map(drawn.map((d) => [d.key, d]));
  return items.map((item) => (item.diff === null ? byKey.get(item.key)! : { key: item.key, action: item.action, diff: item.diff }));
}

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
