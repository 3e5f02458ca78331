/**
 * The keyspace: all databases, the clock commands see, hit/miss/expiry
 * statistics, and the active expiry cycle.
 */
import { Database } from './database.js';

export type ExpiredHook = (db: Database, key: string) => void;
export type ReadyHook = (db: Database, key: string) => void;

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export class Keyspace {
  dbs: Database[];
  /** Time (ms) as seen by the running command: fixed for the duration of one command. */
  now = Date.now();
  /** Set while a command of a CLIENT NO-TOUCH client runs (other than TOUCH): lookups record no access. */
  noTouch = false;
  clock: Clock;
  hits = 0;
  misses = 0;
  expiredKeys = 0;
  expiredStalePerc = 0;
  expireCycleCpuMs = 0;
  /**
   * While true (clients paused), expired keys are not deleted, neither
   * lazily (they read as missing) nor by the active cycle.
   */
  expiryPaused = false;
  /** While an append-only file is replayed, no key expires (Redis's keyIsExpired while loading). */
  loading = false;
  activeExpireEnabled = true;
  /** Set by the server: called after an expired key was removed. */
  onExpired: ExpiredHook = () => {};
  /** Set while any client is blocked on keys: called when a key is created. */
  readyHook: ReadyHook | null = null;
  /** Keyspace notifications: a key was created ('new') / a read missed ('keymiss'). */
  newKeyHook: ReadyHook | null = null;
  missHook: ReadyHook | null = null;
  /** Set while a snapshot is being written: called before any change to a key (see persistence/snapshot.ts). */
  snapshotHook: ReadyHook | null = null;

  constructor(count: number, clock: Clock = systemClock) {
    this.clock = clock;
    this.dbs = [];
    for (let i = 0; i < count; i++) this.dbs.push(new Database(i, this));
  }

  /** Refreshes the command clock; called before each command runs. */
  tick(): number {
    return (this.now = this.clock.now());
  }

  totalKeys(): number {
    let n = 0;
    for (const db of this.dbs) n += db.size;
    return n;
  }

  /**
   * One run of the active expiry cycle: for each database, walk the expires
   * table from where the last run stopped, sampling keys and deleting the
   * expired ones; keep going on a database while more than the acceptable
   * share of the sample was expired, within a time budget.
   */
  activeExpireCycle(hz: number, effort: number): void {
    if (!this.activeExpireEnabled || this.expiryPaused || this.loading) return;
    const start = performance.now();
    const keysPerLoop = 20 + (20 / 4) * (effort - 1);
    const acceptableStale = 10 - (effort - 1);
    const budgetMs = ((25 + 2 * (effort - 1)) * 1000) / hz / 100;
    let sampledTotal = 0;
    let expiredTotal = 0;
    this.tick();
    for (const db of this.dbs) {
      if (db.expires.size === 0) {
        db.avgTtl = 0;
        continue;
      }
      let loops = 0;
      for (;;) {
        let sampled = 0;
        let expired = 0;
        let ttlSum = 0;
        let ttlSamples = 0;
        const limit = Math.min(keysPerLoop, db.expires.size);
        let iter = db.expireIter ?? db.expires.entries();
        while (sampled < limit) {
          let r = iter.next();
          if (r.done) {
            iter = db.expires.entries();
            r = iter.next();
            if (r.done) break;
          }
          sampled++;
          const [key, when] = r.value;
          if (when < this.now) {
            db.deleteExpired(key);
            expired++;
          } else {
            ttlSum += when - this.now;
            ttlSamples++;
          }
        }
        db.expireIter = iter;
        sampledTotal += sampled;
        expiredTotal += expired;
        if (ttlSamples > 0) {
          // Redis's running average, in integer milliseconds.
          const avg = Math.floor(ttlSum / ttlSamples);
          if (db.avgTtl === 0) db.avgTtl = avg;
          db.avgTtl = Math.floor(db.avgTtl / 50) * 49 + Math.floor(avg / 50);
        }
        loops++;
        if (sampled === 0 || db.expires.size === 0) break;
        if ((loops & 15) === 0 && performance.now() - start > budgetMs) break;
        if (Math.floor((expired * 100) / sampled) <= acceptableStale) break;
      }
      if (performance.now() - start > budgetMs) break;
    }
    const current = sampledTotal ? expiredTotal / sampledTotal : 0;
    this.expiredStalePerc = current * 0.05 + this.expiredStalePerc * 0.95;
    this.expireCycleCpuMs += performance.now() - start;
  }
}
