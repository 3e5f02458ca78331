/**
 * SLOWLOG and LATENCY monitor state, and the MONITOR feed.
 */
import { ClientFlag, type Client } from './client.js';
import { quoteArg } from '../util/repr.js';

export interface SlowLogEntry {
  id: number;
  time: number; // unix seconds
  durationUs: number;
  argv: string[];
  addr: string;
  name: string;
}

const SLOWLOG_ENTRY_MAX_ARGC = 32;
const SLOWLOG_ENTRY_MAX_STRING = 128;

export class SlowLog {
  entries: SlowLogEntry[] = []; // newest first
  private nextId = 0;

  add(argv: string[], durationUs: number, addr: string, name: string, maxLen: number): void {
    const argc = Math.min(argv.length, SLOWLOG_ENTRY_MAX_ARGC);
    const out: string[] = [];
    for (let i = 0; i < argc; i++) {
      if (argc !== argv.length && i === argc - 1) {
        out.push(`... (${argv.length - argc + 1} more arguments)`);
      } else {
        const a = argv[i];
        out.push(a.length > SLOWLOG_ENTRY_MAX_STRING ? `${a.slice(0, SLOWLOG_ENTRY_MAX_STRING)}... (${a.length - SLOWLOG_ENTRY_MAX_STRING} more bytes)` : a);
      }
    }
    // Clients without a connection (scripts, AOF) show as Redis's fake clients do.
    if (addr === '' || addr === 'lua') addr = '?:0';
    this.entries.unshift({ id: this.nextId++, time: Math.floor(Date.now() / 1000), durationUs: Math.floor(durationUs), argv: out, addr, name });
    this.trim(maxLen);
  }

  trim(maxLen: number): void {
    if (this.entries.length > maxLen) this.entries.length = maxLen;
  }

  reset(): void {
    this.entries = [];
  }
}

export interface LatencySample {
  time: number; // unix seconds
  latency: number; // ms
}

const LATENCY_TS_LEN = 160;

export class LatencyMonitor {
  events = new Map<string, { samples: LatencySample[]; max: number }>();
  /** Per-command histograms (LATENCY HISTOGRAM, INFO latencystats). */
  readonly commands = new CommandLatencies();

  add(event: string, ms: number): void {
    const now = Math.floor(Date.now() / 1000);
    let e = this.events.get(event);
    if (e === undefined) {
      e = { samples: [], max: 0 };
      this.events.set(event, e);
    }
    if (ms > e.max) e.max = ms;
    const last = e.samples[e.samples.length - 1];
    if (last !== undefined && last.time === now) {
      if (ms > last.latency) last.latency = ms;
      return;
    }
    e.samples.push({ time: now, latency: ms });
    if (e.samples.length > LATENCY_TS_LEN) e.samples.shift();
  }

  reset(names?: string[]): number {
    if (names === undefined || names.length === 0) {
      const n = this.events.size;
      this.events.clear();
      return n;
    }
    let n = 0;
    for (const name of names) if (this.events.delete(name)) n++;
    return n;
  }
}

/**
 * A latency histogram shaped like Redis's HDR histogram (values in
 * nanoseconds from 1 ns to 1 s, 2 significant digits: 256 sub-buckets,
 * each power of two above 256 split in 128 equal ranges).
 */
export class LatencyHistogram {
  /**
   * Samples per bucket, indexed by slot(): values below 256 ns have one
   * bucket each, then 128 buckets per power of two (one array increment per
   * recorded call).
   */
  private readonly slots = new Float64Array(256 + 23 * 128);
  total = 0;

  private static slot(v: number): number {
    if (v < 256) return v;
    const s = 24 - Math.clz32(v);
    return 256 + (s - 1) * 128 + ((v >> s) - 128);
  }

  private static slotLowest(i: number): number {
    if (i < 256) return i;
    const s = Math.floor((i - 256) / 128) + 1;
    return ((i - 256) % 128 + 128) << s;
  }

  /** Lowest value of a bucket (ns) -> samples in it. */
  get counts(): Map<number, number> {
    const m = new Map<number, number>();
    for (let i = 0; i < this.slots.length; i++) if (this.slots[i] !== 0) m.set(LatencyHistogram.slotLowest(i), this.slots[i]);
    return m;
  }

  /** Bucket index: 0 below 256, then floor(log2 v) - 7 (values stay below 2^31). */
  static shift(v: number): number {
    return v < 256 ? 0 : 24 - Math.clz32(v);
  }

  static lowest(v: number): number {
    const s = LatencyHistogram.shift(v);
    return (v >> s) << s;
  }

  static highest(v: number): number {
    const s = LatencyHistogram.shift(v);
    return ((v >> s) << s) + (1 << s) - 1;
  }

  record(ns: number): void {
    const v = Math.min(1e9, Math.max(1, Math.round(ns)));
    this.slots[LatencyHistogram.slot(v)]++;
    this.total++;
  }

  private sorted(): [number, number][] {
    return [...this.counts.entries()].sort((a, b) => a[0] - b[0]);
  }

  /** hdr_value_at_percentile: the highest equivalent value of the bucket reaching the percentile. */
  valueAtPercentile(p: number): number {
    if (this.total === 0) return 0;
    const want = Math.max(1, Math.floor((p / 100) * this.total + 0.5));
    let cum = 0;
    let last = 0;
    for (const [low, n] of this.sorted()) {
      cum += n;
      last = low;
      if (cum >= want) break;
    }
    return LatencyHistogram.highest(last);
  }

  /**
   * LATENCY HISTOGRAM's buckets: a logarithmic walk from 1024 ns doubling,
   * reporting (usec, cumulative count) where the count grew.
   */
  logBuckets(): [number, number][] {
    const out: [number, number][] = [];
    const buckets = this.sorted();
    let i = 0;
    let cum = 0;
    let prev = 0;
    for (let level = 1024; i < buckets.length && level <= 2 ** 30; level *= 2) {
      while (i < buckets.length && buckets[i][0] <= level) cum += buckets[i++][1];
      if (cum > prev) out.push([Math.floor(LatencyHistogram.highest(level) / 1000), cum]);
      prev = cum;
    }
    return out;
  }
}

/** Per-command latency histograms (latency-tracking). */
export class CommandLatencies {
  /** Mirrors the latency-tracking directive. */
  enabled = true;
  readonly byCommand = new Map<string, LatencyHistogram>();

  record(fullname: string, us: number): void {
    if (!this.enabled) return;
    let h = this.byCommand.get(fullname);
    if (h === undefined) {
      h = new LatencyHistogram();
      this.byCommand.set(fullname, h);
    }
    h.record(us * 1000);
  }

  reset(): void {
    this.byCommand.clear();
  }
}

/** The clients in MONITOR mode: each sees, as Redis prints it, every command other clients run. */
export class Monitors {
  private readonly clients = new Set<Client>();

  get size(): number {
    return this.clients.size;
  }

  add(c: Client): void {
    this.clients.add(c);
  }

  delete(c: Client): void {
    this.clients.delete(c);
  }

  /** One line per command: time, database, source, arguments quoted. */
  feed(c: Client, argv: string[]): void {
    const t = (performance.timeOrigin + performance.now()) / 1000; // microseconds, as Redis prints
    const src = c.has(ClientFlag.Fake) ? (c.addr === 'lua' ? 'lua' : 'unix:0') : c.addr;
    let line = `${t.toFixed(6)} [${c.db.id} ${src}]`;
    for (const a of argv) line += ' ' + quoteArg(a);
    for (const m of this.clients) {
      if (m === c) continue;
      m.w.simple(line);
      m.schedule();
    }
  }
}
