/**
 * Reads that many clients ask at once (a CI fleet polling the same listing with the same token) share one read
 * instead of queueing one each on the database.
 *
 * A read already under way is never joined: it may have started before the ask, and so miss a write committed just
 * before it (a revoked token, a new request). An ask joins the next read of its key, which starts once the one under
 * way (if any) has ended and the event loop has taken in the requests already waiting on its sockets (`setImmediate`):
 * every answer is as fresh as a read of its own, only the number of reads falls. The wait for the sockets matters on
 * embedded PGlite, whose queries run on this thread: without it a read would end before the next request is read.
 */
export function sharedReads<A, R>(read: (arg: A) => Promise<R>, keyOf: (arg: A) => string): (arg: A) => Promise<R> {
  const keys = new Map<string, { waiting?: Promise<R>; running?: Promise<void> }>();

  return (arg) => {
    const key = keyOf(arg);
    let reads = keys.get(key);
    if (!reads) keys.set(key, (reads = {}));
    if (reads.waiting) return reads.waiting;
    const previous = reads.running;
    const answer = (async () => {
      await previous;
      await new Promise((resolve) => setImmediate(resolve));
      reads.waiting = undefined;
      return read(arg);
    })();
    const ended = () => {
      if (reads.running === running && !reads.waiting) keys.delete(key);
    };
    const running = answer.then(ended, ended);
    reads.waiting = answer;
    reads.running = running;
    return answer;
  };
}
