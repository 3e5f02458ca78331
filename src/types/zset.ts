/**
 * Sorted sets: a member -> score Map for O(1) score lookups, and an
 * order-statistic B+tree holding (score, member) pairs in order, for
 * O(log N) insertion, deletion, rank and range starts.
 *
 * Order: by score, then by member compared as bytes. Members are one-byte
 * (latin1) strings, so JS string comparison on code units is memcmp order.
 *
 * The tree keeps members and scores in parallel arrays in its leaves (up to
 * LEAF_MAX pairs each, scores unboxed as a packed double array), which costs
 * far less memory per element than a pointer-based skiplist. Inner nodes
 * hold, for each child, the number of elements below it (for ranks) and a
 * lower bound (separator) of its keys (for searches). Leaves are linked both
 * ways for range iteration.
 */
import type { RObject } from './object.js';

const LEAF_MAX = 64;
const INNER_MAX = 64;
/** A node below this fill is merged with a neighbour when both fit in one. */
const LEAF_LOW = LEAF_MAX >> 2;
const INNER_LOW = INNER_MAX >> 2;

class Leaf {
  m: string[];
  s: number[];
  next: Leaf | null = null;
  prev: Leaf | null = null;
  constructor(m: string[], s: number[]) {
    this.m = m;
    this.s = s;
  }
}

class Inner {
  /** Children. */
  k: Node[];
  /** Number of elements under each child. */
  n: number[];
  /** Separator of child i (i >= 1): every key of child i is >= it, every key of child i-1 is < it. Index 0 unused. */
  sm: string[];
  ss: number[];
  constructor(k: Node[], n: number[], sm: string[], ss: number[]) {
    this.k = k;
    this.n = n;
    this.sm = sm;
    this.ss = ss;
  }
}

type Node = Leaf | Inner;

/** Compares (s1, m1) with (s2, m2): negative, zero or positive. */
export function cmpKey(s1: number, m1: string, s2: number, m2: string): number {
  if (s1 < s2) return -1;
  if (s1 > s2) return 1;
  if (m1 < m2) return -1;
  if (m1 > m2) return 1;
  return 0;
}

/** Index of the child of `p` whose key range holds (s, m). */
function childFor(p: Inner, s: number, m: string): number {
  // largest i >= 1 with sep[i] <= key, else 0
  let lo = 1;
  let hi = p.k.length - 1;
  let ans = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cmpKey(p.ss[mid], p.sm[mid], s, m) <= 0) {
      ans = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return ans;
}

