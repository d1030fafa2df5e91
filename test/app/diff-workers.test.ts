import { afterAll, describe, expect, it } from 'vitest';
import { diffWorkers } from '../../src/app/diff-workers.ts';
import { drawHere } from '../../src/domain/diff.ts';

// Diffs drawn in worker threads (the built dist/diff-worker.js, made by the tests' global set-up) are the diffs drawn
// here, within the same deadline, and a command waiting for them is not ended before they arrive.

const workers = diffWorkers(2);
afterAll(() => workers.close());

const text = (n: number, changed: number) => Array.from({ length: n }, (_, i) => (i % changed === 0 ? `line ${i} changed` : `line ${i} as it was`)).join('\n') + '\n';
const items = Array.from({ length: 40 }, (_, i) => ({ key: `Layout/C${i}`, action: 'modify' as const, before: text(200, 1_000), after: text(200, 50) }));

describe('diffs drawn in worker threads', () => {
  it('are the diffs drawn here, for a batch big enough to send away', async () => {
    expect(items.reduce((n, i) => n + i.before.length + i.after.length, 0)).toBeGreaterThan(64 * 1024);
    const deadline = Date.now() + 10_000;
    const [away, here] = await Promise.all([workers.draw(items, deadline), drawHere.draw(items, deadline)]);
    expect(away).toEqual(here);
    expect(away[0]!.diff).toContain('-line 50 as it was\n+line 50 changed\n');
  });

  it('share the answer’s deadline: past it, every diff is cut off and says so', async () => {
    const late = await workers.draw(items, Date.now() - 1);
    expect(late.every((d) => d.diff === '' && d.cutOff?.startsWith('Not drawn: the diffs of this answer took their whole time'))).toBe(true);
  });

  it('draw batches in parallel and in order, many at once', async () => {
    const batches = Array.from({ length: 6 }, (_, b) => items.map((item) => ({ ...item, key: `${item.key}-${b}` })));
    const drawn = await Promise.all(batches.map((batch) => workers.draw(batch, Date.now() + 10_000)));
    expect(drawn.map((d) => d.map((x) => x.key))).toEqual(batches.map((batch) => batch.map((i) => i.key)));
  });
});
