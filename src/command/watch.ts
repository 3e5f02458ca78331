/**
 * WATCH bookkeeping: which clients watch which keys, and invalidation when
 * a watched key changes (writes, expiry, eviction, flushes, SWAPDB).
 *
 * As in Redis 7.0, each watch remembers whether the key was already
 * logically expired (but not yet deleted) when WATCH ran: deleting such a
 * key is no logical change, while a key that expires after WATCH makes EXEC
 * fail.
 */
import type { Database } from '../keyspace/database.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import { ClientFlag, type Client } from '../server/client.js';

interface WatchEntry {
  db: Database;
  key: string;
  client: Client;
  /** The key was logically expired when WATCH was called. */
  expired: boolean;
}

export class Watches {
  private readonly byDb = new Map<Database, Map<string, Map<Client, WatchEntry>>>();
  /** Number of (client, key) watch entries; 0 means nothing to check. */
  count = 0;

  constructor(private readonly server: { readonly keyspace: Keyspace }) {}

  private isExpired(db: Database, key: string): boolean {
    const when = db.expires.get(key);
    // Logically expired, even while deletions are paused (Redis's keyIsExpired).
    return when !== undefined && when <= this.server.keyspace.now;
  }

  watch(c: Client, db: Database, key: string): void {
    let keys = this.byDb.get(db);
    if (keys === undefined) {
      keys = new Map();
      this.byDb.set(db, keys);
    }
    let set = keys.get(key);
    if (set === undefined) {
      set = new Map();
      keys.set(key, set);
    }
    if (set.has(c)) return;
    const entry: WatchEntry = { db, key, client: c, expired: this.isExpired(db, key) };
    set.set(c, entry);
    (c.watched ??= []).push(entry);
    this.count++;
  }

  unwatchAll(c: Client): void {
    const list = c.watched;
    if (list === null) return;
    for (const { db, key } of list) {
      const keys = this.byDb.get(db);
      const set = keys?.get(key);
      if (set === undefined || !set.delete(c)) continue;
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
    for (const e of set.values()) {
      if (e.expired) {
        // Deleting a key that was already expired at WATCH time changes nothing.
        if (!db.dict.has(key)) {
          e.expired = false;
          continue;
        }
      }
      e.client.flags |= ClientFlag.DirtyCAS;
    }
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
      const inEmptied = existedBefore(key);
      const inReplacement = replacedWith !== null && replacedWith.dict.has(key);
      if (!inEmptied && !inReplacement) continue;
      for (const e of set.values()) {
        if (e.expired) {
          if (!inReplacement) {
            e.expired = false;
            continue;
          }
          if (this.isExpired(replacedWith!, key)) continue;
        } else if (!inEmptied && this.isExpired(replacedWith!, key)) {
          e.expired = true;
          continue;
        }
        e.client.flags |= ClientFlag.DirtyCAS;
      }
    }
  }

  /** EXEC: a watched key that expired after WATCH aborts the transaction. */
  anyExpired(c: Client): boolean {
    const list = c.watched as WatchEntry[] | null;
    if (list === null) return false;
    for (const e of list) {
      if (!e.expired && this.isExpired(e.db, e.key)) return true;
    }
    return false;
  }

  isWatching(c: Client): boolean {
    return c.watched !== null && c.watched.length > 0;
  }
}