/** First index in a leaf whose key is >= (s, m). */
function leafLowerBound(l: Leaf, s: number, m: string): number {
  let lo = 0;
  let hi = l.m.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cmpKey(l.s[mid], l.m[mid], s, m) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function nodeSize(n: Node): number {
  if (n instanceof Leaf) return n.m.length;
  let t = 0;
  for (let i = 0; i < n.n.length; i++) t += n.n[i];
  return t;
}

function firstLeaf(n: Node): Leaf {
  while (n instanceof Inner) n = n.k[0];
  return n;
}

function lastLeaf(n: Node): Leaf {
  while (n instanceof Inner) n = n.k[n.k.length - 1];
  return n;
}

/** A predicate true for a prefix of the order (then false for the rest). */
export type Before = (s: number, m: string) => boolean;

/** Order-statistic B+tree of (score, member) pairs. */
export class ZTree {
  private root: Node = new Leaf([], []);
  private count = 0;
  // split results of the last insertion step
  private splitNode: Node | null = null;
  private splitS = 0;
  private splitM = '';
  // cursor results of `seek`
  private curLeaf: Leaf | null = null;
  private curIdx = 0;

  get size(): number {
    return this.count;
  }

  /** Builds a tree from pairs already in order (no duplicates). */
  static fromSorted(ms: string[], ss: number[]): ZTree {
    const t = new ZTree();
    const n = ms.length;
    if (n === 0) return t;
    const per = (LEAF_MAX * 3) >> 2;
    let level: Node[] = [];
    let sizes: number[] = [];
    let lows: [number, string][] = [];
    let prev: Leaf | null = null;
    for (let i = 0; i < n; i += per) {
      const l = new Leaf(ms.slice(i, i + per), ss.slice(i, i + per));
      if (prev !== null) {
        prev.next = l;
        l.prev = prev;
      }
      prev = l;
      level.push(l);
      sizes.push(l.m.length);
      lows.push([l.s[0], l.m[0]]);
    }
    const iper = (INNER_MAX * 3) >> 2;
    while (level.length > 1) {
      const up: Node[] = [];
      const upSizes: number[] = [];
      const upLows: [number, string][] = [];
      for (let i = 0; i < level.length; i += iper) {
        const k = level.slice(i, i + iper);
        const cnt = sizes.slice(i, i + iper);
        const sm: string[] = [];
        const ss2: number[] = [];
        for (let j = 0; j < k.length; j++) {
          sm.push(lows[i + j][1]);
          ss2.push(lows[i + j][0]);
        }
        let tot = 0;
        for (const c of cnt) tot += c;
        up.push(new Inner(k, cnt, sm, ss2));
        upSizes.push(tot);
        upLows.push(lows[i]);
      }
      level = up;
      sizes = upSizes;
      lows = upLows;
    }
    t.root = level[0];
    t.count = n;
    return t;
  }

  /** Inserts a pair that is not in the tree. */
  insert(s: number, m: string): void {
    this.splitNode = null;
    this.ins(this.root, s, m);
    if (this.splitNode !== null) {
      const r = this.root;
      const sib = this.splitNode;
      this.root = new Inner([r, sib], [nodeSize(r), nodeSize(sib)], ['', this.splitM], [0, this.splitS]);
      this.splitNode = null;
    }
    this.count++;
  }

  private ins(node: Node, s: number, m: string): void {
    if (node instanceof Leaf) {
      const i = leafLowerBound(node, s, m);
      // insert at i by hand: splice would allocate its (empty) result array
      const lm = node.m;
      const ls = node.s;
      let j = lm.length;
      lm.push(m);
      ls.push(s);
      for (; j > i; j--) {
        lm[j] = lm[j - 1];
        ls[j] = ls[j - 1];
      }
      lm[i] = m;
      ls[i] = s;
      if (lm.length > LEAF_MAX) {
        const h = node.m.length >> 1;
        const sib = new Leaf(node.m.splice(h), node.s.splice(h));
        sib.next = node.next;
        if (sib.next !== null) sib.next.prev = sib;
        sib.prev = node;
        node.next = sib;
        this.splitNode = sib;
        this.splitS = sib.s[0];
        this.splitM = sib.m[0];
      }
      return;
    }
    const i = childFor(node, s, m);
    this.ins(node.k[i], s, m);
    node.n[i]++;
    if (this.splitNode === null) return;
    const sib = this.splitNode;
    const sibSize = nodeSize(sib);
    node.k.splice(i + 1, 0, sib);
    node.n.splice(i + 1, 0, sibSize);
    node.n[i] -= sibSize;
    node.sm.splice(i + 1, 0, this.splitM);
    node.ss.splice(i + 1, 0, this.splitS);
    this.splitNode = null;
    if (node.k.length > INNER_MAX) {
      const h = node.k.length >> 1;
      const right = new Inner(node.k.splice(h), node.n.splice(h), node.sm.splice(h), node.ss.splice(h));
      this.splitNode = right;
      this.splitS = right.ss[0];
      this.splitM = right.sm[0];
    }
  }

  /** Deletes a pair; false when absent. */
  delete(s: number, m: string): boolean {
    const found = this.del(this.root, s, m);
    if (found) {
      this.count--;
      this.shrinkRoot();
    }
    return found;
  }

  private del(node: Node, s: number, m: string): boolean {
    if (node instanceof Leaf) {
      const i = leafLowerBound(node, s, m);
      const lm = node.m;
      const ls = node.s;
      const n = lm.length;
      if (i >= n || lm[i] !== m || ls[i] !== s) return false;
      // remove at i by hand: splice would allocate its result array
      for (let j = i + 1; j < n; j++) {
        lm[j - 1] = lm[j];
        ls[j - 1] = ls[j];
      }
      lm.pop();
      ls.pop();
      return true;
    }
    const i = childFor(node, s, m);
    if (!this.del(node.k[i], s, m)) return false;
    node.n[i]--;
    this.fix(node, i);
    return true;
  }

  private shrinkRoot(): void {
    while (this.root instanceof Inner && this.root.k.length === 1) this.root = this.root.k[0];
    if (this.root instanceof Inner && this.root.k.length === 0) this.root = new Leaf([], []);
  }

  /** Removes child i of p when empty, or merges it with a neighbour when small. Returns how many children disappeared (0/1). */
  private fix(p: Inner, i: number): number {
    const child = p.k[i];
    if (p.n[i] === 0) {
      if (child instanceof Leaf) this.unlinkLeaf(child);
      else if (child.k.length > 0) this.unlinkLeavesOf(child);
      this.removeKid(p, i);
      return 1;
    }
    const small = child instanceof Leaf ? child.m.length < LEAF_LOW : child.k.length < INNER_LOW;
    if (!small) return 0;
    if (i > 0 && this.canMerge(p.k[i - 1], child)) {
      this.merge(p, i - 1);
      return 1;
    }
    if (i + 1 < p.k.length && this.canMerge(child, p.k[i + 1])) {
      this.merge(p, i);
      return 1;
    }
    return 0;
  }

  private canMerge(a: Node, b: Node): boolean {
    if (a instanceof Leaf) return a.m.length + (b as Leaf).m.length <= LEAF_MAX;
    return a.k.length + (b as Inner).k.length <= INNER_MAX;
  }

  /** Merges child i+1 of p into child i. */
  private merge(p: Inner, i: number): void {
    const a = p.k[i];
    const b = p.k[i + 1];
    if (a instanceof Leaf) {
      const lb = b as Leaf;
      for (let j = 0; j < lb.m.length; j++) {
        a.m.push(lb.m[j]);
        a.s.push(lb.s[j]);
      }
      this.unlinkLeaf(lb);
    } else {
      const ib = b as Inner;
      for (let j = 0; j < ib.k.length; j++) {
        a.k.push(ib.k[j]);
        a.n.push(ib.n[j]);
        if (j === 0) {
          a.sm.push(p.sm[i + 1]);
          a.ss.push(p.ss[i + 1]);
        } else {
          a.sm.push(ib.sm[j]);
          a.ss.push(ib.ss[j]);
        }
      }
    }
    p.n[i] += p.n[i + 1];
    this.removeKid(p, i + 1);
  }

  private removeKid(p: Inner, i: number): void {
    p.k.splice(i, 1);
    p.n.splice(i, 1);
    p.sm.splice(i, 1);
    p.ss.splice(i, 1);
  }

  private unlinkLeaf(l: Leaf): void {
    if (l.prev !== null) l.prev.next = l.next;
    if (l.next !== null) l.next.prev = l.prev;
    l.prev = l.next = null;
  }

  /** Unlinks the (empty) leaves below an empty inner node. */
  private unlinkLeavesOf(n: Inner): void {
    const a = firstLeaf(n);
    const b = lastLeaf(n);
    const before = a.prev;
    const after = b.next;
    if (before !== null) before.next = after;
    if (after !== null) after.prev = before;
    a.prev = null;
    b.next = null;
  }

  /** 0-based rank of a pair, or -1. */
  rank(s: number, m: string): number {
    let node = this.root;
    let r = 0;
    while (node instanceof Inner) {
      const i = childFor(node, s, m);
      for (let j = 0; j < i; j++) r += node.n[j];
      node = node.k[i];
    }
    const i = leafLowerBound(node, s, m);
    if (i < node.m.length && node.m[i] === m) return r + i;
    return -1;
  }

  /** Number of pairs for which `before` holds (it must hold for a prefix of the order). */
  countBefore(before: Before): number {
    let node = this.root;
    let r = 0;
    while (node instanceof Inner) {
      // largest i >= 1 whose separator is still "before"; else 0
      let lo = 1;
      let hi = node.k.length - 1;
      let ans = 0;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (before(node.ss[mid], node.sm[mid])) {
          ans = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      for (let j = 0; j < ans; j++) r += node.n[j];
      node = node.k[ans];
    }
    let lo = 0;
    let hi = node.m.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(node.s[mid], node.m[mid])) lo = mid + 1;
      else hi = mid;
    }
    return r + lo;
  }

  /** Positions the internal cursor at a rank (0 <= rank < size). */
  private seek(rank: number): void {
    let node = this.root;
    while (node instanceof Inner) {
      let i = 0;
      while (rank >= node.n[i]) {
        rank -= node.n[i];
        i++;
      }
      node = node.k[i];
    }
    this.curLeaf = node;
    this.curIdx = rank;
  }

  /**
   * Positions the cursor at a rank (0 <= rank < size) for curMember /
   * curScore and step / stepBack: a range walk without a callback per
   * element. The tree must not change during the walk.
   */
  seekRank(rank: number): void {
    this.seek(rank);
  }

  /** Member under the cursor. */
  get curMember(): string {
    return this.curLeaf!.m[this.curIdx];
  }

  /** Score under the cursor. */
  get curScore(): number {
    return this.curLeaf!.s[this.curIdx];
  }

  /** Moves the cursor to the next rank (it must exist). */
  step(): void {
    if (++this.curIdx >= this.curLeaf!.m.length) {
      this.curLeaf = this.curLeaf!.next;
      this.curIdx = 0;
    }
  }

  /** Moves the cursor to the previous rank (it must exist). */
  stepBack(): void {
    if (--this.curIdx < 0) {
      this.curLeaf = this.curLeaf!.prev;
      this.curIdx = this.curLeaf!.m.length - 1;
    }
  }

  /** Member at a rank. */
  memberAt(rank: number): string {
    this.seek(rank);
    return this.curLeaf!.m[this.curIdx];
  }

  /** Score at a rank. */
  scoreAt(rank: number): number {
    this.seek(rank);
    return this.curLeaf!.s[this.curIdx];
  }

  /**
   * Visits ranks [start, end) in order (forward), or ranks end-1 down to
   * start (reverse). The visitor returns false to stop early.
   */
  each(start: number, end: number, reverse: boolean, fn: (m: string, s: number) => boolean | void): void {
    if (start < 0) start = 0;
    if (end > this.count) end = this.count;
    let left = end - start;
    if (left <= 0) return;
    if (!reverse) {
      this.seek(start);
      let l: Leaf | null = this.curLeaf;
      let i = this.curIdx;
      while (l !== null && left > 0) {
        const ms = l.m;
        const ss = l.s;
        for (; i < ms.length && left > 0; i++, left--) if (fn(ms[i], ss[i]) === false) return;
        l = l.next;
        i = 0;
      }
    } else {
      this.seek(end - 1);
      let l: Leaf | null = this.curLeaf;
      let i = this.curIdx;
      while (l !== null && left > 0) {
        const ms = l.m;
        const ss = l.s;
        for (; i >= 0 && left > 0; i--, left--) if (fn(ms[i], ss[i]) === false) return;
        l = l.prev;
        if (l !== null) i = l.m.length - 1;
      }
    }
  }

  /**
   * Removes ranks [start, end), calling `fn` for each removed pair and
   * deleting each removed member from `dict` when given. Returns how many.
   */
  deleteRange(start: number, end: number, fn?: (m: string, s: number) => void, dict?: Map<string, number>): number {
    if (start < 0) start = 0;
    if (end > this.count) end = this.count;
    const n = end - start;
    if (n <= 0) return 0;
    this.delRange(this.root, start, n, fn, dict);
    this.count -= n;
    this.shrinkRoot();
    return n;
  }

  private delRange(node: Node, lo: number, n: number, fn: ((m: string, s: number) => void) | undefined, dict: Map<string, number> | undefined): void {
    if (node instanceof Leaf) {
      const lm = node.m;
      const ls = node.s;
      if (dict !== undefined) for (let j = lo; j < lo + n; j++) dict.delete(lm[j]);
      if (fn !== undefined) for (let j = lo; j < lo + n; j++) fn(lm[j], ls[j]);
      if (n === 1) {
        // one element (the pops): shift by hand, no splice result array
        const len = lm.length;
        for (let j = lo + 1; j < len; j++) {
          lm[j - 1] = lm[j];
          ls[j - 1] = ls[j];
        }
        lm.pop();
        ls.pop();
      } else {
        lm.splice(lo, n);
        ls.splice(lo, n);
      }
      return;
    }
    let i = 0;
    while (lo >= node.n[i]) {
      lo -= node.n[i];
      i++;
    }
    const first = i;
    let left = n;
    while (left > 0) {
      const take = Math.min(left, node.n[i] - lo);
      this.delRange(node.k[i], lo, take, fn, dict);
      node.n[i] -= take;
      left -= take;
      lo = 0;
      i++;
    }
    // clean up the touched children (and one neighbour on each side)
    let j = Math.min(i, node.k.length - 1);
    while (j >= Math.max(first - 1, 0)) {
      if (j < node.k.length) this.fix(node, j);
      j--;
    }
  }

  /** Replaces -0 scores by 0 (what a listpack stores). Returns the members changed. */
  normalizeZeros(): string[] {
    const out: string[] = [];
    let l: Leaf | null = firstLeaf(this.root);
    while (l !== null) {
      const ss = l.s;
      for (let i = 0; i < ss.length; i++) {
        if (ss[i] === 0 && Object.is(ss[i], -0)) {
          ss[i] = 0;
          out.push(l.m[i]);
        }
      }
      l = l.next;
    }
    return out;
  }

  clear(): void {
    this.root = new Leaf([], []);
    this.count = 0;
  }

  /** Checks every invariant (tests). Throws on violation. */
  check(): void {
    let total = 0;
    const leaves: Leaf[] = [];
    const walk = (node: Node, lowS: number | null, lowM: string | null, hiS: number | null, hiM: string | null, isRoot: boolean): number => {
      if (node instanceof Leaf) {
        leaves.push(node);
        if (node.m.length !== node.s.length) throw new Error('leaf arrays differ');
        if (!isRoot && node.m.length === 0) throw new Error('empty leaf');
        if (node.m.length > LEAF_MAX) throw new Error('leaf too big');
        for (let i = 0; i < node.m.length; i++) {
          if (i > 0 && cmpKey(node.s[i - 1], node.m[i - 1], node.s[i], node.m[i]) >= 0) throw new Error('leaf out of order');
          if (lowS !== null && cmpKey(node.s[i], node.m[i], lowS, lowM!) < 0) throw new Error('key below separator');
          if (hiS !== null && cmpKey(node.s[i], node.m[i], hiS, hiM!) >= 0) throw new Error('key above next separator');
        }
        return node.m.length;
      }
      if (node.k.length !== node.n.length || node.k.length !== node.sm.length || node.k.length !== node.ss.length) throw new Error('inner arrays differ');
      if (node.k.length < (isRoot ? 2 : 1)) throw new Error('inner too small');
      if (node.k.length > INNER_MAX) throw new Error('inner too big');
      let sum = 0;
      for (let i = 0; i < node.k.length; i++) {
        const ls = i === 0 ? lowS : node.ss[i];
        const lm = i === 0 ? lowM : node.sm[i];
        const hs = i + 1 < node.k.length ? node.ss[i + 1] : hiS;
        const hm = i + 1 < node.k.length ? node.sm[i + 1] : hiM;
        const c = walk(node.k[i], ls, lm, hs, hm, false);
        if (c !== node.n[i]) throw new Error('bad count');
        sum += c;
      }
      return sum;
    };
    total = walk(this.root, null, null, null, null, true);
    if (total !== this.count) throw new Error('bad total');
    for (let i = 0; i < leaves.length; i++) {
      if (leaves[i].prev !== (i > 0 ? leaves[i - 1] : null)) throw new Error('bad prev link');
      if (leaves[i].next !== (i + 1 < leaves.length ? leaves[i + 1] : null)) throw new Error('bad next link');
    }
  }
}

