/**
 * The list type: a deque of byte strings (latin1 JS strings) in a growable
 * ring buffer. Push and pop at both ends are O(1) amortised, access by
 * index is O(1); insertion and removal in the middle move the shorter side
 * (O(n), as Redis's LINSERT and LREM are).
 *
 * Redis 7.0 always reports the "quicklist" encoding for lists.
 */
import type { RObject } from './object.js';

const MIN_CAP = 8;

export class ListValue implements RObject {
  readonly type = 'list' as const;
  private buf: (string | undefined)[];
  private head = 0;
  private len = 0;
  private mask: number;

  constructor(capacity = MIN_CAP) {
    let cap = MIN_CAP;
    while (cap < capacity) cap *= 2;
    this.buf = new Array<string | undefined>(cap);
    this.mask = cap - 1;
  }

  static from(items: Iterable<string>): ListValue {
    const arr = Array.isArray(items) ? (items as string[]) : [...items];
    const l = new ListValue(arr.length);
    for (let i = 0; i < arr.length; i++) l.buf[i] = arr[i];
    l.len = arr.length;
    return l;
  }

  get length(): number {
    return this.len;
  }

  encoding(): string {
    return 'quicklist';
  }

  clone(): ListValue {
    return ListValue.from(this.toArray());
  }

  private grow(): void {
    const old = this.buf;
    const cap = old.length;
    const nb = new Array<string | undefined>(cap * 2);
    for (let i = 0; i < this.len; i++) nb[i] = old[(this.head + i) & this.mask];
    this.buf = nb;
    this.head = 0;
    this.mask = cap * 2 - 1;
  }

  /** Halves the buffer when it is mostly empty (keeps memory proportional to length). */
  private maybeShrink(): void {
    const cap = this.buf.length;
    if (cap <= MIN_CAP || this.len > cap >>> 2) return;
    let ncap = cap;
    while (ncap > MIN_CAP && this.len <= ncap >>> 2) ncap >>>= 1;
    const nb = new Array<string | undefined>(ncap);
    for (let i = 0; i < this.len; i++) nb[i] = this.buf[(this.head + i) & this.mask];
    this.buf = nb;
    this.head = 0;
    this.mask = ncap - 1;
  }

  pushHead(v: string): void {
    if (this.len === this.buf.length) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.buf[this.head] = v;
    this.len++;
  }

  pushTail(v: string): void {
    if (this.len === this.buf.length) this.grow();
    this.buf[(this.head + this.len) & this.mask] = v;
    this.len++;
  }

  /** Pushes at the head (`left`) or tail. */
  push(v: string, left: boolean): void {
    if (left) this.pushHead(v);
    else this.pushTail(v);
  }

  popHead(): string | undefined {
    if (this.len === 0) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.len--;
    this.maybeShrink();
    return v;
  }

  popTail(): string | undefined {
    if (this.len === 0) return undefined;
    const i = (this.head + this.len - 1) & this.mask;
    const v = this.buf[i];
    this.buf[i] = undefined;
    this.len--;
    this.maybeShrink();
    return v;
  }

  pop(left: boolean): string | undefined {
    return left ? this.popHead() : this.popTail();
  }

  /** Element at 0 <= i < length (no bounds check beyond that contract). */
  get(i: number): string {
    return this.buf[(this.head + i) & this.mask] as string;
  }

  set(i: number, v: string): void {
    this.buf[(this.head + i) & this.mask] = v;
  }

  /** Element at a Redis index (negative from the tail), or undefined when out of range. */
  at(index: number): string | undefined {
    if (index < 0) index += this.len;
    if (index < 0 || index >= this.len) return undefined;
    return this.get(index);
  }

  /** Inserts v so that it ends up at position i (0 <= i <= length). */
  insertAt(i: number, v: string): void {
    if (i <= 0) return this.pushHead(v);
    if (i >= this.len) return this.pushTail(v);
    if (this.len === this.buf.length) this.grow();
    if (i < this.len - i) {
      // shift the first i elements one slot towards the head
      this.head = (this.head - 1) & this.mask;
      for (let j = 0; j < i; j++) this.set(j, this.get(j + 1));
    } else {
      // shift elements i..len-1 one slot towards the tail
      for (let j = this.len; j > i; j--) this.buf[(this.head + j) & this.mask] = this.buf[(this.head + j - 1) & this.mask];
    }
    this.len++;
    this.set(i, v);
  }

  /** Removes and returns the element at 0 <= i < length. */
  removeAt(i: number): string {
    const v = this.get(i);
    if (i < this.len - 1 - i) {
      for (let j = i; j > 0; j--) this.set(j, this.get(j - 1));
      this.buf[this.head] = undefined;
      this.head = (this.head + 1) & this.mask;
    } else {
      for (let j = i; j < this.len - 1; j++) this.set(j, this.get(j + 1));
      this.buf[(this.head + this.len - 1) & this.mask] = undefined;
    }
    this.len--;
    this.maybeShrink();
    return v;
  }

  /** Removes n elements from the head. */
  dropHead(n: number): void {
    if (n >= this.len) n = this.len;
    for (let j = 0; j < n; j++) {
      this.buf[this.head] = undefined;
      this.head = (this.head + 1) & this.mask;
    }
    this.len -= n;
    this.maybeShrink();
  }

  /** Removes n elements from the tail. */
  dropTail(n: number): void {
    if (n >= this.len) n = this.len;
    for (let j = 0; j < n; j++) {
      this.buf[(this.head + this.len - 1) & this.mask] = undefined;
      this.len--;
    }
    this.maybeShrink();
  }

  /**
   * LREM: removes up to `count` occurrences of v (count > 0 from the head,
   * count < 0 from the tail, 0 all). Returns how many were removed. One
   * pass, O(n).
   */
  removeValue(v: string, count: number): number {
    const n = this.len;
    const limit = count === 0 ? Infinity : Math.abs(count);
    let removed = 0;
    if (count >= 0) {
      let w = 0;
      for (let r = 0; r < n; r++) {
        const x = this.get(r);
        if (removed < limit && x === v) {
          removed++;
          continue;
        }
        if (w !== r) this.set(w, x);
        w++;
      }
      for (let j = w; j < n; j++) this.buf[(this.head + j) & this.mask] = undefined;
      this.len = w;
    } else {
      let w = n - 1;
      for (let r = n - 1; r >= 0; r--) {
        const x = this.get(r);
        if (removed < limit && x === v) {
          removed++;
          continue;
        }
        if (w !== r) this.set(w, x);
        w--;
      }
      const drop = w + 1;
      for (let j = 0; j < drop; j++) this.buf[(this.head + j) & this.mask] = undefined;
      this.head = (this.head + drop) & this.mask;
      this.len = n - drop;
    }
    if (removed > 0) this.maybeShrink();
    return removed;
  }

  /** Elements start..end inclusive (already clamped to 0 <= start <= end < length). */
  slice(start: number, end: number): string[] {
    const out = new Array<string>(end - start + 1);
    for (let i = start; i <= end; i++) out[i - start] = this.get(i);
    return out;
  }

  toArray(): string[] {
    return this.len === 0 ? [] : this.slice(0, this.len - 1);
  }

  *[Symbol.iterator](): IterableIterator<string> {
    for (let i = 0; i < this.len; i++) yield this.get(i);
  }
}
