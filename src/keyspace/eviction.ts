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
 * Used memory (compared with maxmemory and reported as INFO used_memory)
 * is V8's heap in use plus external memory. Memory freed by eviction only
 * shows in the heap after a full collection, so the evictor subtracts an
 * estimate of what it freed until the next major GC.
 *
 * Keeping the heap itself near maxmemory (and so the RSS) takes managing
 * the collector while maxmemory is set: the old generation grows by at
 * most HEAP_GROWING_PERCENT between major GCs (V8 otherwise lets it reach
 * several times its live size, all of it garbage of evicted values), the
 * young generation stops growing beyond a quarter of maxmemory, and a full
 * collection is forced when the heap still gets GC_MARGIN above maxmemory.
 * These are V8 flags, so they apply to the whole process while any server
 * in it has maxmemory set.
 */
import v8 from 'node:v8';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import type { Config } from '../config/config.js';
import type { Keyspace } from './keyspace.js';
import type { Database } from './database.js';
import type { Value } from '../types/object.js';
import { sampleMapKey } from './sample.js';
import { lfuDecayed } from './lfu.js';
import { collectGarbage, collectYoungGarbage, youngGenerationUsed } from '../util/gc.js';

/** What eviction needs of the server: the settings, the keyspace, and whom to tell of each key it evicts. */
export interface EvictionHost {
  readonly config: Config;
  readonly keyspace: Keyspace;
  /** A key was evicted (already deleted): the server counts, signals and propagates it. */
  keyEvicted(db: Database, key: string): void;
}

/** Young-generation bytes worth a collection before evicting. */
const YOUNG_COLLECT_MIN = 1024 * 1024;
/**
 * Heap above maxmemory (a fraction of maxmemory, at least GC_MARGIN_MIN)
 * that makes the evictor run a full collection; see collectIfGrown.
 */
const GC_MARGIN = 0.5;
const GC_MARGIN_MIN = 2 * 1024 * 1024;
/**
 * While some server in the process has maxmemory set, V8's old generation
 * may grow to (100 + this) percent of what the last major GC left before
 * the next one starts (incrementally, marking concurrently), instead of up
 * to four times as much: garbage of evicted and overwritten values is
 * given back at the pace it is made.
 */
const HEAP_GROWING_PERCENT = 25;
const growingWanted = new Set<object>();
let growingApplied = false;

function wantHeapGrowing(owner: object, want: boolean): void {
  if (want) growingWanted.add(owner);
  else growingWanted.delete(owner);
  const on = growingWanted.size > 0;
  if (!want) capYoung(owner, 0);
  if (on === growingApplied || HEAP_GROWING_PERCENT <= 0) return;
  v8.setFlagsFromString(`--heap-growing-percent=${on ? HEAP_GROWING_PERCENT : 0}`);
  growingApplied = on;
}

/**
 * The young generation (two semi-spaces, up to --max-semi-space-size each)
 * grows under a write load and does not shrink while it lasts. While
 * maxmemory is set it may grow only up to a quarter of maxmemory (at least
 * YOUNG_CAP_MIN): V8 doubles it when it grows, and a growth factor of 1
 * stops that.
 */
const YOUNG_CAP_MIN = 8 * 1024 * 1024;
let youngGrowthStopped = false;
const youngCapOwners = new Set<object>();