/** A sorted set value. */
export class ZSet implements RObject {
  readonly type = 'zset' as const;
  readonly dict = new Map<string, number>();
  tree = new ZTree();
  /**
   * True while Redis 7.0 would hold these contents as a listpack; once a
   * sorted set outgrows zset-max-listpack-entries/-value it stays a
   * skiplist (only the *STORE commands build compact results again).
   */
  listpack = true;

  get size(): number {
    return this.dict.size;
  }

  score(m: string): number | undefined {
    return this.dict.get(m);
  }

  has(m: string): boolean {
    return this.dict.has(m);
  }

  /** Inserts a member known to be absent. */
  insertNew(m: string, s: number): void {
    // A listpack stores scores as text without a sign for zero.
    if (this.listpack && s === 0) s = 0;
    this.dict.set(m, s);
    this.tree.insert(s, m);
  }

  /** Moves a member whose current score is `old` (from score()) to score s. */
  move(m: string, old: number, s: number): void {
    if (this.listpack && s === 0) s = 0;
    if (old === s) return;
    this.tree.delete(old, m);
    this.dict.set(m, s);
    this.tree.insert(s, m);
  }

  /** Inserts a new member or moves an existing one to a new score. */
  set(m: string, s: number): void {
    // A listpack stores scores as text without a sign for zero.
    if (this.listpack && s === 0) s = 0;
    const old = this.dict.get(m);
    if (old !== undefined) {
      // an equal score (0 and -0 included) leaves the member as it is
      if (old === s) return;
      this.tree.delete(old, m);
    }
    this.dict.set(m, s);
    this.tree.insert(s, m);
  }

