/**
 * Cursors for SCAN-like commands over a Map. A cursor is a handle to a live
 * Map iterator kept on the server, so every element present for the whole
 * scan is returned (Map iterators survive insertions, deletions and
 * rehashing), and each call costs O(COUNT).
 *
 * Cursors are decimal numbers. An unknown or evicted cursor restarts the
 * scan, which keeps the guarantee (elements may then come twice, which Redis
 * also allows).
 */

interface Live {
  map: Map<unknown, unknown>;
  iter: Iterator<unknown>;
  pending: unknown;
}

const MAX_LIVE = 8192;

export class ScanCursors {
  private live = new Map<string, Live>();
  private seq = 0;

  /**
   * Visits up to `count` elements of `map` from `cursor` on, and returns the
   * cursor to continue from ('0' when the scan is complete).
   */
  step<K>(cursor: string, map: Map<K, unknown>, count: number, visit: (k: K) => void): string {
    let iter: Iterator<K> | null = null;
    let n = 0;
    if (cursor !== '0') {
      const l = this.live.get(cursor);
      if (l !== undefined) {
        this.live.delete(cursor);
        if (l.map === map) {
          iter = l.iter as Iterator<K>;
          if (map.has(l.pending as K)) visit(l.pending as K);
          n = 1;
        }
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
    this.live.set(id, { map: map as Map<unknown, unknown>, iter: iter as Iterator<unknown>, pending: r.value });
    if (this.live.size > MAX_LIVE) {
      const oldest = this.live.keys().next().value as string;
      this.live.delete(oldest);
    }
    return id;
  }
}