/** Re-evaluates the cap for one server (maxmemory 0: it no longer asks for one). */
function capYoung(owner: object, maxmemory: number): void {
  let committed = 0;
  if (maxmemory > 0) for (const sp of v8.getHeapSpaceStatistics()) if (sp.space_name === 'new_space') committed = sp.space_size;
  if (maxmemory > 0 && committed * 2 > Math.max(YOUNG_CAP_MIN, maxmemory / 4)) youngCapOwners.add(owner);
  else youngCapOwners.delete(owner);
  const stop = youngCapOwners.size > 0;
  if (stop === youngGrowthStopped) return;
  v8.setFlagsFromString(`--semi-space-growth-factor=${stop ? 1 : 2}`);
  youngGrowthStopped = stop;
}

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
  /**
   * When the bytes in `freedSinceGc` were freed: eviction time (ms,
   * performance.now()) and bytes, oldest first, so that a major GC reported
   * late by the observer only forgets what was freed before it ran.
   */
  private freedTimes: number[] = [];
  private freedBytes: number[] = [];
  /** End of the last major GC already accounted for. */
  private lastGcEnd = -Infinity;
  /** Heap (plus external memory) right after the last major GC; -1 until measured. */
  private heapAfterGc = -1;
  private observer: PerformanceObserver | null = null;
  private lastMeasure = 0;
  private lastMeasureTime = -Infinity;
  private lastYoungCheck = -Infinity;
  private lastYoungCap = -Infinity;
  /** Young generation in use after the evictor's last scavenge, and the growth that makes the next one. */
  private youngFloor = 0;
  private youngStep = YOUNG_COLLECT_MIN;
  /** True while LRU/LFU data is kept per key. */
  tracking: 'lru' | 'lfu' | null = null;

  constructor(private readonly server: EvictionHost) {
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
    wantHeapGrowing(this, this.server.config.maxmemory > 0);
    if (this.server.config.maxmemory > 0 && this.observer === null) {
      this.observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
          if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) this.majorGcDone(e.startTime + e.duration);
        }
      });
      this.observer.observe({ entryTypes: ['gc'] });
    }
  }

  stop(): void {
    wantHeapGrowing(this, false);
    this.observer?.disconnect();
    this.observer = null;
  }

  /** A major GC that ended at `end` (performance.now() time) freed what eviction had freed before it. */
  private majorGcDone(end: number): void {
    if (end <= this.lastGcEnd) return;
    this.lastGcEnd = end;
    const times = this.freedTimes;
    let n = 0;
    while (n < times.length && times[n] < end) this.freedSinceGc -= this.freedBytes[n++];
    if (n > 0) {
      times.splice(0, n);
      this.freedBytes.splice(0, n);
    }
    if (times.length === 0) this.freedSinceGc = 0;
    this.heapAfterGc = -1;
    this.lastMeasureTime = -Infinity;
  }

  private recordFreed(bytes: number): void {
    const now = performance.now();
    const times = this.freedTimes;
    const last = times.length - 1;
    if (last >= 0 && times[last] === now) this.freedBytes[last] += bytes;
    else {
      // Bounded: the oldest half merges into its newest entry (counted as
      // freed later than it was, which only delays forgetting it).
      if (times.length >= 4096) {
        let sum = 0;
        for (let i = 0; i < 2048; i++) sum += this.freedBytes[i];
        times.splice(0, 2047);
        this.freedBytes.splice(0, 2047);
        this.freedBytes[0] = sum;
      }
      times.push(now);
      this.freedBytes.push(bytes);
    }
    this.freedSinceGc += bytes;
  }

  /** V8's heap in use plus external memory, measured at most once a millisecond. */
  private heapInUse(fresh = false): number {
    const now = performance.now();
    if (fresh || now - this.lastMeasureTime > 1) {
      const h = v8.getHeapStatistics();
      this.lastMeasure = h.used_heap_size + h.external_memory;
      this.lastMeasureTime = now;
      if (this.heapAfterGc < 0) this.heapAfterGc = this.lastMeasure;
    }
    return this.lastMeasure;
  }

  /** Live memory estimate used against maxmemory (and reported as used_memory). */
  usedMemory(fresh = false): number {
    return Math.max(0, this.heapInUse(fresh) - this.freedSinceGc);
  }

  /**
   * Runs a full collection when the heap holds more than `margin` bytes
   * above maxmemory and has grown by `margin` since the last major GC: what
   * eviction freed (and the garbage of overwritten values) is then given
   * back before V8 would collect it by itself (after the old generation
   * grows to a multiple of its live size).
   */
  private collectIfGrown(max: number): void {
    const margin = Math.max(GC_MARGIN_MIN, max * GC_MARGIN);
    const heap = this.heapInUse();
    if (heap <= max + margin || heap - this.heapAfterGc < margin) return;
    if (!collectGarbage()) return;
    this.freedSinceGc = 0;
    this.freedTimes.length = 0;
    this.freedBytes.length = 0;
    this.lastGcEnd = performance.now();
    this.heapAfterGc = this.heapInUse(true);
  }

  /** Returns false when memory stays above maxmemory (the command gets OOM). */
  performEvictions(): boolean {
    const ok = this.evictIfNeeded();
    this.overLimit = !ok || this.lastUsed > this.server.config.maxmemory;
    return ok;
  }

  /**
   * Memory was above maxmemory when last measured (by a write, the last
   * eviction, or CONFIG SET maxmemory): commands that cannot grow memory
   * evict first only then, so reads do not pay for a measurement.
   */
  overLimit = false;
  private lastUsed = 0;

  private evictIfNeeded(): boolean {
    const server = this.server;
    const max = server.config.maxmemory;
    this.lastUsed = 0;
    if (max === 0) return true;
    this.collectIfGrown(max);
    const t = this.lastMeasureTime;
    if (t - this.lastYoungCap > 100) {
      this.lastYoungCap = t;
      capYoung(this, max);
    }
    let used = this.usedMemory();
    if (used <= max) return true;
    // Part of the heap may be garbage of recent commands, still in the young
    // generation (up to its size): when it has grown by more than a step
    // since the last collection, collect it and measure again before
    // evicting anything (looked at at most once a millisecond). The step
    // is a megabyte while collections find garbage; when they find mostly
    // live data (values just stored, under a write load) it doubles, up to
    // a sixteenth of maxmemory, so that a steady write load at the limit
    // does not scavenge a few hundred times a second. Garbage that reached
    // the old generation counts until the next major GC.
    const now = performance.now();
    if (now - this.lastYoungCheck > 1) {
      this.lastYoungCheck = now;
      const young = youngGenerationUsed();
      if (young < this.youngFloor) this.youngFloor = young;
      if (young - this.youngFloor > this.youngStep && collectYoungGarbage()) {
        const after = youngGenerationUsed();
        const mostlyLive = (young - after) * 2 < young - this.youngFloor;
        this.youngStep = mostlyLive ? Math.min(this.youngStep * 2, Math.max(YOUNG_COLLECT_MIN, max / 16)) : YOUNG_COLLECT_MIN;
        this.youngFloor = after;
        used = this.usedMemory(true);
        if (used <= max) return true;
      }
    }
    const policy = server.config.get('maxmemory-policy');
    if (policy === 'noeviction') return false;
    const samples = server.config.getInt('maxmemory-samples');
    const volatile = policy.startsWith('volatile');
    let evicted = 0;
    let freedNow = 0;
    let timedOut = false;
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
      server.keyEvicted(db, key);
      freedNow += freed;
      used -= freed;
      evicted++;
      if ((evicted & 63) === 0 && performance.now() > deadline) {
        timedOut = true;
        break;
      }
    }
    if (freedNow > 0) this.recordFreed(freedNow);
    this.lastUsed = used;
    // Out of time with keys left to evict: as Redis (EVICT_RUNNING), the
    // command runs and eviction goes on before the next one.
    if (used > max && timedOut) return true;
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
