/**
 * The hash type (t_hash.c). Fields and values live in two parallel arrays
 * (O(1) random access for HRANDFIELD) with a field -> position Map (O(1)
 * lookup).
 *
 * Encoding: Redis keeps a small hash as a "listpack" (fields in insertion
 * order, an update keeps the field's place, a deletion closes the gap)
 * while it has at most hash-max-listpack-entries fields and no field or
 * value longer than hash-max-listpack-value bytes, and converts it to a
 * "hashtable" for good otherwise. While listpack-encoded, deletion shifts
 * the later entries down to keep that order (O(n), as a listpack deletion
 * is); once a hashtable, it swaps the last entry into the hole (O(1)).
 *
 * Memory: a tiny listpack-encoded hash (at most SMALL fields) has no Map at
 * all and finds fields by a linear scan of its array, as a listpack does;
 * the Map is built when it grows past that or becomes a hashtable.
 */
import type { RObject } from './object.js';

/** Up to this many fields, a listpack-encoded hash has no index Map. */
export const SMALL = 16;

export class RHash implements RObject {
  readonly type = 'hash' as const;
  fields: string[] = [];
  values: string[] = [];
  /** field -> position in `fields` / `values`; null while small and listpack-encoded. */
  index: Map<string, number> | null = null;
  /** Redis's listpack encoding (one-way: cleared for good). */
  listpack = true;

  get size(): number {
    return this.fields.length;
  }

  /** Position of a field, or -1. */
  find(field: string): number {
    const index = this.index;
    if (index === null) return this.fields.indexOf(field);
    const i = index.get(field);
    return i === undefined ? -1 : i;
  }

  has(field: string): boolean {
    return this.find(field) >= 0;
  }

  get(field: string): string | undefined {
    const i = this.find(field);
    return i < 0 ? undefined : this.values[i];
  }

  /** The field -> position Map (built if needed), e.g. for HSCAN cursors. */
  fieldMap(): Map<string, number> {
    let index = this.index;
    if (index === null) {
      index = new Map();
      const f = this.fields;
      for (let i = 0; i < f.length; i++) index.set(f[i], i);
      this.index = index;
    }
    return index;
  }

  /** Converts to the hashtable encoding (one way). */
  convert(): void {
    this.listpack = false;
    this.fieldMap();
  }

  /**
   * Sets a field (hashTypeSet): converts first when the field or value is
   * too long for a listpack, and after an insertion that makes it too big.
   * Returns true when the field is new.
   */
  set(field: string, value: string, maxEntries: number, maxValue: number): boolean {
    if (this.listpack && (field.length > maxValue || value.length > maxValue)) this.convert();
    const i = this.find(field);
    if (i >= 0) {
      this.values[i] = value;
      return false;
    }
    const n = this.fields.length;
    this.fields.push(field);
    this.values.push(value);
    if (this.index !== null) this.index.set(field, n);
    else if (n + 1 > SMALL) this.fieldMap();
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
    const fields = this.fields;
    const values = this.values;
    const last = fields.length - 1;
    if (i === last) {
      fields.pop();
      values.pop();
    } else if (this.listpack) {
      fields.splice(i, 1);
      values.splice(i, 1);
      if (index !== null) for (let j = i; j < last; j++) index.set(fields[j], j);
    } else {
      const f = fields.pop()!;
      const v = values.pop()!;
      fields[i] = f;
      values[i] = v;
      index!.set(f, i);
    }
    return true;
  }

  /** Position of a field picked uniformly at random (the hash must not be empty). */
  randomIndex(): number {
    return Math.floor(Math.random() * this.fields.length);
  }

  encoding(): string {
    return this.listpack ? 'listpack' : 'hashtable';
  }

  clone(): RHash {
    const h = new RHash();
    h.fields = this.fields.slice();
    h.values = this.values.slice();
    h.index = this.index === null ? null : new Map(this.index);
    h.listpack = this.listpack;
    return h;
  }
}
