/**
 * One logical database: the main dictionary, the expires table, and the
 * state the active expiry cycle keeps between runs. Lookups apply lazy
 * expiry; every deletion of an expired key goes through the keyspace's
 * expiry hook (notification, propagation as DEL, stats).
 */
import type { Value } from '../types/object.js';

/** What a database shares with the others of its keyspace: the command's clock, statistics and the hooks for expiry, readiness and notifications. */
export interface SharedKeyspace {
  readonly now: number;
  readonly noTouch: boolean;
  readonly expiryPaused: boolean;
  readonly loading: boolean;
  hits: number;
  misses: number;
  onExpired(db: Database, key: string): void;
  readonly readyHook: ((db: Database, key: string) => void) | null;
  readonly newKeyHook: ((db: Database, key: string) => void) | null;
  readonly missHook: ((db: Database, key: string) => void) | null;
  /** Called before a key changes in any way while a snapshot is being written (it keeps the old value). */
  readonly snapshotHook: ((db: Database, key: string) => void) | null;
}
import { lfuTouch } from './lfu.js';

export class Database {
  readonly id: number;
  dict = new Map<string, Value>();
  expires = new Map<string, number>();
  /** Persistent cursor of the active expiry cycle over `expires`. */
  expireIter: Iterator<[string, number]> | null = null;
  /**
   * Exact expiry times that a double can not hold (beyond 2^53 ms, up to
   * 2^63-1 as Redis allows), by key; `expires` holds their rounded value.
   * Null until needed.
   */
  bigExpires: Map<string, bigint> | null = null;
  /** Running average TTL of keys seen by the expiry cycle (INFO keyspace avg_ttl). */
  avgTtl = 0;
  /**
   * Per-key access data while an LRU/LFU maxmemory-policy is set (see
   * eviction.ts): last access time (LRU) or packed LFU counter; else null.
   */
  access: Map<string, number> | null = null;
  accessMode: 'lru' | 'lfu' | null = null;
  lfuLogFactor = 10;
  lfuDecayTime = 1;
  readonly ks: SharedKeyspace;

  constructor(id: number, ks: SharedKeyspace) {
    this.id = id;
    this.ks = ks;
  }

  get size(): number {
    return this.dict.size;
  }

  /**
   * Deletes the key if its time has come. Returns true when the key is
   * (logically) expired: while expiry is paused (CLIENT PAUSE) the key is
   * kept, but still reported as gone, as Redis's expireIfNeeded does.
   */
  expireIfNeeded(key: string): boolean {
    const when = this.expires.get(key);
    if (when === undefined || when >= this.ks.now) return false; // expired only once now > when, as Redis
    if (this.ks.loading) return false;
    if (this.ks.expiryPaused) return true;
    this.deleteExpired(key);
    return true;
  }

  deleteExpired(key: string): void {
    if (this.ks.snapshotHook !== null) this.ks.snapshotHook(this, key);
    this.dict.delete(key);
    this.expires.delete(key);
    if (this.bigExpires !== null) this.bigExpires.delete(key);
    this.ks.onExpired(this, key);
  }

  /** Lookup for reading: lazy expiry, and keyspace hit/miss stats. */
  read(key: string): Value | undefined {
    const v = this.readNoTouch(key);
    if (v !== undefined && this.access !== null) this.touch(key);
    return v;
  }