  delete(m: string): boolean {
    const s = this.dict.get(m);
    if (s === undefined) return false;
    this.dict.delete(m);
    this.tree.delete(s, m);
    return true;
  }

  /** 0-based rank in ascending order, or -1. */
  rank(m: string): number {
    const s = this.dict.get(m);
    if (s === undefined) return -1;
    return this.tree.rank(s, m);
  }

  /** Removes ranks [start, end); returns how many. */
  deleteRange(start: number, end: number, fn?: (m: string, s: number) => void): number {
    return this.tree.deleteRange(start, end, fn, this.dict);
  }

  /**
   * Before adding a new member: Redis converts a listpack to a skiplist
   * when the new length or the member's length passes the limits.
   */
  checkGrowth(newSize: number, elementLen: number, maxEntries: number, maxValue: number): void {
    if (this.listpack && (newSize > maxEntries || elementLen > maxValue)) this.listpack = false;
  }

  /** Converts to the listpack encoding (zsetConvertToListpackIfNeeded). */
  toListpack(): void {
    if (this.listpack) return;
    this.listpack = true;
    for (const m of this.tree.normalizeZeros()) this.dict.set(m, 0);
  }

  encoding(): string {
    return this.listpack ? 'listpack' : 'skiplist';
  }

  clone(): ZSet {
    const z = new ZSet();
    const ms: string[] = [];
    const ss: number[] = [];
    this.tree.each(0, this.tree.size, false, (m, s) => {
      ms.push(m);
      ss.push(s);
    });
    for (let i = 0; i < ms.length; i++) z.dict.set(ms[i], ss[i]);
    z.tree = ZTree.fromSorted(ms, ss);
    z.listpack = this.listpack;
    return z;
  }

  /** Builds a sorted set from pairs in any order (distinct members). */
  /**
   * A sorted set of members and their scores (no duplicate members), built
   * in bulk. Pairs already in order, or in reverse order (an RDB file holds
   * a skiplist from its greatest member), are taken without sorting.
   */
  static fromPairs(ms: string[], ss: number[]): ZSet {
    const n = ms.length;
    let asc = true;
    let desc = true;
    for (let i = 1; i < n && (asc || desc); i++) {
      const c = cmpKey(ss[i - 1], ms[i - 1], ss[i], ms[i]);
      if (c >= 0) asc = false;
      if (c <= 0) desc = false;
    }
    let sm = ms;
    let sss = ss;
    if (!asc && desc) {
      sm = ms.slice().reverse();
      sss = ss.slice().reverse();
    } else if (!asc) {
      const idx = ms.map((_, i) => i);
      idx.sort((a, b) => cmpKey(ss[a], ms[a], ss[b], ms[b]));
      sm = idx.map((i) => ms[i]);
      sss = idx.map((i) => ss[i]);
    }
    const z = new ZSet();
    for (let i = 0; i < sm.length; i++) z.dict.set(sm[i], sss[i]);
    z.tree = ZTree.fromSorted(sm, sss);
    return z;
  }
}
