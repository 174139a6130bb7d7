/**
 * A Map that holds at most `maxEntries` keys and forgets the least recently used one first. The bridge keeps
 * per-key state for names chosen by whoever sends requests (generic source names, GitHub event names), so
 * every such table must be bounded: an unbounded one grows with each random name an attacker invents.
 *
 * A JavaScript Map iterates in insertion order, so re-inserting a key on each read keeps the least recently used
 * key first. (lru-cache would do; it is not among the dependencies, and this needs twenty lines.)
 */
export class LruMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error(`an LRU map needs at least 1 entry, not ${maxEntries}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value, now the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key) as V;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** Stores the value as the most recently used, evicting the least recently used key beyond the bound. */
  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as K);
  }

  /** Reads without refreshing the key's recency. */
  peek(key: K): V | undefined {
    return this.entries.get(key);
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }
}
