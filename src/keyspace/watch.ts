/**
 * WATCH bookkeeping: which clients watch which keys, and invalidation when
 * a watched key changes (writes, expiry, eviction, flushes, SWAPDB).
 */
import type { Database } from './database.js';
import type { Server } from '../server/server.js';
import { ClientFlag, type Client } from '../server/client.js';

export class Watches {
  private readonly byDb = new Map<Database, Map<string, Set<Client>>>();
  /** Number of (client, key) watch entries; 0 means nothing to check. */
  count = 0;

  constructor(private readonly server: Server) {}

  watch(c: Client, db: Database, key: string): void {
    let keys = this.byDb.get(db);
    if (keys === undefined) {
      keys = new Map();
      this.byDb.set(db, keys);
    }
    let set = keys.get(key);
    if (set === undefined) {
      set = new Set();
      keys.set(key, set);
    }
    if (set.has(c)) return;
    set.add(c);
    (c.watched ??= []).push({ db, key });
    this.count++;
  }

  unwatchAll(c: Client): void {
    const list = c.watched;
    if (list === null) return;
    for (const { db, key } of list) {
      const keys = this.byDb.get(db);
      const set = keys?.get(key);
      if (set === undefined) continue;
      set.delete(c);
      this.count--;
      if (set.size === 0) keys!.delete(key);
    }
    c.watched = null;
    c.flags &= ~ClientFlag.DirtyCAS;
  }

  /** A key changed: every client watching it fails its next EXEC. */
  touch(db: Database, key: string): void {
    if (this.count === 0) return;
    const set = this.byDb.get(db)?.get(key);
    if (set === undefined) return;
    for (const c of set) c.flags |= ClientFlag.DirtyCAS;
  }

  /**
   * A database was emptied (FLUSHDB/FLUSHALL) or swapped: clients watching a
   * key that existed in it, or that exists in the database taking its place,
   * are invalidated.
   */
  touchDb(db: Database, replacedWith: Database | null, existedBefore: (key: string) => boolean): void {
    if (this.count === 0) return;
    const keys = this.byDb.get(db);
    if (keys === undefined) return;
    for (const [key, set] of keys) {
      if (existedBefore(key) || (replacedWith !== null && replacedWith.dict.has(key))) {
        for (const c of set) c.flags |= ClientFlag.DirtyCAS;
      }
    }
  }

  isWatching(c: Client): boolean {
    return c.watched !== null && c.watched.length > 0;
  }

}
