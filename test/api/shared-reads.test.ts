import { describe, expect, it } from 'vitest';
import { FreshCopies } from '../../src/api/fresh-copies.ts';
import { sharedReads } from '../../src/api/shared-reads.ts';

// How the API serves many clients at once without serving any of them something older than its own read would be.

/** A read whose answers the test releases one by one; `asked` says when each read started. */
function controlledRead() {
  const started: { key: string; release(value: string): void; fail(error: Error): void }[] = [];
  const read = (key: string) =>
    new Promise<string>((resolve, reject) => {
      started.push({ key, release: resolve, fail: reject });
    });
  return { read, started };
}

// Two turns of the event loop: a shared read starts on the turn after it is asked for.
const turn = () => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

describe('shared reads', () => {
  it('let asks made at the same moment share one read, and keep different keys apart', async () => {
    const { read, started } = controlledRead();
    const ask = sharedReads(read, (key) => key);
    const answers = [ask('a'), ask('a'), ask('a'), ask('b')];
    await turn();
    expect(started.map((s) => s.key)).toEqual(['a', 'b']);
    started[0]!.release('A1');
    started[1]!.release('B1');
    expect(await Promise.all(answers)).toEqual(['A1', 'A1', 'A1', 'B1']);
  });

  it('never let an ask join a read already under way: it waits for the next one, which starts after it', async () => {
    const { read, started } = controlledRead();
    const ask = sharedReads(read, (key) => key);
    const early = ask('a');
    await turn();
    expect(started).toHaveLength(1);
    // Asked while the first read runs: it could have missed a write committed just before these asks.
    const late = [ask('a'), ask('a')];
    await turn();
    expect(started).toHaveLength(1);
    started[0]!.release('before');
    expect(await early).toBe('before');
    await turn();
    expect(started).toHaveLength(2);
    started[1]!.release('after');
    expect(await Promise.all(late)).toEqual(['after', 'after']);
    // Nothing is kept once every read has ended: the next ask reads again.
    const next = ask('a');
    await turn();
    expect(started).toHaveLength(3);
    started[2]!.release('again');
    expect(await next).toBe('again');
  });

  it('give a failed read’s error to those who shared it, and read again for the next ask', async () => {
    const { read, started } = controlledRead();
    const ask = sharedReads(read, (key) => key);
    const failing = [ask('a'), ask('a')];
    await turn();
    started[0]!.fail(new Error('database gone'));
    for (const answer of failing) await expect(answer).rejects.toThrow('database gone');
    const next = ask('a');
    await turn();
    started[1]!.release('back');
    expect(await next).toBe('back');
  });
});

describe('fresh copies', () => {
  it('are used only under the change count they were read under, never for an answer that is undefined', async () => {
    const copies = new FreshCopies<string>(10);
    let reads = 0;
    const read = async () => `read ${++reads}`;
    expect(await copies.get('page', 7, read)).toBe('read 1');
    expect(await copies.get('page', 7, read)).toBe('read 1');
    expect(await copies.get('page', 8, read)).toBe('read 2');
    expect(await copies.get('page', 8, read)).toBe('read 2');
    expect(await copies.get('gone', 8, async () => undefined)).toBeUndefined();
    expect(await copies.get('gone', 8, read)).toBe('read 3');
  });

  it('keep at most their limit, dropping the oldest, and none older than their age', async () => {
    const copies = new FreshCopies<string>(2, 0);
    let reads = 0;
    const read = async () => `read ${++reads}`;
    await copies.get('a', 1, read);
    expect(await copies.get('a', 1, read)).toBe('read 2');
    const few = new FreshCopies<string>(2);
    for (const key of ['a', 'b', 'c']) await few.get(key, 1, read);
    expect(await few.get('c', 1, read)).toBe('read 5');
    expect(await few.get('a', 1, read)).toBe('read 6');
  });
});
