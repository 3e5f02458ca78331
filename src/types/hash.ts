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
 */
import type { RObject } from './object.js';

export class RHash implements RObject {
  readonly type = 'hash' as const;
  fields: string[] = [];
  values: string[] = [];
  /** field -> position in `fields` / `values` */
  index = new Map<string, number>();
  /** Redis's listpack encoding (one-way: cleared for good). */
  listpack = true;

  get size(): number {
    return this.fields.length;
  }

  has(field: string): boolean {
    return this.index.has(field);
  }

  get(field: string): string | undefined {
    const i = this.index.get(field);
    return i === undefined ? undefined : this.values[i];
  }

  /**
   * Sets a field (hashTypeSet): converts first when the field or value is
   * too long for a listpack, and after an insertion that makes it too big.
   * Returns true when the field is new.
   */
  set(field: string, value: string, maxEntries: number, maxValue: number): boolean {
    if (this.listpack && (field.length > maxValue || value.length > maxValue)) this.listpack = false;
    const i = this.index.get(field);
    if (i !== undefined) {
      this.values[i] = value;
      return false;
    }
    const n = this.fields.length;
    this.fields.push(field);
    this.values.push(value);
    this.index.set(field, n);
    if (this.listpack && n + 1 > maxEntries) this.listpack = false;
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
        this.listpack = false;
        return;
      }
    }
  }

  /** Removes a field; returns false when it was not there. */
  delete(field: string): boolean {
    const index = this.index;
    const i = index.get(field);
    if (i === undefined) return false;
    index.delete(field);
    const fields = this.fields;
    const values = this.values;
    const last = fields.length - 1;
    if (i === last) {
      fields.pop();
      values.pop();
    } else if (this.listpack) {
      fields.splice(i, 1);
      values.splice(i, 1);
      for (let j = i; j < last; j++) index.set(fields[j], j);
    } else {
      const f = fields.pop()!;
      const v = values.pop()!;
      fields[i] = f;
      values[i] = v;
      index.set(f, i);
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
    h.index = new Map(this.index);
    h.listpack = this.listpack;
    return h;
  }
}
