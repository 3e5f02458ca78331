/**
 * Cursors for SCAN-like commands over a Map. A cursor is a handle to a live
 * Map iterator kept on the server, so every element present for the whole
 * scan is returned (Map iterators survive insertions, deletions and
 * rehashing), and each call costs O(COUNT).
 *
 * Cursors are decimal numbers, parsed as Redis parses them (strtoul). An
 * unknown or evicted cursor restarts the scan, which keeps the guarantee
 * (elements may then come twice, which Redis also allows).
 *
 * Live cursors are kept per Map in a WeakMap, so a Map that is dropped
 * (FLUSHDB, a deleted hash) is not kept alive by cursors nobody resumes, and
 * their total number is bounded (oldest evicted first).
 */

interface Live {
  iter: Iterator<unknown>;
  pending: unknown;
}

const MAX_LIVE = 8192;
const ULONG_MAX = 18446744073709551615n;

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * A SCAN cursor as Redis reads it (parseScanCursorOrReply: strtoul base 10,
 * no leading space, nothing after the digits, no overflow): an optional sign
 * ('-' wraps around 2^64), an empty string is 0, and the argument ends at a
 * NUL byte as a C string does. Null when invalid.
 */
export function parseCursor(s: string): bigint | null {
  const z = s.indexOf('\0');
  if (z >= 0) s = s.slice(0, z);
  const n = s.length;
  if (n === 0) return 0n;
  let i = 0;
  if (isSpace(s.charCodeAt(0))) return null;
  let neg = false;
  const c0 = s.charCodeAt(0);
  if (c0 === 43 /* + */ || c0 === 45 /* - */) {
    neg = c0 === 45;
    i = 1;
  }
  if (i >= n) return null;
  for (let j = i; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  while (i < n - 1 && s.charCodeAt(i) === 48) i++;
  if (n - i > 20) return null;
  const v = BigInt(s.slice(i));
  if (v > ULONG_MAX) return null;
  return neg && v !== 0n ? ULONG_MAX + 1n - v : v;
}

export class ScanCursors {
  private byMap = new WeakMap<object, Map<string, Live>>();
  /** Every live cursor, oldest first, with the Map it belongs to (weakly). */
  private order = new Map<string, WeakRef<object>>();
  private seq = 0;

  /** Number of cursors held (tests). */
  get size(): number {
    return this.order.size;
  }

  /**
   * Visits up to `count` elements of `map` from `cursor` on, and returns the
   * cursor to continue from ('0' when the scan is complete). `cursor` must
   * have been validated with parseCursor.
   */
  step<K>(cursor: string, map: Map<K, unknown>, count: number, visit: (k: K) => void): string {
    let iter: Iterator<K> | null = null;
    let n = 0;
    if (cursor !== '0') {
      const parsed = parseCursor(cursor);
      const id = parsed === null ? cursor : parsed.toString();
      const owned = this.byMap.get(map);
      const l = owned?.get(id);
      if (l !== undefined) {
        owned!.delete(id);
        this.order.delete(id);
        iter = l.iter as Iterator<K>;
        if (map.has(l.pending as K)) visit(l.pending as K);
        n = 1;
      }
    }
    if (iter === null) iter = map.keys();
    for (; n < count; n++) {
      const r = iter.next();
      if (r.done) return '0';
      visit(r.value);
    }
    const r = iter.next();
    if (r.done) return '0';
    this.seq = (this.seq % 0x7fffffff) + 1;
    const id = String(this.seq * 64 + Math.floor(Math.random() * 64));
    let owned = this.byMap.get(map);
    if (owned === undefined) {
      owned = new Map();
      this.byMap.set(map, owned);
    }
    owned.set(id, { iter: iter as Iterator<unknown>, pending: r.value });
    this.order.set(id, new WeakRef(map));
    if (this.order.size > MAX_LIVE) {
      const [oldest, ref] = this.order.entries().next().value as [string, WeakRef<object>];
      this.order.delete(oldest);
      const m = ref.deref();
      if (m !== undefined) this.byMap.get(m)?.delete(oldest);
    }
    return id;
  }
}
