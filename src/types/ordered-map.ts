/**
 * An ordered map from byte-string keys (latin1 JS strings, compared with
 * `<`, which for one-byte strings is memcmp order with a shorter prefix
 * first, as a rax orders its keys) to values: a B+tree with linked leaves.
 *
 * Lookup, insertion and deletion are O(log n); a cursor seeks a key (>=, >,
 * <=, <) in O(log n) and then steps to the next / previous key in O(1).
 * Appending keys in increasing order (a PEL filled by XREADGROUP, stream
 * nodes) keeps the leaves full instead of half full.
 *
 * Used by streams for the node index (master ID -> node), the consumer group
 * PELs (ID -> NACK), the consumers of a group and the groups of a stream.
 */

const LEAF_MAX = 64;
const INNER_MAX = 64;
/** A node below this fill is merged with a neighbour when both fit in one. */
const LEAF_LOW = LEAF_MAX >> 2;
const INNER_LOW = INNER_MAX >> 2;

class Leaf<V> {
  next: Leaf<V> | null = null;
  prev: Leaf<V> | null = null;
  constructor(
    public k: string[],
    public v: V[],
  ) {}
}

class Inner<V> {
  constructor(
    /** Children. */
    public c: Node<V>[],
    /** Separator of child i (i >= 1): its keys are >= s[i], those of child i-1 are < s[i]. s[0] is unused. */
    public s: string[],
  ) {}
}

type Node<V> = Leaf<V> | Inner<V>;

