/**
 * The set type (t_set.c). Members live in an array (O(1) random access for
 * SPOP / SRANDMEMBER) plus a member -> position Map (O(1) membership);
 * deletion swaps the last member into the hole.
 *
 * Encoding: Redis keeps a set as an "intset" (a sorted array of integers)
 * while every member is a canonical 64-bit integer and the size is within
 * set-max-intset-entries, and converts it to a "hashtable" for good
 * otherwise. We only track the flag; and since an intset replies in numeric
 * order, the array is sorted (lazily, when someone iterates) while the flag
 * is set.
 *
 * Memory: a tiny set (at most SMALL members) has no Map at all and finds
 * members by a linear scan of its array; the Map is built when the set
 * grows past that (or when SSCAN needs a cursor over it), and then kept.
 */
import type { RObject } from './object.js';
import { isIntEncodable } from '../protocol/numbers.js';

/** Numeric order of two canonical 64-bit integer strings. */
export function compareIntStrings(a: string, b: string): number {
  const an = a.charCodeAt(0) === 45;
  const bn = b.charCodeAt(0) === 45;
  if (an !== bn) return an ? -1 : 1;
  if (a.length !== b.length) return an ? b.length - a.length : a.length - b.length;
  if (a === b) return 0;
  return (a < b) !== an ? -1 : 1;
}

/** Up to this many members, a set may have no index Map. */
export const SMALL = 16;

export class RSet implements RObject {
  readonly type = 'set' as const;
  /** Members; in numeric order when `intset` and `sorted`. */
  members: string[] = [];
  /** member -> position in `members`; null while small. */
  index: Map<string, number> | null = null;
  /** Redis's intset encoding (one-way: cleared for good). */
  intset: boolean;
  private sorted = true;

  /** An empty set of the encoding Redis would create for its first member (setTypeCreate). */
  constructor(intset = true) {
    this.intset = intset;
  }

  static forMember(first: string): RSet {
    return new RSet(isIntEncodable(first));
  }

  /** Builds a set from members (duplicates ignored), converting as Redis would. */
  static from(members: Iterable<string>, maxIntset: number): RSet {
    const s = new RSet(true);
    for (const m of members) s.add(m, maxIntset);
    return s;
  }

  get size(): number {
    return this.members.length;
  }

  /** Position of a member, or -1. */
  find(m: string): number {
    const index = this.index;
    if (index === null) return this.members.indexOf(m);
    const i = index.get(m);
    return i === undefined ? -1 : i;
  }

  has(m: string): boolean {
    return this.find(m) >= 0;
  }

  /** The member -> position Map (built if needed), e.g. for SSCAN cursors. */
  memberMap(): Map<string, number> {
    let index = this.index;
    if (index === null) {
      index = new Map();
      const m = this.members;
      for (let i = 0; i < m.length; i++) index.set(m[i], i);
      this.index = index;
    }
    return index;
  }

  /** Adds a member; returns false when it was already there (setTypeAdd). */
  add(m: string, maxIntset: number): boolean {
    if (this.find(m) >= 0) return false;
    const members = this.members;
    const n = members.length;
    if (this.intset) {
      if (!isIntEncodable(m)) {
        this.convert();
      } else {
        if (this.sorted && n > 0 && compareIntStrings(members[n - 1], m) > 0) this.sorted = false;
        if (n + 1 > maxIntset) this.convert();
      }
    }
    const index = this.index;
    if (index !== null) {
      members.push(m);
      index.set(m, n);
    } else if (n + 1 > SMALL) {
      members.push(m);
      this.memberMap();
    } else {
      // a small array grows by copying: exact size, no spare capacity
      this.members = members.concat(m);
    }
    return true;
  }

  /** Removes a member; returns false when it was not there. */
  delete(m: string): boolean {
    const i = this.find(m);
    if (i < 0) return false;
    const index = this.index;
    if (index !== null) index.delete(m);
    const members = this.members;
    const last = members.pop()!;
    if (i < members.length) {
      members[i] = last;
      if (index !== null) index.set(last, i);
      this.sorted = false;
    }
    return true;
  }

  /** Converts to the hashtable encoding (one way). */
  convert(): void {
    this.intset = false;
    this.sorted = true;
  }

  /** A member picked uniformly at random (the set must not be empty). */
  random(): string {
    const members = this.members;
    return members[Math.floor(Math.random() * members.length)];
  }

  /** Removes and returns a random member (the set must not be empty). */
  pop(): string {
    const members = this.members;
    const i = Math.floor(Math.random() * members.length);
    const m = members[i];
    // remove by position (no lookup of the member): the last member fills the hole
    const index = this.index;
    if (index !== null) index.delete(m);
    const last = members.pop()!;
    if (i < members.length) {
      members[i] = last;
      if (index !== null) index.set(last, i);
      this.sorted = false;
    }
    return m;
  }

  /**
   * The members in the order Redis iterates them: numeric order for an
   * intset. The array is the set's own: do not modify it, and do not modify
   * the set while using it.
   */
  ordered(): readonly string[] {
    if (this.intset && !this.sorted) {
      const members = this.members;
      members.sort(compareIntStrings);
      const index = this.index;
      if (index !== null) for (let i = 0; i < members.length; i++) index.set(members[i], i);
      this.sorted = true;
    }
    return this.members;
  }

  encoding(): string {
    return this.intset ? 'intset' : 'hashtable';
  }

  clone(): RSet {
    const s = new RSet(this.intset);
    s.members = this.members.slice();
    s.index = this.index === null ? null : new Map(this.index);
    s.sorted = this.sorted;
    return s;
  }
}
