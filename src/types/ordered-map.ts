/**
 * IdMap: an ordered map from 16-byte keys (16-char latin1 strings such as
 * stream IDs, compared in byte order, which `<` gives for such strings) to
 * values: a B+tree with linked leaves, each key held as four uint32 words in
 * typed arrays (numeric comparisons over contiguous memory, 16 bytes a key).
 *
 * Lookup, insertion and deletion are O(log n); a cursor seeks a key (>=, >,
 * <=, <) in O(log n) and then steps to the next / previous key in O(1).
 * Appending keys in increasing order (a PEL filled by XREADGROUP, stream
 * nodes) keeps the leaves full instead of half full.
 *
 * Used by streams for the node index (master ID -> node) and the consumer
 * group and consumer PELs (ID -> NACK). Groups and consumers, keyed by name,
 * are NameMaps (name-map.ts).
 */

const LEAF_MAX = 64;
const INNER_MAX = 64;
/** A node below this fill is merged with a neighbour when both fit in one. */
const LEAF_LOW = LEAF_MAX >> 2;
const INNER_LOW = INNER_MAX >> 2;

export type SeekOp = '>=' | '>' | '<=' | '<';

function kw(k: string, o: number): number {
  return ((k.charCodeAt(o) << 24) | (k.charCodeAt(o + 1) << 16) | (k.charCodeAt(o + 2) << 8) | k.charCodeAt(o + 3)) >>> 0;
}

/** The 16-character key (big-endian bytes) of four 32-bit words. */
export function keyOfWords(a: number, b: number, c: number, d: number): string {
  return String.fromCharCode(
    a >>> 24,
    (a >>> 16) & 255,
    (a >>> 8) & 255,
    a & 255,
    b >>> 24,
    (b >>> 16) & 255,
    (b >>> 8) & 255,
    b & 255,
    c >>> 24,
    (c >>> 16) & 255,
    (c >>> 8) & 255,
    c & 255,
    d >>> 24,
    (d >>> 16) & 255,
    (d >>> 8) & 255,
    d & 255,
  );
}

function wordsKey(w: Uint32Array, o: number): string {
  return keyOfWords(w[o], w[o + 1], w[o + 2], w[o + 3]);
}

class IdLeaf<V> {
  /** Keys: w[4i..4i+3]; one spare slot for the split. */
  w = new Uint32Array(4 * (LEAF_MAX + 1));
  v: V[] = [];
  n = 0;
  next: IdLeaf<V> | null = null;
  prev: IdLeaf<V> | null = null;
}

class IdInner<V> {
  /** Separator of child i (i >= 1) at s[4i..4i+3]; slot 0 unused; one spare slot. */
  s = new Uint32Array(4 * (INNER_MAX + 1));
  c: IdNode<V>[] = [];
}

type IdNode<V> = IdLeaf<V> | IdInner<V>;

/** Compares the key at w[o] with (a, b, c, d). */
function cmpW(w: Uint32Array, o: number, a: number, b: number, c: number, d: number): number {
  return w[o] - a || w[o + 1] - b || w[o + 2] - c || w[o + 3] - d;
}

function idChildFor<V>(p: IdInner<V>, a: number, b: number, c: number, d: number): number {
  const s = p.s;
  let lo = 1;
  let hi = p.c.length - 1;
  let ans = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cmpW(s, mid << 2, a, b, c, d) <= 0) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