  /**
   * Lookup for reading that is not an access for LRU/LFU (Redis's
   * LOOKUP_NOTOUCH: EXISTS, TYPE, the TTL family, SCAN's TYPE filter):
   * lazy expiry, hit/miss stats and keymiss events only.
   */
  readNoTouch(key: string): Value | undefined {
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) {
      this.ks.misses++;
      if (this.ks.missHook !== null) this.ks.missHook(this, key);
      return undefined;
    }
    const v = this.dict.get(key);
    if (v === undefined) {
      this.ks.misses++;
      if (this.ks.missHook !== null) this.ks.missHook(this, key);
    } else this.ks.hits++;
    return v;
  }

  /** A key's LRU/LFU record, which RENAME and MOVE carry along (Redis keeps it in the value). */
  accessOf(key: string): number | undefined {
    return this.access === null ? undefined : this.access.get(key);
  }

  setAccess(key: string, n: number | undefined): void {
    if (n !== undefined && this.access !== null) this.access.set(key, n);
  }

  /** Records an access for LRU/LFU eviction. */
  touch(key: string): void {
    // CLIENT NO-TOUCH: the command under way leaves access times alone.
    if (this.ks.noTouch) return;
    const access = this.access!;
    if (this.accessMode === 'lru') access.set(key, this.ks.now);
    else access.set(key, lfuTouch(access.get(key), this.ks.now, this.lfuLogFactor, this.lfuDecayTime));
  }

  /**
   * Lookup for writing (Redis's lookupKeyWrite): lazy expiry, no hit/miss
   * statistics. Every command that changes a stored value in place gets it
   * here, so that a snapshot in progress can take the old value first.
   */
  lookupWrite(key: string): Value | undefined {
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return undefined;
    if (this.ks.snapshotHook !== null) this.ks.snapshotHook(this, key);
    const v = this.dict.get(key);
    if (this.access !== null && v !== undefined) this.touch(key);
    return v;
  }

  /**
   * A value found by read() is about to change in place (PFCOUNT storing
   * its cached cardinality): a snapshot in progress keeps the old value first.
   */
  changing(key: string): void {
    if (this.ks.snapshotHook !== null) this.ks.snapshotHook(this, key);
  }

  /** Existence check without touching stats. */
  exists(key: string): boolean {
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return false;
    return this.dict.has(key);
  }

  /** Adds a key that does not exist yet. */
  add(key: string, v: Value): void {
    if (this.ks.snapshotHook !== null) this.ks.snapshotHook(this, key);
    this.dict.set(key, v);
    if (this.access !== null) this.created(key);
    if (this.ks.readyHook !== null) this.ks.readyHook(this, key);
    if (this.ks.newKeyHook !== null) this.ks.newKeyHook(this, key);
  }

  /** SET semantics: create or replace, dropping any TTL unless keepTtl. */
  set(key: string, v: Value, keepTtl = false): void {
    // An expired key is deleted first (Redis's setKey looks the key up for writing).
    if (this.expires.size !== 0) this.expireIfNeeded(key);
    if (this.ks.snapshotHook !== null) this.ks.snapshotHook(this, key);
    const dict = this.dict;
    const before = dict.size;
    dict.set(key, v);
    if (this.access !== null) this.created(key);
    if (dict.size !== before) {
      if (this.ks.readyHook !== null) this.ks.readyHook(this, key);
      if (this.ks.newKeyHook !== null) this.ks.newKeyHook(this, key);
    } else if (!keepTtl && this.expires.size !== 0) {
      this.expires.delete(key);
      if (this.bigExpires !== null) this.bigExpires.delete(key);
    }
  }

  /**
   * A new value object: under LRU its access time is now (Redis stamps every
   * object it creates, whichever client); under LFU a new key starts at the
   * initial counter (no record) and a replaced value keeps its counter.
   */
  private created(key: string): void {
    if (this.accessMode === 'lru') this.access!.set(key, this.ks.now);
  }

  /** Replaces the value of an existing key, keeping its TTL. */
  replace(key: string, v: Value): void {
    if (this.ks.snapshotHook !== null) this.ks.snapshotHook(this, key);
    this.dict.set(key, v);
  }

  delete(key: string): boolean {
    if (this.ks.snapshotHook !== null) this.ks.snapshotHook(this, key);
    if (!this.dict.delete(key)) return false;
    if (this.expires.size !== 0) this.expires.delete(key);
    if (this.bigExpires !== null) this.bigExpires.delete(key);
    if (this.access !== null) this.access.delete(key);
    return true;
  }

  setExpire(key: string, when: number): void {
    if (this.ks.snapshotHook !== null) this.ks.snapshotHook(this, key);
    this.expires.set(key, when);
  }

  /** Sets an expiry given as an exact 64-bit time (EXPIRE family, RENAME, MOVE, COPY). */
  setExpireExact(key: string, when: bigint): void {
    if (this.ks.snapshotHook !== null) this.ks.snapshotHook(this, key);
    const n = Number(when);
    this.expires.set(key, n);
    if (!Number.isSafeInteger(n)) {
      if (this.bigExpires === null) this.bigExpires = new Map();
      this.bigExpires.set(key, when);
    } else if (this.bigExpires !== null) {
      this.bigExpires.delete(key);
    }
  }

  /** The exact expiry time, or null when the key has none. */
  getExpireExact(key: string): bigint | null {
    const t = this.expires.get(key);
    if (t === undefined) return null;
    if (this.bigExpires !== null) {
      const big = this.bigExpires.get(key);
      // only while it still describes the current expiry (set through setExpire otherwise)
      if (big !== undefined && Number(big) === t) return big;
    }
    return BigInt(t);
  }

  /** Absolute expiry in ms, or -1 when the key has none. */
  getExpire(key: string): number {
    const t = this.expires.get(key);
    return t === undefined ? -1 : t;
  }

  persist(key: string): boolean {
    if (this.ks.snapshotHook !== null) this.ks.snapshotHook(this, key);
    if (this.bigExpires !== null) this.bigExpires.delete(key);
    return this.expires.delete(key);
  }

  clear(): void {
    this.dict = new Map();
    this.expires = new Map();
    this.bigExpires = null;
    this.expireIter = null;
    this.avgTtl = 0;
    if (this.access !== null) this.access = new Map();
  }

  /** Swaps contents with another database (SWAPDB). */
  swapWith(other: Database): void {
    const d = this.dict;
    const e = this.expires;
    const a = this.avgTtl;
    const big = this.bigExpires;
    this.bigExpires = other.bigExpires;
    other.bigExpires = big;
    this.dict = other.dict;
    this.expires = other.expires;
    this.avgTtl = other.avgTtl;
    other.dict = d;
    other.expires = e;
    other.avgTtl = a;
    const acc = this.access;
    this.access = other.access;
    other.access = acc;
    this.expireIter = null;
    other.expireIter = null;
  }
}
