/**
 * A map from names (byte strings: latin1 JS strings) to values that iterates
 * in byte order of the names, as a rax lists its keys: `<` on one-byte
 * strings is memcmp order with a shorter prefix first.
 *
 * Used for a stream's consumer groups and a group's consumers: looked up by
 * name often, listed (XINFO, COPY, MEMORY USAGE, DEBUG) rarely, and few. So a
 * `Map` does the lookups and the name list is sorted only when it is listed
 * after a change: set and delete are O(1), a listing O(n log n) after a
 * change and O(n) otherwise.
 */

function byBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class NameMap<V> {
  private readonly map = new Map<string, V>();
  /** The names in byte order, or null when a change has not been sorted in yet. */
  private sorted: string[] | null = [];

  get size(): number {
    return this.map.size;
  }

  get(name: string): V | undefined {
    return this.map.get(name);
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  /** Inserts or replaces; true when the name is new. */
  set(name: string, value: V): boolean {
    const isNew = !this.map.has(name);
    this.map.set(name, value);
    if (isNew) this.sorted = null;
    return isNew;
  }

  /** Removes a name; true when it was there. */
  delete(name: string): boolean {
    if (!this.map.delete(name)) return false;
    this.sorted = null;
    return true;
  }

  /** The names in byte order (a fresh array after each change: never mutated, safe to keep). */
  names(): readonly string[] {
    if (this.sorted === null) this.sorted = [...this.map.keys()].sort(byBytes);
    return this.sorted;
  }

  /** Visits the entries in byte order of the names (the map must not change meanwhile). */
  forEach(fn: (value: V, name: string) => void): void {
    const map = this.map;
    for (const name of this.names()) fn(map.get(name) as V, name);
  }

  /** A copy, each value passed through `copy`. */
  clone(copy: (value: V, name: string) => V): NameMap<V> {
    const m = new NameMap<V>();
    const names = this.names();
    for (const name of names) m.map.set(name, copy(this.map.get(name) as V, name));
    m.sorted = names as string[];
    return m;
  }

  /** Checks the invariants (tests). Throws on violation. */
  check(): void {
    const s = this.sorted;
    if (s === null) return;
    if (s.length !== this.map.size) throw new Error('name list size differs');
    for (let i = 0; i < s.length; i++) {
      if (!this.map.has(s[i])) throw new Error('listed name not in the map');
      if (i > 0 && !(s[i - 1] < s[i])) throw new Error('names out of order');
    }
  }
}
