import { createTwoFilesPatch } from 'diff';
import type { ComponentAction } from './types.ts';

/** One component's change as a unified diff; `cutOff` says why there is none when it could not be drawn in time. */
export interface ComponentDiff {
  key: string;
  action: ComponentAction;
  diff: string;
  cutOff?: string;
}

/** How long one component's diff may take, and all the diffs of one answer together: never a stalled process. */
export const DIFF_LIMITS = { perComponentMs: 1_000, totalMs: 10_000 };

/** Lines of a text, the last one counted whether or not it ends with a newline. */
const lines = (text: string | null) => (text ? text.split('\n').length - (text.endsWith('\n') ? 1 : 0) : 0);

/**
 * The unified diff of one component from `before` to `after` (null: absent), named as git names files: a component
 * added is diffed from /dev/null, one deleted to it. Texts too different to compare within `ms` are cut off, saying so.
 */
export function componentDiff(key: string, action: ComponentAction, before: string | null, after: string | null, ms = DIFF_LIMITS.perComponentMs): ComponentDiff {
  const from = before === null ? '/dev/null' : `a/${key}`;
  const to = after === null ? '/dev/null' : `b/${key}`;
  const diff = ms > 0 ? createTwoFilesPatch(from, to, before ?? '', after ?? '', undefined, undefined, { context: 3, timeout: ms }) : undefined;
  if (diff !== undefined) return { key, action, diff: diff.replace(/^=+\n/, '') };
  const [was, is] = [lines(before), lines(after)];
  const size = `${was.toLocaleString('en')} ${was === 1 ? 'line' : 'lines'} before, ${is.toLocaleString('en')} after`;
  const cutOff = ms > 0 ? `The texts are too different to compare within ${ms / 1000} s (${size}).` : `Not drawn: the diffs of this answer took their whole time (${size}).`;
  return { key, action, diff: '', cutOff };
}

/** A component's content before and after (null: absent), to be diffed. */
export interface DiffItem {
  key: string;
  action: ComponentAction;
  before: string | null;
  after: string | null;
}

/**
 * The diffs of many components, within one time budget for all of them (until `deadline`, a time in ms as `now`
 * reads it): those past it are cut off, saying so.
 */
export function componentDiffs(items: readonly DiffItem[], now: () => number = Date.now, deadline = now() + DIFF_LIMITS.totalMs): ComponentDiff[] {
  return items.map((item) => componentDiff(item.key, item.action, item.before, item.after, Math.max(0, Math.min(DIFF_LIMITS.perComponentMs, deadline - now()))));
}

/** Diffs as one text, as `git diff` prints them. */
export const diffText = (diffs: readonly Omit<ComponentDiff, 'action'>[]) =>
  diffs.map((d) => d.diff || `--- ${d.key}\n${d.cutOff}\n`).join('') || 'No changes.';

/**
 * Draws diffs, in this thread or elsewhere (worker threads: a big answer then never holds up the process). `deadline`
 * is the answer's, in Date.now() ms: every batch of one answer shares it.
 */
export interface DiffDrawer {
  draw(items: readonly DiffItem[], deadline: number): Promise<ComponentDiff[]>;
}

export const drawHere: DiffDrawer = { draw: async (items, deadline) => componentDiffs(items, Date.now, deadline) };