function idLowerBound<V>(l: IdLeaf<V>, a: number, b: number, c: number, d: number): number {
  const w = l.w;
  let lo = 0;
  let hi = l.n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cmpW(w, mid << 2, a, b, c, d) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function idFirstLeaf<V>(n: IdNode<V>): IdLeaf<V> {
  while (n instanceof IdInner) n = n.c[0];
  return n;
}

function idLastLeaf<V>(n: IdNode<V>): IdLeaf<V> {
  while (n instanceof IdInner) n = n.c[n.c.length - 1];
  return n;
}

/**
 * A position in an IdMap: `valid` until it steps past either end.
 * Any change to the map invalidates its cursors (seek again).
 */
export class IdCursor<V> {
  /** @internal */
  constructor(
    private leaf: IdLeaf<V> | null,
    private i: number,
  ) {}

  get valid(): boolean {
    return this.leaf !== null;
  }

  /** Key under the cursor (a new 16-char string; the cursor must be valid). */
  get key(): string {
    return wordsKey(this.leaf!.w, this.i << 2);
  }

  get value(): V {
    return this.leaf!.v[this.i];
  }

  next(): boolean {
    const l = this.leaf;
    if (l === null) return false;
    if (++this.i >= l.n) {
      this.leaf = l.next;
      this.i = 0;
    }
    return this.leaf !== null;
  }

  prev(): boolean {
    const l = this.leaf;
    if (l === null) return false;
    if (--this.i < 0) {
      this.leaf = l.prev;
      this.i = this.leaf === null ? 0 : this.leaf.n - 1;
    }
    return this.leaf !== null;
  }
}

/** An ordered map from 16-byte keys; keys read back (cursor.key, forEach) are new strings. */
export class IdMap<V> {
  private root: IdNode<V> = new IdLeaf<V>();
  private count = 0;
  private splitNode: IdNode<V> | null = null;
  private sa = 0;
  private sb = 0;
  private sc = 0;
  private sd = 0;
  private inserted = false;

  get size(): number {
    return this.count;
  }

  /** Builds a map from keys already in increasing order (no duplicates). */
  static fromSorted<V>(keys: readonly string[], values: readonly V[]): IdMap<V> {
    const m = new IdMap<V>();
    for (let i = 0; i < keys.length; i++) m.set(keys[i], values[i]);
    return m;
  }

  private findLeaf(a: number, b: number, c: number, d: number): IdLeaf<V> {
    let n = this.root;
    while (n instanceof IdInner) n = n.c[idChildFor(n, a, b, c, d)];
    return n;
  }

  get(key: string): V | undefined {
    const a = kw(key, 0);
    const b = kw(key, 4);
    const c = kw(key, 8);
    const d = kw(key, 12);
    const l = this.findLeaf(a, b, c, d);
    const i = idLowerBound(l, a, b, c, d);
    return i < l.n && cmpW(l.w, i << 2, a, b, c, d) === 0 ? l.v[i] : undefined;
  }

  has(key: string): boolean {
    const a = kw(key, 0);
    const b = kw(key, 4);
    const c = kw(key, 8);
    const d = kw(key, 12);
    const l = this.findLeaf(a, b, c, d);
    const i = idLowerBound(l, a, b, c, d);
    return i < l.n && cmpW(l.w, i << 2, a, b, c, d) === 0;
  }

  /** Inserts or replaces; true when the key is new. */
  set(key: string, value: V): boolean {
    this.splitNode = null;
    this.inserted = false;
    this.ins(this.root, kw(key, 0), kw(key, 4), kw(key, 8), kw(key, 12), value, true);
    if (this.splitNode !== null) {
      const r = new IdInner<V>();
      r.c.push(this.root, this.splitNode);
      r.s[4] = this.sa;
      r.s[5] = this.sb;
      r.s[6] = this.sc;
      r.s[7] = this.sd;
      this.root = r;
      this.splitNode = null;
    }
    if (this.inserted) this.count++;
    return this.inserted;
  }

  private ins(node: IdNode<V>, a: number, b: number, c: number, d: number, value: V, rightmost: boolean): void {
    if (node instanceof IdLeaf) {
      const i = idLowerBound(node, a, b, c, d);
      const w = node.w;
      const n = node.n;
      if (i < n && cmpW(w, i << 2, a, b, c, d) === 0) {
        node.v[i] = value;
        return;
      }
      this.inserted = true;
      const lv = node.v;
      if (i < n) {
        w.copyWithin((i + 1) << 2, i << 2, n << 2);
        lv.push(value);
        for (let j = n; j > i; j--) lv[j] = lv[j - 1];
        lv[i] = value;
      } else lv.push(value);
      const o = i << 2;
      w[o] = a;
      w[o + 1] = b;
      w[o + 2] = c;
      w[o + 3] = d;
      node.n = n + 1;
      if (node.n > LEAF_MAX) {
        const total = node.n;
        const h = rightmost && i === total - 1 ? total - 1 : total >> 1;
        const sib = new IdLeaf<V>();
        sib.w.set(w.subarray(h << 2, total << 2));
        sib.v = lv.splice(h);
        sib.n = total - h;
        node.n = h;
        sib.next = node.next;
        if (sib.next !== null) sib.next.prev = sib;
        sib.prev = node;
        node.next = sib;
        this.splitNode = sib;
        this.sa = sib.w[0];
        this.sb = sib.w[1];
        this.sc = sib.w[2];
        this.sd = sib.w[3];
      }
      return;
    }
    const i = idChildFor(node, a, b, c, d);
    this.ins(node.c[i], a, b, c, d, value, rightmost && i === node.c.length - 1);
    if (this.splitNode === null) return;
    const sib = this.splitNode;
    const n = node.c.length;
    const s = node.s;
    if (i + 1 < n) s.copyWithin((i + 2) << 2, (i + 1) << 2, n << 2);
    const o = (i + 1) << 2;
    s[o] = this.sa;
    s[o + 1] = this.sb;
    s[o + 2] = this.sc;
    s[o + 3] = this.sd;
    if (i + 1 === n) node.c.push(sib);
    else node.c.splice(i + 1, 0, sib);
    this.splitNode = null;
    const total = node.c.length;
    if (total > INNER_MAX) {
      const h = rightmost && i + 1 === total - 1 ? total - 1 : total >> 1;
      const right = new IdInner<V>();
      right.s.set(s.subarray(h << 2, total << 2));
      right.c = node.c.splice(h);
      this.sa = right.s[0];
      this.sb = right.s[1];
      this.sc = right.s[2];
      this.sd = right.s[3];
      this.splitNode = right;
    }
  }

  /** Removes a key; true when it was there. */
  delete(key: string): boolean {
    const found = this.del(this.root, kw(key, 0), kw(key, 4), kw(key, 8), kw(key, 12));
    if (found) {
      this.count--;
      while (this.root instanceof IdInner && this.root.c.length === 1) this.root = this.root.c[0];
      if (this.root instanceof IdInner && this.root.c.length === 0) this.root = new IdLeaf<V>();
    }
    return found;
  }

  private del(node: IdNode<V>, a: number, b: number, c: number, d: number): boolean {
    if (node instanceof IdLeaf) {
      const i = idLowerBound(node, a, b, c, d);
      const n = node.n;
      if (i >= n || cmpW(node.w, i << 2, a, b, c, d) !== 0) return false;
      node.w.copyWithin(i << 2, (i + 1) << 2, n << 2);
      const lv = node.v;
      for (let j = i + 1; j < n; j++) lv[j - 1] = lv[j];
      lv.pop();
      node.n = n - 1;
      return true;
    }
    const i = idChildFor(node, a, b, c, d);
    if (!this.del(node.c[i], a, b, c, d)) return false;
    this.fix(node, i);
    return true;
  }

  private removeKid(p: IdInner<V>, i: number): void {
    const n = p.c.length;
    if (i + 1 < n) p.s.copyWithin(i << 2, (i + 1) << 2, n << 2);
    p.c.splice(i, 1);
  }

  private fix(p: IdInner<V>, i: number): void {
    const child = p.c[i];
    const empty = child instanceof IdLeaf ? child.n === 0 : child.c.length === 0;
    if (empty) {
      if (child instanceof IdLeaf) this.unlink(child);
      this.removeKid(p, i);
      return;
    }
    const small = child instanceof IdLeaf ? child.n < LEAF_LOW : child.c.length < INNER_LOW;
    if (!small) return;
    if (i > 0 && this.canMerge(p.c[i - 1], child)) this.merge(p, i - 1);
    else if (i + 1 < p.c.length && this.canMerge(child, p.c[i + 1])) this.merge(p, i);
  }

  private canMerge(a: IdNode<V>, b: IdNode<V>): boolean {
    if (a instanceof IdLeaf) return a.n + (b as IdLeaf<V>).n <= LEAF_MAX;
    return a.c.length + (b as IdInner<V>).c.length <= INNER_MAX;
  }

  /** Merges child i+1 of p into child i. */
  private merge(p: IdInner<V>, i: number): void {
    const a = p.c[i];
    const b = p.c[i + 1];
    if (a instanceof IdLeaf) {
      const lb = b as IdLeaf<V>;
      a.w.set(lb.w.subarray(0, lb.n << 2), a.n << 2);
      for (let j = 0; j < lb.n; j++) a.v.push(lb.v[j]);
      a.n += lb.n;
      this.unlink(lb);
    } else {
      const ib = b as IdInner<V>;
      const n = a.c.length;
      a.s.set(ib.s.subarray(0, ib.c.length << 2), n << 2);
      // the first child of b is bounded by p's separator
      const o = n << 2;
      const po = (i + 1) << 2;
      a.s[o] = p.s[po];
      a.s[o + 1] = p.s[po + 1];
      a.s[o + 2] = p.s[po + 2];
      a.s[o + 3] = p.s[po + 3];
      for (let j = 0; j < ib.c.length; j++) a.c.push(ib.c[j]);
    }
    this.removeKid(p, i + 1);
  }

  private unlink(l: IdLeaf<V>): void {
    if (l.prev !== null) l.prev.next = l.next;
    if (l.next !== null) l.next.prev = l.prev;
    l.prev = l.next = null;
  }

  firstKey(): string | undefined {
    const l = idFirstLeaf(this.root);
    return l.n ? wordsKey(l.w, 0) : undefined;
  }

  lastKey(): string | undefined {
    const l = idLastLeaf(this.root);
    return l.n ? wordsKey(l.w, (l.n - 1) << 2) : undefined;
  }

  /** Value of the largest key <= key (the rax "<=" seek), or undefined. */
  floorValue(key: string): V | undefined {
    return this.floorValueWords(kw(key, 0), kw(key, 4), kw(key, 8), kw(key, 12));
  }

  /** floorValue of the key given as its four big-endian uint32 words. */
  floorValueWords(a: number, b: number, c: number, d: number): V | undefined {
    const l = this.findLeaf(a, b, c, d);
    let i = idLowerBound(l, a, b, c, d);
    if (i < l.n && cmpW(l.w, i << 2, a, b, c, d) === 0) return l.v[i];
    i--;
    if (i >= 0) return l.v[i];
    const p = l.prev;
    return p !== null && p.n ? p.v[p.n - 1] : undefined;
  }

  first(): IdCursor<V> {
    const l = idFirstLeaf(this.root);
    return new IdCursor<V>(l.n ? l : null, 0);
  }

  last(): IdCursor<V> {
    const l = idLastLeaf(this.root);
    return new IdCursor<V>(l.n ? l : null, l.n - 1);
  }

  seek(key: string, op: SeekOp): IdCursor<V> {
    const a = kw(key, 0);
    const b = kw(key, 4);
    const c = kw(key, 8);
    const d = kw(key, 12);
    let l: IdLeaf<V> | null = this.findLeaf(a, b, c, d);
    let i = idLowerBound(l, a, b, c, d);
    const exact = i < l.n && cmpW(l.w, i << 2, a, b, c, d) === 0;
    if (op === '>=' || op === '>') {
      if (op === '>' && exact) i++;
      while (l !== null && i >= l.n) {
        l = l.next;
        i = 0;
      }
      return new IdCursor<V>(l, i);
    }
    if (!(op === '<=' && exact)) i--;
    while (l !== null && i < 0) {
      l = l.prev;
      if (l !== null) i = l.n - 1;
    }
    return new IdCursor<V>(l, l === null ? 0 : i);
  }

  forEach(fn: (value: V, key: string) => boolean | void, reverse = false): void {
    if (!reverse) {
      for (let l: IdLeaf<V> | null = idFirstLeaf(this.root); l !== null; l = l.next) {
        const n = l.n;
        const v = l.v.slice(0, n);
        const w = l.w.slice(0, n << 2);
        for (let i = 0; i < n; i++) if (fn(v[i], wordsKey(w, i << 2)) === false) return;
      }
    } else {
      for (let l: IdLeaf<V> | null = idLastLeaf(this.root); l !== null; l = l.prev) {
        const n = l.n;
        const v = l.v.slice(0, n);
        const w = l.w.slice(0, n << 2);
        for (let i = n - 1; i >= 0; i--) if (fn(v[i], wordsKey(w, i << 2)) === false) return;
      }
    }
  }

  *keys(): IterableIterator<string> {
    for (let l: IdLeaf<V> | null = idFirstLeaf(this.root); l !== null; l = l.next) {
      const w = l.w.slice(0, l.n << 2);
      for (let i = 0; i < w.length; i += 4) yield wordsKey(w, i);
    }
  }

  *values(): IterableIterator<V> {
    for (let l: IdLeaf<V> | null = idFirstLeaf(this.root); l !== null; l = l.next) yield* l.v.slice(0, l.n);
  }

  *entries(): IterableIterator<[string, V]> {
    for (let l: IdLeaf<V> | null = idFirstLeaf(this.root); l !== null; l = l.next) {
      const w = l.w.slice(0, l.n << 2);
      const v = l.v.slice(0, l.n);
      for (let i = 0; i < v.length; i++) yield [wordsKey(w, i << 2), v[i]];
    }
  }

  clone(copy?: (value: V, key: string) => V): IdMap<V> {
    const keys: string[] = [];
    const values: V[] = [];
    this.forEach((v, k) => {
      keys.push(k);
      values.push(copy ? copy(v, k) : v);
    });
    return IdMap.fromSorted(keys, values);
  }

  clear(): void {
    this.root = new IdLeaf<V>();
    this.count = 0;
  }

  /** Checks every invariant (tests). Throws on violation. */
  check(): void {
    const leaves: IdLeaf<V>[] = [];
    const walk = (node: IdNode<V>, low: string | null, high: string | null, isRoot: boolean): number => {
      if (node instanceof IdLeaf) {
        leaves.push(node);
        if (node.v.length !== node.n) throw new Error('leaf sizes differ');
        if (!isRoot && node.n === 0) throw new Error('empty leaf');
        if (node.n > LEAF_MAX) throw new Error('leaf too big');
        let prev: string | null = null;
        for (let i = 0; i < node.n; i++) {
          const k = wordsKey(node.w, i << 2);
          if (prev !== null && !(prev < k)) throw new Error('leaf out of order');
          if (low !== null && k < low) throw new Error('key below separator');
          if (high !== null && k >= high) throw new Error('key above next separator');
          prev = k;
        }
        return node.n;
      }
      if (node.c.length < (isRoot ? 2 : 1)) throw new Error('inner too small');
      if (node.c.length > INNER_MAX) throw new Error('inner too big');
      let sum = 0;
      for (let i = 0; i < node.c.length; i++) {
        const lo = i === 0 ? low : wordsKey(node.s, i << 2);
        const hi = i + 1 < node.c.length ? wordsKey(node.s, (i + 1) << 2) : high;
        sum += walk(node.c[i], lo, hi, false);
      }
      return sum;
    };
    const total = walk(this.root, null, null, true);
    if (total !== this.count) throw new Error(`bad total ${total} != ${this.count}`);
    for (let i = 0; i < leaves.length; i++) {
      if (leaves[i].prev !== (i > 0 ? leaves[i - 1] : null)) throw new Error('bad prev link');
      if (leaves[i].next !== (i + 1 < leaves.length ? leaves[i + 1] : null)) throw new Error('bad next link');
    }
  }
}
