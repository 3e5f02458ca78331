/**
 * maxmemory and eviction policies (evict.c): before a command that may
 * grow memory runs, while used memory is above maxmemory, keys are evicted
 * by the configured policy using Redis's approximated algorithms: sample
 * `maxmemory-samples` keys and evict the best candidate (largest idle time
 * for LRU, smallest logarithmic counter for LFU, nearest expiry for
 * volatile-ttl, any for random).
 *
 * Access times (LRU) and access counters (LFU) are kept per key only while
 * an LRU or LFU policy is configured, so the common configuration pays
 * nothing for them.
 *
 * Used memory is V8's live heap plus external memory. Memory freed by
 * eviction only shows in the heap after a full collection, so the evictor
 * subtracts an estimate of what it freed until the next major GC.
 */
import v8 from 'node:v8';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import type { Server } from '../server/server.js';
import type { Database } from './database.js';
import type { Value } from '../types/object.js';
import { sampleMapKey } from './sample.js';
import { lfuDecayed } from './lfu.js';
import { collectYoungGarbage, youngGenerationUsed } from '../server/memory.js';

/** Young-generation bytes worth a collection before evicting. */
const YOUNG_COLLECT_MIN = 1024 * 1024;


/** Rough bytes held for a key and its value in Sinew's representation. */
export function estimateEntrySize(key: string, v: Value): number {
  const str = (n: number) => 16 + ((n + 7) & ~7);
  let size = str(key.length) + 32; // key string + map entry
  if (typeof v === 'string') return size + str(v.length);
  const sized = v as unknown as { size?: number; length?: number; len?: number };
  const n = typeof sized.size === 'number' ? sized.size : typeof sized.length === 'number' ? sized.length : 0;
  if (v.type === 'string') return size + 48 + (sized.len ?? 0);
  size += 64 + n * 64;
  return size;
}

export class Evictor {
  /** Estimated bytes freed by eviction since the last major GC. */
  private freedSinceGc = 0;
  private observer: PerformanceObserver | null = null;
  private lastMeasure = 0;
  private lastMeasureTime = 0;
  private lastYoungCheck = -Infinity;
  /** True while LRU/LFU data is kept per key. */
  tracking: 'lru' | 'lfu' | null = null;

  constructor(private readonly server: Server) {
    server.evictHook = () => this.performEvictions();
    server.idleTime = (db, key) => this.idleTime(db, key);
    server.accessFrequency = (db, key) => this.frequency(db, key);
    this.configure();
  }

  /** Applies maxmemory-policy: starts or stops per-key access tracking. */
  configure(): void {
    const policy = this.server.config.get('maxmemory-policy');
    const mode = policy.endsWith('lru') ? 'lru' : policy.endsWith('lfu') ? 'lfu' : null;
    this.tracking = mode;
    for (const db of this.server.keyspace.dbs) {
      if (mode === null) db.access = null;
      else if (db.access === null) db.access = new Map();
      db.accessMode = mode;
      db.lfuLogFactor = this.server.config.getInt('lfu-log-factor');
      db.lfuDecayTime = this.server.config.getInt('lfu-decay-time');
    }
    if (this.server.config.maxmemory > 0 && this.observer === null) {
      this.observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
          if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) this.freedSinceGc = 0;
        }
      });
      this.observer.observe({ entryTypes: ['gc'] });
    }
  }

  stop(): void {
    this.observer?.disconnect();
    this.observer = null;
  }

  /** Live memory estimate used against maxmemory. */
  usedMemory(): number {
    const now = performance.now();
    if (now - this.lastMeasureTime > 1) {
      const h = v8.getHeapStatistics();
      this.lastMeasure = h.used_heap_size + h.external_memory;
      this.lastMeasureTime = now;
    }
    return Math.max(0, this.lastMeasure - this.freedSinceGc);
  }

  /** Returns false when memory stays above maxmemory (the command gets OOM). */
  performEvictions(): boolean {
    const server = this.server;
    const max = server.config.maxmemory;
    if (max === 0) return true;
    let used = this.usedMemory();
    if (used <= max) return true;
    // Part of the heap may be garbage of recent commands, still in the young
    // generation (up to its size): when it holds more than a megabyte,
    // collect it and measure again before evicting anything (looked at at
    // most once a millisecond). Garbage that reached the old generation
    // counts until the next full collection.
    const now = performance.now();
    if (now - this.lastYoungCheck > 1) {
      this.lastYoungCheck = now;
      if (youngGenerationUsed() > YOUNG_COLLECT_MIN && collectYoungGarbage()) {
        this.lastMeasureTime = -Infinity;
        used = this.usedMemory();
        if (used <= max) return true;
      }
    }
    const policy = server.config.get('maxmemory-policy');
    if (policy === 'noeviction') return false;
    const samples = server.config.getInt('maxmemory-samples');
    const volatile = policy.startsWith('volatile');
    let evicted = 0;
    const deadline = performance.now() + 50;
    while (used > max) {
      const victim = this.pickVictim(policy, volatile, samples);
      if (victim === null) break;
      const { db, key } = victim;
      const v = db.dict.get(key);
      if (v === undefined) continue;
      const freed = estimateEntrySize(key, v);
      db.delete(key);
      db.access?.delete(key);
      server.stats.evictedKeys++;
      server.dirty++;
      server.notifier.notify('e', 'evicted', key, db.id);
      server.watches.touch(db, key);
      server.keyEvictedHooks.forEach((h) => h(db, key));
      server.propagate(db.id, ['DEL', key]);
      this.freedSinceGc += freed;
      used -= freed;
      evicted++;
      if ((evicted & 63) === 0 && performance.now() > deadline) break;
    }
    return used <= max;
  }

  private pickVictim(policy: string, volatile: boolean, samples: number): { db: Database; key: string } | null {
    let best: { db: Database; key: string; score: number } | null = null;
    const now = this.server.keyspace.now;
    for (const db of this.server.keyspace.dbs) {
      const pool = volatile ? db.expires : db.dict;
      if (pool.size === 0) continue;
      for (let i = 0; i < samples; i++) {
        const key = volatile ? sampleMapKey(db.expires) : sampleMapKey(db.dict);
        if (key === null) break;
        let score: number;
        if (policy.endsWith('random')) score = Math.random();
        else if (policy === 'volatile-ttl') score = -(db.expires.get(key) ?? Infinity);
        else if (policy.endsWith('lru')) score = now - (db.access?.get(key) ?? 0);
        else score = 255 - lfuDecayed(db.access?.get(key), now, this.server.config.getInt('lfu-decay-time'));
        if (best === null || score > best.score) best = { db, key, score };
        if (policy.endsWith('random')) break;
      }
    }
    return best;
  }

  idleTime(db: Database, key: string): number {
    const t = db.access?.get(key);
    if (t === undefined || this.tracking !== 'lru') return 0;
    return Math.floor((this.server.keyspace.now - t) / 1000);
  }

  frequency(db: Database, key: string): number {
    return lfuDecayed(db.access?.get(key), this.server.keyspace.now, this.server.config.getInt('lfu-decay-time'));
  }
}
