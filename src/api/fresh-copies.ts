/**
 * Copies of what the API reads often (a token, a page of requests), each kept with the change count it was read
 * under: a copy is used only while a count read after the request arrived is still the same, so it is as fresh as a
 * read of its own. Read the count before the value: a change committed in between makes the copy look older than it
 * is, never newer. At most `limit` copies, the oldest dropped first; none older than `maxAgeMs`.
 */
export class FreshCopies<V> {
  readonly #copies = new Map<string, { count: number; value: V; readAt: number }>();

  constructor(
    private readonly limit: number,
    private readonly maxAgeMs = Number.POSITIVE_INFINITY,
  ) {}

  /** The copy of `key` read under `count`, else `read()`'s answer, kept unless undefined. */
  async get(key: string, count: number, read: () => Promise<V | undefined>): Promise<V | undefined> {
    const copy = this.#copies.get(key);
    if (copy && copy.count === count && performance.now() - copy.readAt < this.maxAgeMs) return copy.value;
    const value = await read();
    this.#copies.delete(key);
    if (value === undefined) return undefined;
    this.#copies.set(key, { count, value, readAt: performance.now() });
    if (this.#copies.size > this.limit) this.#copies.delete(this.#copies.keys().next().value!);
    return value;
  }
}
