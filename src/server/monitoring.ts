/**
 * SLOWLOG and LATENCY monitor state.
 */

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
