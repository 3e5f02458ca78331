/**
 * The hash type (t_hash.c). Fields and values live in one array, field then
 * value, pair after pair (O(1) random access for HRANDFIELD), with a field
 * -> pair position Map for O(1) lookup.
 *
 * Encoding: Redis keeps a small hash as a "listpack" (fields in insertion
 * order, an update keeps the field's place, a deletion closes the gap)
 * while it has at most hash-max-listpack-entries fields and no field or
 * value longer than hash-max-listpack-value bytes, and converts it to a
 * "hashtable" for good otherwise. While listpack-encoded, deletion shifts
 * the later pairs down to keep that order (O(n), as a listpack deletion
 * is); once a hashtable, it moves the last pair into the hole (O(1)).
 *
 * Memory: a tiny hash (at most SMALL fields) has no Map at all and finds
 * fields by a linear scan of its array, as a listpack does; the Map is
 * built when the hash grows past that (or when HSCAN needs a cursor over
 * it), and then kept.
 */
import type { RObject } from './object.js';

/** Up to this many fields, a hash may have no index Map. */
export const SMALL = 16;

export class RHash implements RObject {
  readonly type = 'hash' as const;
  /** field0, value0, field1, value1, ... (pair i at 2i, 2i+1) */
  kv: string[] = [];
  /** field -> pair position; null while small. */
  index: Map<string, number> | null = null;
  /** Redis's listpack encoding (one-way: cleared for good). */
  listpack = true;

  get size(): number {
    return this.kv.length >> 1;
  }

  /** Pair position of a field, or -1. */
  find(field: string): number {
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
    return this.find(field) >= 0;
  }

  get(field: string): string | undefined {
    const i = this.find(field);
    return i < 0 ? undefined : this.kv[2 * i + 1];
  }

  /** All fields, in order (a new array: O(n); prefer fieldAt / kv in hot paths). */
  get fields(): string[] {
    const kv = this.kv;
    const out = new Array<string>(kv.length >> 1);
    for (let j = 0; j < kv.length; j += 2) out[j >> 1] = kv[j];
    return out;
  }

  /** All values, in field order (a new array: O(n); prefer valueAt / kv in hot paths). */
  get values(): string[] {
    const kv = this.kv;
    const out = new Array<string>(kv.length >> 1);
    for (let j = 1; j < kv.length; j += 2) out[j >> 1] = kv[j];
    return out;
  }

  fieldAt(i: number): string {
    return this.kv[2 * i];
  }

  valueAt(i: number): string {
    return this.kv[2 * i + 1];
  }

  /** The field -> pair position Map (built if needed), e.g. for HSCAN cursors. */
  fieldMap(): Map<string, number> {
    let index = this.index;
    if (index === null) {
      index = new Map();
      const kv = this.kv;
      for (let j = 0; j < kv.length; j += 2) index.set(kv[j], j >> 1);
      this.index = index;
    }
    return index;
  }

  /** Converts to the hashtable encoding (one way). */
  convert(): void {
    this.listpack = false;
  }

  /**
   * Sets a field (hashTypeSet): converts first when the field or value is
   * too long for a listpack, and after an insertion that makes it too big.
   * Returns true when the field is new.
   */
  set(field: string, value: string, maxEntries: number, maxValue: number): boolean {
    if (this.listpack && (field.length > maxValue || value.length > maxValue)) this.convert();
    const i = this.find(field);
    const kv = this.kv;
    if (i >= 0) {
      kv[2 * i + 1] = value;
      return false;
    }
    const n = kv.length >> 1;
    if (this.index !== null) {
      kv.push(field, value);
      this.index.set(field, n);
    } else if (n + 1 > SMALL) {
      kv.push(field, value);
      this.fieldMap();
    } else {
      // a small array grows by copying: exact size, no spare capacity
      this.kv = kv.concat(field, value);
    }
    if (this.listpack && n + 1 > maxEntries) this.convert();
    return true;
  }

  /**
   * Converts to a hashtable when any of the strings is longer than maxValue
   * (hashTypeTryConversion, done before a multi-field HSET).
   */
  tryConversion(strings: readonly string[], start: number, maxValue: number): void {
    if (!this.listpack) return;
    for (let i = start; i < strings.length; i++) {
      if (strings[i].length > maxValue) {
        this.convert();
        return;
      }
    }
  }

  /** Removes a field; returns false when it was not there. */
  delete(field: string): boolean {
    const i = this.find(field);
    if (i < 0) return false;
    const index = this.index;
    if (index !== null) index.delete(field);
    const kv = this.kv;
    const last = (kv.length >> 1) - 1;
    if (i === last) {
      kv.pop();
      kv.pop();
    } else if (this.listpack) {
      kv.splice(2 * i, 2);
      if (index !== null) for (let j = i; j < last; j++) index.set(kv[2 * j], j);
    } else {
      const v = kv.pop()!;
      const f = kv.pop()!;
      kv[2 * i] = f;
      kv[2 * i + 1] = v;
      if (index !== null) index.set(f, i);
    }
    return true;
  }

  /** Pair position of a field picked uniformly at random (the hash must not be empty). */
  randomIndex(): number {
    return Math.floor(Math.random() * (this.kv.length >> 1));
  }

  encoding(): string {
    return this.listpack ? 'listpack' : 'hashtable';
  }

  clone(): RHash {
    const h = new RHash();
    h.kv = this.kv.slice();
    h.index = this.index === null ? null : new Map(this.index);
    h.listpack = this.listpack;
    return h;
  }
}