/** Largest i >= 1 with s[i] <= key, else 0. */
function childFor<V>(p: Inner<V>, key: string): number {
  const s = p.s;
  let lo = 1;
  let hi = s.length - 1;
  let ans = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (s[mid] <= key) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/** First index whose key is >= key. */
function lowerBound(k: string[], key: string): number {
  let lo = 0;
  let hi = k.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (k[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function firstLeaf<V>(n: Node<V>): Leaf<V> {
  while (n instanceof Inner) n = n.c[0];
  return n;
}

function lastLeaf<V>(n: Node<V>): Leaf<V> {
  while (n instanceof Inner) n = n.c[n.c.length - 1];
  return n;
}

function isEmpty<V>(n: Node<V>): boolean {
  return n instanceof Leaf ? n.k.length === 0 : n.c.length === 0;
}

/**
 * A position in an OrderedMap: `valid` until it steps past either end.
 * Any change to the map invalidates its cursors (seek again).
 */
export class OMCursor<V> {
  /** @internal */
  constructor(
    private leaf: Leaf<V> | null,
    private i: number,
  ) {}

  get valid(): boolean {
    return this.leaf !== null;
  }

  /** Key under the cursor (the cursor must be valid). */
  get key(): string {
    return this.leaf!.k[this.i];
  }

  /** Value under the cursor (the cursor must be valid). */
  get value(): V {
    return this.leaf!.v[this.i];
  }

  /** Steps to the next key; returns `valid`. */
  next(): boolean {
    const l = this.leaf;
    if (l === null) return false;
    if (++this.i >= l.k.length) {
      this.leaf = l.next;
      this.i = 0;
    }
    return this.leaf !== null;
  }

  /** Steps to the previous key; returns `valid`. */
  prev(): boolean {
    const l = this.leaf;
    if (l === null) return false;
    if (--this.i < 0) {
      this.leaf = l.prev;
      this.i = this.leaf === null ? 0 : this.leaf.k.length - 1;
    }
    return this.leaf !== null;
  }
}

export type SeekOp = '>=' | '>' | '<=' | '<';

export class OrderedMap<V> {
  private root: Node<V> = new Leaf<V>([], []);
  private count = 0;
  // results of the last insertion step
  private splitNode: Node<V> | null = null;
  private splitKey = '';
  private inserted = false;

  get size(): number {
    return this.count;
  }

  /** Builds a map from keys already in increasing order (no duplicates). */
  static fromSorted<V>(keys: readonly string[], values: readonly V[]): OrderedMap<V> {
    const m = new OrderedMap<V>();
    const n = keys.length;
    if (n === 0) return m;
    const per = (LEAF_MAX * 3) >> 2;
    let level: Node<V>[] = [];
    let lows: string[] = [];
    let prev: Leaf<V> | null = null;
    for (let i = 0; i < n; i += per) {
      const l = new Leaf<V>(keys.slice(i, i + per), values.slice(i, i + per));
      if (prev !== null) {
        prev.next = l;
        l.prev = prev;
      }
      prev = l;
      level.push(l);
      lows.push(l.k[0]);
    }
    const iper = (INNER_MAX * 3) >> 2;
    while (level.length > 1) {
      const up: Node<V>[] = [];
      const upLows: string[] = [];
      for (let i = 0; i < level.length; i += iper) {
        const c = level.slice(i, i + iper);
        const s = lows.slice(i, i + iper);
        s[0] = '';
        up.push(new Inner<V>(c, s));
        upLows.push(lows[i]);
      }
      level = up;
      lows = upLows;
    }
    m.root = level[0];
    m.count = n;
    return m;
  }

  private findLeaf(key: string): Leaf<V> {
    let n = this.root;
    while (n instanceof Inner) n = n.c[childFor(n, key)];
    return n;
  }

  get(key: string): V | undefined {
    const l = this.findLeaf(key);
    const i = lowerBound(l.k, key);
    return i < l.k.length && l.k[i] === key ? l.v[i] : undefined;
  }

  has(key: string): boolean {
    const l = this.findLeaf(key);
    const i = lowerBound(l.k, key);
    return i < l.k.length && l.k[i] === key;
  }

  /** Inserts or replaces; true when the key is new. */
  set(key: string, value: V): boolean {
    this.splitNode = null;
    this.inserted = false;
    this.ins(this.root, key, value, true);
    if (this.splitNode !== null) {
      this.root = new Inner<V>([this.root, this.splitNode], ['', this.splitKey]);
      this.splitNode = null;
    }
    if (this.inserted) this.count++;
    return this.inserted;
  }

  private ins(node: Node<V>, key: string, value: V, rightmost: boolean): void {
    if (node instanceof Leaf) {
      const lk = node.k;
      const lv = node.v;
      const i = lowerBound(lk, key);
      if (i < lk.length && lk[i] === key) {
        lv[i] = value;
        return;
      }
      this.inserted = true;
      let j = lk.length;
      if (i === j) {
        lk.push(key);
        lv.push(value);
      } else {
        // shift by hand: splice would allocate its (empty) result array
        lk.push(key);
        lv.push(value);
        for (; j > i; j--) {
          lk[j] = lk[j - 1];
          lv[j] = lv[j - 1];
        }
        lk[i] = key;
        lv[i] = value;
      }
      if (lk.length > LEAF_MAX) {
        // appending at the far right: keep the left leaf full
        const h = rightmost && i === lk.length - 1 ? lk.length - 1 : lk.length >> 1;
        const sib = new Leaf<V>(lk.splice(h), lv.splice(h));
        sib.next = node.next;
        if (sib.next !== null) sib.next.prev = sib;
        sib.prev = node;
        node.next = sib;
        this.splitNode = sib;
        this.splitKey = sib.k[0];
      }
      return;
    }
    const i = childFor(node, key);
    this.ins(node.c[i], key, value, rightmost && i === node.c.length - 1);
    if (this.splitNode === null) return;
    const sib = this.splitNode;
    if (i + 1 === node.c.length) {
      node.c.push(sib);
      node.s.push(this.splitKey);
    } else {
      node.c.splice(i + 1, 0, sib);
      node.s.splice(i + 1, 0, this.splitKey);
    }
    this.splitNode = null;
    if (node.c.length > INNER_MAX) {
      const h = rightmost && i + 1 === node.c.length - 1 ? node.c.length - 1 : node.c.length >> 1;
      const right = new Inner<V>(node.c.splice(h), node.s.splice(h));
      this.splitNode = right;
      this.splitKey = right.s[0];
      right.s[0] = '';
    }
  }

  /** Removes a key; true when it was there. */
  delete(key: string): boolean {
    const found = this.del(this.root, key);
    if (found) {
      this.count--;
      while (this.root instanceof Inner && this.root.c.length === 1) this.root = this.root.c[0];
      if (this.root instanceof Inner && this.root.c.length === 0) this.root = new Leaf<V>([], []);
    }
    return found;
  }

  private del(node: Node<V>, key: string): boolean {
    if (node instanceof Leaf) {
      const lk = node.k;
      const lv = node.v;
      const i = lowerBound(lk, key);
      const n = lk.length;
      if (i >= n || lk[i] !== key) return false;
      for (let j = i + 1; j < n; j++) {
        lk[j - 1] = lk[j];
        lv[j - 1] = lv[j];
      }
      lk.pop();
      lv.pop();
      return true;
    }
    const i = childFor(node, key);
    if (!this.del(node.c[i], key)) return false;
    this.fix(node, i);
    return true;
  }

  /** Removes child i of p when empty, or merges it with a neighbour when small. */
  private fix(p: Inner<V>, i: number): void {
    const child = p.c[i];
    if (isEmpty(child)) {
      if (child instanceof Leaf) this.unlink(child, child);
      p.c.splice(i, 1);
      p.s.splice(i, 1);
      return;
    }
    const small = child instanceof Leaf ? child.k.length < LEAF_LOW : child.c.length < INNER_LOW;
    if (!small) return;
    if (i > 0 && this.canMerge(p.c[i - 1], child)) this.merge(p, i - 1);
    else if (i + 1 < p.c.length && this.canMerge(child, p.c[i + 1])) this.merge(p, i);
  }

  private canMerge(a: Node<V>, b: Node<V>): boolean {
    if (a instanceof Leaf) return a.k.length + (b as Leaf<V>).k.length <= LEAF_MAX;
    return a.c.length + (b as Inner<V>).c.length <= INNER_MAX;
  }

  /** Merges child i+1 of p into child i. */
  private merge(p: Inner<V>, i: number): void {
    const a = p.c[i];
    const b = p.c[i + 1];
    if (a instanceof Leaf) {
      const lb = b as Leaf<V>;
      for (let j = 0; j < lb.k.length; j++) {
        a.k.push(lb.k[j]);
        a.v.push(lb.v[j]);
      }
      this.unlink(lb, lb);
    } else {
      const ib = b as Inner<V>;
      for (let j = 0; j < ib.c.length; j++) {
        a.c.push(ib.c[j]);
        a.s.push(j === 0 ? p.s[i + 1] : ib.s[j]);
      }
    }
    p.c.splice(i + 1, 1);
    p.s.splice(i + 1, 1);
  }

  private unlink(a: Leaf<V>, b: Leaf<V>): void {
    const before = a.prev;
    const after = b.next;
    if (before !== null) before.next = after;
    if (after !== null) after.prev = before;
    a.prev = null;
    b.next = null;
  }

  /** Smallest key, or undefined. */
  firstKey(): string | undefined {
    const l = firstLeaf(this.root);
    return l.k.length ? l.k[0] : undefined;
  }

  /** Largest key, or undefined. */
  lastKey(): string | undefined {
    const l = lastLeaf(this.root);
    return l.k.length ? l.k[l.k.length - 1] : undefined;
  }

  /** Value of the largest key <= key (the rax "<=" seek), or undefined. */
  floorValue(key: string): V | undefined {
    const l = this.findLeaf(key);
    let i = lowerBound(l.k, key);
    if (i < l.k.length && l.k[i] === key) return l.v[i];
    i--;
    if (i >= 0) return l.v[i];
    const p = l.prev;
    return p !== null && p.k.length ? p.v[p.k.length - 1] : undefined;
  }

  /** A cursor on the first key. */
  first(): OMCursor<V> {
    const l = firstLeaf(this.root);
    return new OMCursor<V>(l.k.length ? l : null, 0);
  }

  /** A cursor on the last key. */
  last(): OMCursor<V> {
    const l = lastLeaf(this.root);
    return new OMCursor<V>(l.k.length ? l : null, l.k.length - 1);
  }

  /** A cursor on the first key >= / > key, or the last key <= / < key (invalid when there is none). */
  seek(key: string, op: SeekOp): OMCursor<V> {
    let l: Leaf<V> | null = this.findLeaf(key);
    let i = lowerBound(l.k, key);
    const exact = i < l.k.length && l.k[i] === key;
    if (op === '>=' || op === '>') {
      if (op === '>' && exact) i++;
      while (l !== null && i >= l.k.length) {
        l = l.next;
        i = 0;
      }
      return new OMCursor<V>(l, i);
    }
    if (!(op === '<=' && exact)) i--;
    while (l !== null && i < 0) {
      l = l.prev;
      if (l !== null) i = l.k.length - 1;
    }
    return new OMCursor<V>(l, l === null ? 0 : i);
  }

  /** Visits entries in order (or reverse order); the visitor returns false to stop. */
  forEach(fn: (value: V, key: string) => boolean | void, reverse = false): void {
    if (!reverse) {
      for (let l: Leaf<V> | null = firstLeaf(this.root); l !== null; l = l.next) {
        const k = l.k;
        const v = l.v;
        for (let i = 0; i < k.length; i++) if (fn(v[i], k[i]) === false) return;
      }
    } else {
      for (let l: Leaf<V> | null = lastLeaf(this.root); l !== null; l = l.prev) {
        const k = l.k;
        const v = l.v;
        for (let i = k.length - 1; i >= 0; i--) if (fn(v[i], k[i]) === false) return;
      }
    }
  }

  *keys(): IterableIterator<string> {
    for (let l: Leaf<V> | null = firstLeaf(this.root); l !== null; l = l.next) yield* l.k.slice();
  }

  *values(): IterableIterator<V> {
    for (let l: Leaf<V> | null = firstLeaf(this.root); l !== null; l = l.next) yield* l.v.slice();
  }

  *entries(): IterableIterator<[string, V]> {
    for (let l: Leaf<V> | null = firstLeaf(this.root); l !== null; l = l.next) {
      const k = l.k.slice();
      const v = l.v.slice();
      for (let i = 0; i < k.length; i++) yield [k[i], v[i]];
    }
  }

  /** A copy, each value passed through `copy` (identity by default). */
  clone(copy?: (value: V, key: string) => V): OrderedMap<V> {
    const keys: string[] = [];
    const values: V[] = [];
    this.forEach((v, k) => {
      keys.push(k);
      values.push(copy ? copy(v, k) : v);
    });
    return OrderedMap.fromSorted(keys, values);
  }

  clear(): void {
    this.root = new Leaf<V>([], []);
    this.count = 0;
  }

  /** Checks every invariant (tests). Throws on violation. */
  check(): void {
    const leaves: Leaf<V>[] = [];
    const walk = (node: Node<V>, low: string | null, high: string | null, isRoot: boolean): number => {
      if (node instanceof Leaf) {
        leaves.push(node);
        if (node.k.length !== node.v.length) throw new Error('leaf arrays differ');
        if (!isRoot && node.k.length === 0) throw new Error('empty leaf');
        if (node.k.length > LEAF_MAX) throw new Error('leaf too big');
        for (let i = 0; i < node.k.length; i++) {
          if (i > 0 && !(node.k[i - 1] < node.k[i])) throw new Error('leaf out of order');
          if (low !== null && node.k[i] < low) throw new Error('key below separator');
          if (high !== null && node.k[i] >= high) throw new Error('key above next separator');
        }
        return node.k.length;
      }
      if (node.c.length !== node.s.length) throw new Error('inner arrays differ');
      if (node.c.length < (isRoot ? 2 : 1)) throw new Error('inner too small');
      if (node.c.length > INNER_MAX) throw new Error('inner too big');
      let sum = 0;
      for (let i = 0; i < node.c.length; i++) {
        const lo = i === 0 ? low : node.s[i];
        const hi = i + 1 < node.c.length ? node.s[i + 1] : high;
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
