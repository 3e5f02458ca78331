/**
 * The hash type (t_hash.c), in Redis's two encodings.
 *
 * listpack: while a hash has at most hash-max-listpack-entries fields and no
 * field or value longer than hash-max-listpack-value bytes, its fields and
 * values live in one array, field then value, pair after pair, in insertion
 * order (an update keeps the field's place, a deletion closes the gap, as a
 * listpack does). A tiny hash (at most SMALL fields) finds fields by a linear
 * scan of that array; a bigger one also keeps a field -> pair position Map.
 *
 * hashtable: once it outgrows those limits (one way, as Redis), the hash is a
 * single field -> value Map and nothing else: the array and the position
 * index are dropped, which is most of the memory a big hash would otherwise
 * spend beyond its strings. Random picks (HRANDFIELD) then step a persistent
 * iterator (sampleMapKey), O(1) amortised, as RANDOMKEY does on the keyspace.
 */
import type { RObject } from './object.js';
import { sampleMapKey } from '../keyspace/sample.js';

/** Up to this many fields, a listpack-encoded hash has no index Map. */
export const SMALL = 16;

export class RHash implements RObject {
  readonly type = 'hash' as const;
  /** listpack encoding: field0, value0, field1, value1, ... (pair i at 2i, 2i+1); empty once a hashtable. */
  kv: string[] = [];
  /** listpack encoding with more than SMALL fields: field -> pair position. */
  index: Map<string, number> | null = null;
  /** hashtable encoding: field -> value; null while a listpack. */
  table: Map<string, string> | null = null;

  /** True while listpack-encoded. */
  get listpack(): boolean {
    return this.table === null;
  }

  get size(): number {
    const t = this.table;
    return t !== null ? t.size : this.kv.length >> 1;
  }

  /** listpack only: pair position of a field, or -1. */
  private find(field: string): number {
    const index = this.index;
    if (index === null) {
      const kv = this.kv;
      for (let j = 0; j < kv.length; j += 2) if (kv[j] === field) return j >> 1;
      return -1;
    }
    const i = index.get(field);
    return i === undefined ? -1 : i;
  }

  has(field: string): boolean {
    const t = this.table;
    return t !== null ? t.has(field) : this.find(field) >= 0;
  }

  get(field: string): string | undefined {
    const t = this.table;
    if (t !== null) return t.get(field);
    const i = this.find(field);
    return i < 0 ? undefined : this.kv[2 * i + 1];
  }

  /** Calls fn for every field and value: insertion order for a listpack, the table's order otherwise. */
  forEach(fn: (field: string, value: string) => void): void {
    const t = this.table;
    if (t !== null) {
      for (const [f, v] of t) fn(f, v);
      return;
    }
    const kv = this.kv;
    for (let j = 0; j < kv.length; j += 2) fn(kv[j], kv[j + 1]);
  }

  /** field0, value0, field1, value1, ... as a new array (O(n)). */
  pairs(): string[] {
    const t = this.table;
    if (t === null) return this.kv.slice();
    const out = new Array<string>(2 * t.size);
    let j = 0;
    for (const [f, v] of t) {
      out[j++] = f;
      out[j++] = v;
    }
    return out;
  }

  /** All fields, in iteration order (a new array: O(n)). */
  get fields(): string[] {
    const t = this.table;
    if (t !== null) return [...t.keys()];
    const kv = this.kv;
    const out = new Array<string>(kv.length >> 1);
    for (let j = 0; j < kv.length; j += 2) out[j >> 1] = kv[j];
    return out;
  }

  /** All values, in the order of `fields` (a new array: O(n)). */
  get values(): string[] {
    const t = this.table;
    if (t !== null) return [...t.values()];
    const kv = this.kv;
    const out = new Array<string>(kv.length >> 1);
    for (let j = 1; j < kv.length; j += 2) out[j >> 1] = kv[j];
    return out;
  }

  /** Converts to the hashtable encoding (one way). */
  convert(): void {
    if (this.table !== null) return;
    const t = new Map<string, string>();
    const kv = this.kv;
    for (let j = 0; j < kv.length; j += 2) t.set(kv[j], kv[j + 1]);
    this.table = t;
    this.kv = [];
    this.index = null;
  }

  /**
   * Sets a field (hashTypeSet): converts first when the field or value is
   * too long for a listpack, and after an insertion that makes it too big.
   * Returns true when the field is new.
   */
  set(field: string, value: string, maxEntries: number, maxValue: number): boolean {
    let t = this.table;
    if (t === null && (field.length > maxValue || value.length > maxValue)) {
      this.convert();
      t = this.table;
    }
    if (t !== null) {
      const before = t.size;
      t.set(field, value);
      return t.size !== before;
    }
    const i = this.find(field);
    const kv = this.kv;
    if (i >= 0) {
      kv[2 * i + 1] = value;
      return false;
    }
    const n = kv.length >> 1;
    if (n + 1 > maxEntries) {
      kv.push(field, value);
      this.convert();
      return true;
    }
    if (this.index !== null) {
      kv.push(field, value);
      this.index.set(field, n);
    } else if (n + 1 > SMALL) {
      kv.push(field, value);
      const index = new Map<string, number>();
      for (let j = 0; j < kv.length; j += 2) index.set(kv[j], j >> 1);
      this.index = index;
    } else {
      // a small array grows by copying: exact size, no spare capacity
      this.kv = kv.concat(field, value);
    }
    return true;
  }

  /**
   * Converts to a hashtable when any of the strings is longer than maxValue
   * (hashTypeTryConversion, done before a multi-field HSET).
   */
  tryConversion(strings: readonly string[], start: number, maxValue: number): void {
    if (this.table !== null) return;
    for (let i = start; i < strings.length; i++) {
      if (strings[i].length > maxValue) {
        this.convert();
        return;
      }
    }
  }

  /** Removes a field; returns false when it was not there. */
  delete(field: string): boolean {
    const t = this.table;
    if (t !== null) return t.delete(field);
    const i = this.find(field);
    if (i < 0) return false;
    const index = this.index;
    if (index !== null) index.delete(field);
    const kv = this.kv;
    const last = (kv.length >> 1) - 1;
    if (i === last) {
      kv.pop();
      kv.pop();
    } else {
      kv.splice(2 * i, 2);
      if (index !== null) for (let j = i; j < last; j++) index.set(kv[2 * j], j);
    }
    return true;
  }

  /** A field picked at random (the hash must not be empty). */
  randomField(): string {
    const t = this.table;
    if (t !== null) return sampleMapKey(t)!;
    return this.kv[2 * Math.floor(Math.random() * (this.kv.length >> 1))];
  }

  encoding(): string {
    return this.table === null ? 'listpack' : 'hashtable';
  }

  clone(): RHash {
    const h = new RHash();
    h.kv = this.kv.slice();
    h.index = this.index === null ? null : new Map(this.index);
    h.table = this.table === null ? null : new Map(this.table);
    return h;
  }
}
