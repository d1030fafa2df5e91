import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Background } from '../../src/slack/background.ts';
import type { Inbound } from '../../src/slack/inbound.ts';

/** Requests from Slack as the server sees them: arriving, then answered. */
class Traffic implements Inbound {
  private waiting = 0;
  private last = 0;
  open = () => this.waiting;
  lastActivity = () => this.last;
  arrive() {
    this.waiting++;
    this.last = Date.now();
  }
  answer() {
    this.waiting--;
    this.last = Date.now();
  }
}

/** A job that records when it started and ends when told to. */
function job(started: string[], name: string) {
  let end!: () => void;
  const ended = new Promise<void>((resolve) => (end = resolve));
  return { run: () => (started.push(name), ended), end };
}

const elapse = (ms: number) => vi.advanceTimersByTimeAsync(ms);

describe('the work after acknowledgements', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts once the requests being received are answered and 20 ms have passed without a new one', async () => {
    const traffic = new Traffic();
    const background = new Background(1, traffic);
    const started: string[] = [];
    traffic.arrive();
    background.start(job(started, 'work').run);
    await elapse(500);
    expect(started).toEqual([]);
    traffic.answer();
    await elapse(10);
    expect(started).toEqual([]);
    await elapse(20);
    expect(started).toEqual(['work']);
  });

  it('starts work that may open a modal within a second, however busy Slack keeps the app', async () => {
    const traffic = new Traffic();
    traffic.arrive();
    const started: string[] = [];
    new Background(1, traffic).start(job(started, 'modal').run);
    await elapse(980);
    expect(started).toEqual([]);
    await elapse(40);
    expect(started).toEqual(['modal']);
  });

  it('lets patient work wait five seconds before it asks for a turn, so a modal is never held up by it', async () => {
    const traffic = new Traffic();
    traffic.arrive();
    const background = new Background(1, traffic);
    const started: string[] = [];
    background.start(job(started, 'vote').run, { patient: true });
    await elapse(100);
    const modal = job(started, 'modal');
    background.start(modal.run);
    await elapse(1000);
    expect(started).toEqual(['modal']);
    modal.end();
    await elapse(3800);
    expect(started).toEqual(['modal']);
    // Five seconds on, it asks for its turn, and then waits as any work does: a second at most.
    await elapse(1000);
    expect(started).toEqual(['modal']);
    await elapse(250);
    expect(started).toEqual(['modal', 'vote']);
  });

  it('runs as many jobs at once as it has turns, and is drained once every one has ended', async () => {
    const background = new Background(2);
    const started: string[] = [];
    const jobs = ['a', 'b', 'c'].map((name) => job(started, name));
    for (const j of jobs) background.start(j.run);
    let drained = false;
    void background.drained().then(() => (drained = true));
    await elapse(50);
    expect(started).toEqual(['a', 'b']);
    jobs[0]!.end();
    await elapse(50);
    expect(started).toEqual(['a', 'b', 'c']);
    jobs[1]!.end();
    jobs[2]!.end();
    await elapse(0);
    expect(drained).toBe(true);
  });
});
